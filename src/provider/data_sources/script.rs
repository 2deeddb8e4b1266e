//! Data source `genesys_script`: look a script up by exact name (published or not, default
//! scripts included) so flows and queues can reference a real id.

use crate::cty::AttributePath;
use crate::framework::{schema_of, tf_model, Attr, Diagnostics, Schema, TypedDataSource};
use crate::genesys::Backoff;
use crate::provider::clients::ProviderData;
use crate::provider::document;
use crate::provider::errors::{api_error_at, in_org};
use crate::provider::script_variables::{variables_of, ScriptVariable};
use async_trait::async_trait;
use std::sync::Arc;
use std::time::Duration;

pub const TYPE_NAME: &str = "genesys_script";

/// How long a lookup waits for a just-uploaded script to reach the search index.
const INDEX_WAIT: Duration = Duration::from_secs(15);
/// Its pauses: 0.2 s, doubling up to 2 s.
const INDEX_FIRST_PAUSE: Duration = Duration::from_millis(200);
const INDEX_CAP: Duration = Duration::from_secs(2);

const DESCRIPTION: &str = "Looks up a Genesys Cloud script by its exact name (published or not, the default scripts included).";

tf_model! {
    /// `genesys_script` as Terraform holds it.
    pub struct ScriptLookup {
        NAME => name: String [required] "Exact name of the script.",
        ID => id: String [computed] "The script's id.",
        VERSION_ID => version_id: String [computed]
            "The `versionId` of the editable script (of the published one for scripts that are only published, such as the default scripts).",
        ORG => org: String [optional]
            "The org to look in: a key of the provider's `orgs` (default: the provider's default org).",
        PUBLISHED_VERSION_ID => published_version_id: String [computed]
            "The `versionId` of the published script, null if unpublished.",
        VERSION => version: String [optional]
            "Which version `content` and `variables` describe: `published` (the default: what agents run) or `editable` (the saved draft). Unset, a script with no published version (or one that cannot be exported, such as the default scripts) has null `content` and `variables`; set explicitly, that is an error.",
        CONTENT => content: String [computed]
            "The script document in canonical JSON (server-stamped fields removed, keys sorted): `content` of a `genesys_script_template` in another org takes it as it is.",
        VARIABLES => variables: Vec<Attr<ScriptVariable>> [computed]
            "The script's variables, each with `id`, `name`, `input`, `output` and `type`.",
    }
}

/// The `version` values.
const PUBLISHED: &str = "published";
const EDITABLE: &str = "editable";

pub struct ScriptDataSource {
    data: Arc<ProviderData>,
}

impl ScriptDataSource {
    pub fn new(data: Arc<ProviderData>) -> Self {
        ScriptDataSource { data }
    }
}

/// The schema Terraform sees, generated from the model.
pub fn schema() -> Schema {
    schema_of::<ScriptLookup>(DESCRIPTION)
}

#[async_trait]
impl TypedDataSource for ScriptDataSource {
    type Model = ScriptLookup;
    const TYPE_NAME: &'static str = TYPE_NAME;

    fn schema(&self) -> Schema {
        schema()
    }

    async fn validate(&self, config: &ScriptLookup) -> Diagnostics {
        let mut d = Diagnostics::new();
        if let Some(v) = config.version.as_deref() {
            if v != PUBLISHED && v != EDITABLE {
                d.error_at(
                    AttributePath::attr(ScriptLookup::VERSION),
                    "Unknown script version",
                    format!("version must be \"{PUBLISHED}\" (the default) or \"{EDITABLE}\", not {v:?}."),
                );
            }
        }
        d
    }

    async fn read(&self, config: ScriptLookup) -> Result<(ScriptLookup, Diagnostics), Diagnostics> {
        let org = config.org.known().cloned();
        let client = self
            .data
            .client_for(org.as_deref(), &AttributePath::attr(ScriptLookup::ORG))?;
        let name = config.name.as_deref().unwrap_or_default().to_string();
        self.look_up(&client, config, name)
            .await
            .map_err(|d| in_org(d, org.as_deref()))
    }
}

