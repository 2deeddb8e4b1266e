//! Typed models of `genesys_script_template` and its `timeouts` block: each attribute is
//! declared here once (name, type, mode, flags, description) and the schema is generated
//! from it; `record_server` is the one place server-owned values enter the state.

use crate::framework::{schema_of, tf_model, Attr, Schema};
use crate::genesys::ScriptMeta;
use crate::provider::script_variables::{variables_of, ScriptVariable};
use std::collections::BTreeMap;

pub const TYPE_NAME: &str = "genesys_script_template";

const DESCRIPTION: &str = "A Genesys Cloud script kept in git: uploaded, published and guarded by its \
                           `versionId` so that changes made outside Terraform show up in the plan and are \
                           never overwritten unseen.";

tf_model! {
    /// `genesys_script_template` as Terraform holds it (config, plan or state).
    pub struct ScriptTemplate {
        ID => id: String [computed, unknown_after_create] "The script's id (a UUID).",
        NAME => name: String [required]
            "Display name of the script. Renames are updated in place (the id never changes).",
        CONTENT => content: String [required]
            "The script document as exported from Genesys Scripter (JSON), usually `file(\"greeting.script.json\")`. \
             Compared semantically: key order, whitespace and server-stamped fields never cause a diff.",
        SUBSTITUTIONS => substitutions: BTreeMap<String, Attr<String>> [optional, terraform_only]
            "Values replacing `{{key}}` placeholders in `content`, per org.",
        DIVISION_ID => division_id: String [optional, computed] "Division to place the script in.",
        PUBLISH => publish: bool [optional, computed, terraform_only] default(true)
            "Publish the script after each write so agents and flows use it (default `true`).",
        DEPLOY_ID => deploy_id: String [optional, terraform_only]
            "Free text kept in state for traceability, such as a git SHA or pipeline run id.",
        VERSION_ID => version_id: String [computed, unknown_after_write]
            "The server's `versionId` of the editable script: the entity tag every write is conditioned on.",
        PUBLISHED_VERSION_ID => published_version_id: String [computed]
            "The `versionId` of the published script, null until published.",
        VERSION => version: i64 [computed, terraform_only]
            "Revision counter: 1 at create, +1 for every change this provider writes.",
        CONTENT_SHA256 => content_sha256: String [computed]
            "SHA-256 of the normalized document after substitutions.",
        SERVER_CONTENT_SHA256 => server_content_sha256: String [computed, unknown_after_write]
            "SHA-256 of the normalized document as the org stores it (the import service may add fields, such as page ids and defaults), read right after this provider's last write or read; null when none was read (after a create). A new `versionId` whose document still has this hash is not a change outside Terraform.",
        ORG => org: String [optional, replaces, terraform_only]
            "The org to manage the script in: a key of the provider's `orgs`. Unset: the provider's default org. Changing it replaces the script (it is created in the new org and deleted from the old one).",
        FORCE_DESTROY => force_destroy: bool [optional, terraform_only]
            "Delete the script even when Architect flows (or other objects) use it, with a warning listing them (default `false`: such a destroy or replace is refused, at plan on Terraform >= 1.3). Set it and apply before destroying.",
        ALLOW_INTERFACE_CHANGES => allow_interface_changes: bool [optional, terraform_only]
            "Deploy new content even when it changes an `input` or `output` variable (removed, renamed, a new id or type, the flag turned off) of a script that Architect flows use (default `false`: such a change is refused at plan, naming the flows and the variables; without flows using the script it is a warning).",
        VARIABLES => variables: Vec<Attr<ScriptVariable>> [computed]
            "The variables of the document the org holds, each with `id`, `name`, `input`, `output` and `type` (flows bind screen-pop inputs by the id, Archy by the name). Unknown in a plan that changes `content`.",
        CREATED_DATE => created_date: String [computed, unknown_after_create] "When the script was created (ISO-8601).",
        MODIFIED_DATE => modified_date: String [computed, unknown_after_write] "When the script was last modified (ISO-8601).",
        TIMEOUTS => timeouts: Timeouts [block, terraform_only],
    }
}

tf_model! {
    /// The `timeouts` block: durations such as `10m` per operation.
    pub struct Timeouts {
        CREATE => create: String [optional]
            "How long a create may take, e.g. `10m` (default 5m).",
        UPDATE => update: String [optional] "How long an update may take (default 5m).",
        DELETE => delete: String [optional] "How long a delete may take (default 2m).",
    }
}

/// The schema Terraform sees, generated from the declaration above.
pub fn schema() -> Schema {
    schema_of::<ScriptTemplate>(DESCRIPTION)
}

/// The one place server-owned values enter the state. Terraform-only values (deploy_id,
/// force_destroy, org, timeouts, ...) are never listed: they come with the model the values
/// are recorded into (the planned or prior state).
impl ScriptTemplate {
    /// Records everything the server holds for the script: identity (id, name, creation
    /// date) and what [`Self::record_held`] records.
    pub fn record_server(&mut self, meta: &ScriptMeta, published: Option<&ScriptMeta>) {
        self.id = Attr::string(&meta.id);
        self.name = Attr::string(&meta.name);
        self.created_date = Attr::from_option(meta.created_date.clone());
        self.record_held(meta, published);
    }

    /// Records what an existing script holds now: its editable version, its division and its
    /// `published` version (`None`: not published).
    pub fn record_held(&mut self, meta: &ScriptMeta, published: Option<&ScriptMeta>) {
        self.record_version(meta);
        self.record_division(meta);
        self.published_version_id = Attr::from_option(published.map(|p| p.version_id.clone()));
    }

    /// Records a new script's id and creation date.
    pub fn record_created(&mut self, meta: &ScriptMeta) {
        self.id = Attr::string(&meta.id);
        self.record_created_date(meta);
    }

    /// Records the creation date.
    pub fn record_created_date(&mut self, meta: &ScriptMeta) {
        self.created_date = Attr::from_option(meta.created_date.clone());
    }

    /// Records the editable version the server holds: its `versionId` and modification date.
    pub fn record_version(&mut self, meta: &ScriptMeta) {
        self.version_id = Attr::string(&meta.version_id);
        self.modified_date = Attr::from_option(meta.modified_date.clone());
    }

    /// Records the hash of the org's own canonical form of the document (`None`: not read).
    pub fn record_stored(&mut self, stored_canonical: Option<&str>) {
        self.server_content_sha256 =
            Attr::from_option(stored_canonical.map(crate::provider::document::sha256_hex));
    }

    /// Records the variables of the document the org holds (or was just sent: the server
    /// keeps the variables of an upload as they are).
    pub fn record_variables(&mut self, doc: &serde_json::Value) {
        self.variables = Attr::Known(variables_of(doc));
    }

    /// Records the division the server has the script in.
    pub fn record_division(&mut self, meta: &ScriptMeta) {
        self.division_id = Attr::from_option(meta.division_id.clone());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::framework::model::assert_model_matches_schema;

    #[test]
    fn the_model_matches_the_schema() {
        assert_model_matches_schema::<ScriptTemplate>(&schema());
    }
}
