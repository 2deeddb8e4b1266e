//! Genesys Cloud region keys and their domains, as in the region map (`getRegionMap`) of the
//! official provider, github.com/MyPureCloud/terraform-provider-genesyscloud. The API host of a
//! region is `api.<domain>`, the login host `login.<domain>` and the upload host
//! `apps.<domain>`.
//! Knows nothing about HTTP.

/// Region key -> domain, as in the official provider's region map.
const REGIONS: &[(&str, &str)] = &[
    ("us-east-1", "mypurecloud.com"),
    ("us-east-2", "use2.us-gov-pure.cloud"),
    ("us-west-2", "usw2.pure.cloud"),
    ("ca-central-1", "cac1.pure.cloud"),
    ("sa-east-1", "sae1.pure.cloud"),
    ("mx-central-1", "mxc1.pure.cloud"),
    ("eu-west-1", "mypurecloud.ie"),
    ("eu-west-2", "euw2.pure.cloud"),
    ("eu-central-1", "mypurecloud.de"),
    ("eu-central-2", "euc2.pure.cloud"),
    ("eusc-de-east-1", "edee1.eusc-pure.cloud"),
    ("me-central-1", "mec1.pure.cloud"),
    ("ap-southeast-2", "mypurecloud.com.au"),
    ("ap-northeast-1", "mypurecloud.jp"),
    ("ap-northeast-2", "apne2.pure.cloud"),
    ("ap-northeast-3", "apne3.pure.cloud"),
    ("ap-south-1", "aps1.pure.cloud"),
    ("ap-southeast-1", "apse1.pure.cloud"),
    ("dca", "inindca.com"),
    ("tca", "inintca.com"),
];

const KEYS: &[&str] = &[
    "us-east-1",
    "us-east-2",
    "us-west-2",
    "ca-central-1",
    "sa-east-1",
    "mx-central-1",
    "eu-west-1",
    "eu-west-2",
    "eu-central-1",
    "eu-central-2",
    "eusc-de-east-1",
    "me-central-1",
    "ap-southeast-2",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ap-south-1",
    "ap-southeast-1",
    "dca",
    "tca",
];

/// The domain of a region key (`"eu-west-1"` -> `"mypurecloud.ie"`); `None` for unknown keys.
pub fn region_domain(key: &str) -> Option<&'static str> {
    REGIONS
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key.trim()))
        .map(|(_, d)| *d)
}

/// Every known region key, in the order of `REGIONS`.
pub fn region_keys() -> &'static [&'static str] {
    KEYS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_regions_map_to_domains() {
        assert_eq!(region_domain("us-east-1"), Some("mypurecloud.com"));
        assert_eq!(region_domain("eu-west-1"), Some("mypurecloud.ie"));
        assert_eq!(region_domain("ap-southeast-2"), Some("mypurecloud.com.au"));
        assert_eq!(region_domain("EU-CENTRAL-1"), Some("mypurecloud.de"));
        assert_eq!(region_domain("mars-1"), None);
    }

    #[test]
    fn keys_and_table_agree() {
        assert_eq!(KEYS.len(), REGIONS.len());
        for (k, (rk, _)) in KEYS.iter().zip(REGIONS) {
            assert_eq!(k, rk);
        }
    }
}