impl ScriptDataSource {
    async fn look_up(
        &self,
        client: &crate::genesys::Client,
        config: ScriptLookup,
        name: String,
    ) -> Result<(ScriptLookup, Diagnostics), Diagnostics> {
        let at_name = || AttributePath::attr(ScriptLookup::NAME);
        let mut backoff = Backoff::new(INDEX_FIRST_PAUSE, INDEX_CAP, INDEX_WAIT);
        let searched = async {
            loop {
                let found = client.find_by_exact_name(&name).await?;
                // Not in the index yet: pause, then search again. A wait ended by Terraform's
                // Stop is `Cancelled`, not "no such script".
                if !found.is_empty() || !backoff.pause(client).await? {
                    return Ok(found);
                }
            }
        };
        let matches = searched
            .await
            .map_err(|e| api_error_at(at_name(), &format!("looking up script {name:?}"), &e))?;
        let mut d = Diagnostics::new();
        match matches.as_slice() {
            [] => {
                d.error_at(at_name(), format!("No script named {name:?}"), format!("No script in this org has exactly the name {name:?} (searched the editable and the published scripts for {}s). Names are case-sensitive.", INDEX_WAIT.as_secs()));
                Err(d)
            }
            [one] => {
                let published = match client.get_published_script(&one.id).await {
                    Ok(p) => p,
                    Err(e) => {
                        return Err(api_error_at(
                            at_name(),
                            &format!("reading published script {}", one.id),
                            &e,
                        ))
                    }
                };
                let published_version_id = published.map(|p| p.version_id);
                let editable = config.version.as_deref() == Some(EDITABLE);
                let asked = config.version.is_known();
                let exported = match (&published_version_id, editable) {
                    (_, true) => Some(client.export_script(&one.id, None).await),
                    (Some(v), false) => Some(client.export_script(&one.id, Some(v)).await),
                    // Only a lookup of the id: an unpublished script has no published content.
                    (None, false) if !asked => None,
                    (None, false) => {
                        d.error_at(
                            AttributePath::attr(ScriptLookup::VERSION),
                            format!("Script {name:?} is not published"),
                            format!("Script {name:?} ({}) has no published version, so there is no published content to read. Publish it in the org, or set version = \"{EDITABLE}\" to read the saved draft.", one.id),
                        );
                        return Err(d);
                    }
                };
                let doc = match exported.transpose() {
                    Ok(doc) => doc,
                    // Only a lookup of the id: a script that cannot be exported (the default
                    // scripts) keeps null content rather than failing the lookup.
                    Err(e) if !asked && e.is_not_found() => None,
                    Err(e) => {
                        return Err(api_error_at(
                            at_name(),
                            &format!("exporting script {}", one.id),
                            &e,
                        ))
                    }
                };
                let state = ScriptLookup {
                    name: Attr::Known(name),
                    id: Attr::string(&one.id),
                    version_id: Attr::string(&one.version_id),
                    published_version_id: Attr::from_option(published_version_id),
                    org: config.org,
                    version: config.version,
                    content: Attr::from_option(doc.as_ref().map(document::canonical)),
                    variables: Attr::from_option(doc.as_ref().map(variables_of)),
                };
                Ok((state, d))
            }
            many => {
                let list: Vec<String> = many
                    .iter()
                    .map(|m| {
                        format!(
                            "  {} (modified {})",
                            m.id,
                            m.modified_date.as_deref().unwrap_or("?")
                        )
                    })
                    .collect();
                d.error_at(
                    at_name(),
                    format!("{} scripts are named {name:?}", many.len()),
                    format!("Genesys Cloud allows duplicate names, so the name does not say which one you mean:\n{}\nRename the duplicates, or reference the script by id instead.", list.join("\n")),
                );
                Err(d)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::framework::model::assert_model_matches_schema;

    #[test]
    fn the_model_matches_the_schema() {
        assert_model_matches_schema::<ScriptLookup>(&schema());
    }
}
