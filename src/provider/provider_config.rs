//! Typed model of the `provider "genesys"` block: each argument declared once (name, type,
//! mode, sensitivity, description), its schema generated from that declaration, and the
//! conversion of the configuration Terraform sends. Settings and orgs read `cfg.api_url`, not
//! attribute names.

use crate::cty::{Number, Value};
use crate::framework::{from_object, schema_of, tf_model, Attr, Diagnostics, Schema};
use std::collections::BTreeMap;

const DESCRIPTION: &str = "Genesys Cloud scripts as code, in one org or many (`orgs`).";

/// The `orgs` argument: org name to that org's settings (a map of strings).
pub type OrgsMap = BTreeMap<String, Attr<BTreeMap<String, Attr<String>>>>;

tf_model! {
    /// The provider block as Terraform sends it (values may be unknown at validation).
    pub struct ProviderConfig {
        OAUTHCLIENT_ID => oauthclient_id: String [optional]
            "OAuth client id (client credentials grant). Env: `GENESYSCLOUD_OAUTHCLIENT_ID`.",
        OAUTHCLIENT_SECRET => oauthclient_secret: String [optional, sensitive]
            "OAuth client secret. Env: `GENESYSCLOUD_OAUTHCLIENT_SECRET`.",
        ACCESS_TOKEN => access_token: String [optional, sensitive]
            "A ready access token, instead of client credentials. Env: `GENESYSCLOUD_ACCESS_TOKEN`.",
        AWS_REGION => aws_region: String [optional]
            "Region key of the org, e.g. `us-east-1`, `eu-west-1` (default `us-east-1`). Env: `GENESYSCLOUD_REGION`.",
        API_URL => api_url: String [optional]
            "One base URL serving the login, api and apps paths (genesys-sim or a gateway); overrides `aws_region`. Plain `http://` is accepted only for a loopback host (127.0.0.0/8, ::1, localhost): credentials never travel unencrypted to another machine. Env: `GENESYSCLOUD_API_URL`.",
        ORGS => orgs: OrgsMap [optional, sensitive]
            "Per-org settings for deploying to many orgs from one configuration: a map from org name to a map with `oauthclient_id` and `oauthclient_secret` (or `access_token`), `aws_region` or `api_url`, and optionally `requests_per_minute`. Resources and data sources pick an org with their `org` argument; the settings above are the default org. Each org has its own token cache, pacing and retry budget. Env: `GENESYSCLOUD_ORGS_FILE` names a JSON file of the same shape (used when `orgs` is unset).",
        MAX_RETRIES => max_retries: Number [optional]
            "Attempts per request on 429, 5xx and connection errors (default 8).",
        REQUEST_TIMEOUT_SECONDS => request_timeout_seconds: Number [optional]
            "Timeout of one HTTP request in seconds (default 60).",
        REQUESTS_PER_MINUTE => requests_per_minute: Number [optional]
            "Client-side pacing per OAuth client, to stay under the org's rate limit (default 300; 0 turns pacing off).",
    }
}

/// The keys an entry of `orgs` may hold: the single-org settings of an org.
pub const ORG_KEYS: &[&str] = &[
    ProviderConfig::OAUTHCLIENT_ID,
    ProviderConfig::OAUTHCLIENT_SECRET,
    ProviderConfig::ACCESS_TOKEN,
    ProviderConfig::AWS_REGION,
    ProviderConfig::API_URL,
    ProviderConfig::REQUESTS_PER_MINUTE,
];

/// The schema Terraform sees, generated from the model.
pub fn provider_schema() -> Schema {
    schema_of::<ProviderConfig>(DESCRIPTION)
}

impl ProviderConfig {
    /// Reads the provider block; anything but an object (no block at all) reads as empty.
    pub fn read(config: &Value) -> Result<ProviderConfig, Diagnostics> {
        match config {
            Value::Object(_) => {
                from_object(config, "provider").map_err(|e| e.diagnostics("provider"))
            }
            _ => Ok(ProviderConfig::default()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::framework::model::assert_model_matches_schema;
    use crate::framework::CtyField;

    #[test]
    fn the_model_matches_the_schema_and_reads_the_block() {
        assert_model_matches_schema::<ProviderConfig>(&provider_schema());
        let cfg = ProviderConfig {
            api_url: Attr::string("http://127.0.0.1:9"),
            max_retries: Attr::Known(Number::from_i64(3)),
            ..ProviderConfig::default()
        };
        assert_eq!(ProviderConfig::read(&cfg.to_cty()).unwrap(), cfg);
        assert_eq!(
            ProviderConfig::read(&Value::Null).unwrap(),
            ProviderConfig::default()
        );
    }
}
