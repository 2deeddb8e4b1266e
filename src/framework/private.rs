//! Private state: the bytes Terraform stores opaquely beside a resource instance (never shown
//! in plans), here JSON of the resource's `Decision`. Bytes that do not decode (empty, written
//! by an older provider, damaged) read as the default decision: "the plan did not say".

use serde::de::DeserializeOwned;
use serde::Serialize;

pub fn decode<P: DeserializeOwned + Default>(bytes: &[u8]) -> P {
    if bytes.is_empty() {
        return P::default();
    }
    serde_json::from_slice(bytes).unwrap_or_default()
}

pub fn encode<P: Serialize>(p: &P) -> Vec<u8> {
    serde_json::to_vec(p).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
    struct D {
        #[serde(default)]
        a: Option<u32>,
    }

    #[test]
    fn round_trips_and_reads_garbage_as_the_default() {
        assert_eq!(decode::<D>(&encode(&D { a: Some(3) })), D { a: Some(3) });
        assert_eq!(decode::<D>(b""), D::default());
        assert_eq!(decode::<D>(b"{not json"), D::default());
    }
}
