//! Typed models of `genesys_script_template` and its `timeouts` block: each attribute's name
//! is declared here once; the schema (schema_script_template.rs) is checked against these.

use crate::framework::{tf_model, Attr};
use std::collections::BTreeMap;

tf_model! {
    /// `genesys_script_template` as Terraform holds it (config, plan or state).
    pub struct ScriptTemplate {
        ID => id: String,
        NAME => name: String,
        CONTENT => content: String,
        SUBSTITUTIONS => substitutions: BTreeMap<String, Attr<String>>,
        DIVISION_ID => division_id: String,
        PUBLISH => publish: bool,
        DEPLOY_ID => deploy_id: String,
        VERSION_ID => version_id: String,
        PUBLISHED_VERSION_ID => published_version_id: String,
        VERSION => version: i64,
        CONTENT_SHA256 => content_sha256: String,
        CREATED_DATE => created_date: String,
        MODIFIED_DATE => modified_date: String,
        ORG => org: String,
        FORCE_DESTROY => force_destroy: bool,
        TIMEOUTS => timeouts: Timeouts,
    }
}

tf_model! {
    /// The `timeouts` block: durations such as `10m` per operation.
    pub struct Timeouts {
        CREATE => create: String,
        UPDATE => update: String,
        DELETE => delete: String,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::framework::model::assert_model_matches_schema;
    use crate::provider::schema_script_template::schema;

    #[test]
    fn the_model_matches_the_schema() {
        assert_model_matches_schema::<ScriptTemplate>(&schema());
    }
}
