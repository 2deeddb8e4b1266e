//! Just enough DER to find a certificate's subject Name (for the TLS certificate_authorities
//! hint). Bounds-checked: bad input gives `None`, never a panic.

/// One DER element split off the input: (tag, whole TLV bytes, content bytes, rest).
type Tlv<'a> = (u8, &'a [u8], &'a [u8], &'a [u8]);

/// Splits one TLV off `input`.
fn tlv(input: &[u8]) -> Option<Tlv<'_>> {
    let tag = *input.first()?;
    let first = *input.get(1)?;
    let (len, header) = if first < 0x80 {
        (first as usize, 2)
    } else {
        let n = (first & 0x7f) as usize;
        if n == 0 || n > 4 {
            return None;
        }
        let bytes = input.get(2..2 + n)?;
        (
            bytes.iter().fold(0usize, |acc, b| (acc << 8) | *b as usize),
            2 + n,
        )
    };
    let end = header.checked_add(len)?;
    let whole = input.get(..end)?;
    Some((tag, whole, &whole[header..], &input[end..]))
}

/// The DER of the certificate's subject Name (the SEQUENCE, header included).
pub fn certificate_subject(cert_der: &[u8]) -> Option<&[u8]> {
    let (0x30, _, cert, _) = tlv(cert_der)? else {
        return None;
    };
    let (0x30, _, tbs, _) = tlv(cert)? else {
        return None;
    };
    let mut rest = tbs;
    // Optional explicit version [0].
    if rest.first() == Some(&0xa0) {
        rest = tlv(rest)?.3;
    }
    // serialNumber, signature, issuer, validity, then subject.
    for _ in 0..4 {
        rest = tlv(rest)?.3;
    }
    match tlv(rest)? {
        (0x30, whole, _, _) => Some(whole),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_subject_of_a_generated_certificate() {
        let mut params = rcgen::CertificateParams::new(vec!["localhost".into()]).expect("params");
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "subject-cn-here");
        let key = rcgen::KeyPair::generate().expect("key");
        let cert = params.self_signed(&key).expect("cert");
        let subject = certificate_subject(cert.der()).expect("subject");
        assert_eq!(subject[0], 0x30);
        assert!(subject.windows(15).any(|w| w == b"subject-cn-here"));
    }

    #[test]
    fn garbage_gives_none() {
        assert_eq!(certificate_subject(&[]), None);
        assert_eq!(certificate_subject(&[0x30, 0x85, 1, 2]), None);
        assert_eq!(certificate_subject(&[0x30, 0x03, 0x30, 0x01]), None);
    }
}
