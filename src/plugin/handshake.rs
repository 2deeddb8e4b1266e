//! The go-plugin handshake: protocol version negotiation and the one line printed on stdout,
//! `CORE|APP|NETWORK|ADDRESS|PROTOCOL|CERT` (cert = DER, base64 standard alphabet, no padding).

use base64::engine::general_purpose::STANDARD_NO_PAD;
use base64::Engine as _;

/// go-plugin's core protocol version.
pub const CORE_PROTOCOL_VERSION: u32 = 1;
/// The only Terraform plugin protocol this server speaks.
pub const APP_PROTOCOL_VERSION: u32 = 5;

/// Picks the protocol version from `PLUGIN_PROTOCOL_VERSIONS` (e.g. `5,6`). Like go-plugin, a
/// list without 5 still yields 5 so that Terraform reports the mismatch in its own words.
/// Returns the version and whether the client offered it.
pub fn negotiate(client_versions: Option<&str>) -> (u32, bool) {
    let offered = match client_versions {
        None => true,
        Some(list) => list
            .split(',')
            .any(|v| v.trim().parse::<u32>() == Ok(APP_PROTOCOL_VERSION)),
    };
    (APP_PROTOCOL_VERSION, offered)
}

/// The handshake line (with its newline); `network` is `unix` (address = socket path) or `tcp`
/// (address = `127.0.0.1:PORT`); `cert_der` is `None` without TLS.
pub fn handshake_line(
    protocol: u32,
    network: &str,
    address: &str,
    cert_der: Option<&[u8]>,
) -> String {
    let cert = cert_der
        .map(|d| STANDARD_NO_PAD.encode(d))
        .unwrap_or_default();
    format!("{CORE_PROTOCOL_VERSION}|{protocol}|{network}|{address}|grpc|{cert}\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negotiation_accepts_5_in_any_order_or_absent() {
        assert_eq!(negotiate(Some("5,6")), (5, true));
        assert_eq!(negotiate(Some("6, 5")), (5, true));
        assert_eq!(negotiate(None), (5, true));
        assert_eq!(negotiate(Some("6")), (5, false));
        assert_eq!(negotiate(Some("")), (5, false));
    }

    #[test]
    fn line_has_six_fields_and_unpadded_cert() {
        // 4 bytes encode to 6 chars + "==" with padding.
        let line = handshake_line(5, "unix", "/tmp/plugin1", Some(&[1, 2, 3, 4]));
        assert_eq!(line, "1|5|unix|/tmp/plugin1|grpc|AQIDBA\n");
        assert_eq!(
            handshake_line(5, "unix", "/tmp/p", None),
            "1|5|unix|/tmp/p|grpc|\n"
        );
        assert_eq!(
            handshake_line(5, "tcp", "127.0.0.1:10001", Some(&[1, 2, 3, 4])),
            "1|5|tcp|127.0.0.1:10001|grpc|AQIDBA\n"
        );
    }
}
