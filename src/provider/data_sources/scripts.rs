//! Data source `genesys_scripts`: what an org holds, for discovery before adoption (import) and
//! for fleet reports: every script the editable listing returns for a name filter (a
//! substring match, as the API's), paged through completely, optionally only some divisions.

use crate::cty::AttributePath;
use crate::framework::{schema_of, tf_model, Attr, Diagnostics, Schema, TypedDataSource};
use crate::genesys::Client;
use crate::provider::clients::ProviderData;
use crate::provider::errors::{api_error, in_org};
use async_trait::async_trait;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

pub const TYPE_NAME: &str = "genesys_scripts";

const DESCRIPTION: &str = "Lists the scripts an org holds (every page), for discovery before adopting them with `import`, and for reports across a fleet of orgs.";

tf_model! {
    /// `genesys_scripts` as Terraform holds it.
    pub struct ScriptListing {
        ORG => org: String [optional]
            "The org to list: a key of the provider's `orgs` (default: the provider's default org).",
        NAME_FILTER => name_filter: String [optional]
            "Only scripts whose name contains this text (the API's name filter: a substring match, not an exact one).",
        DIVISION_IDS => division_ids: Vec<Attr<String>> [optional] "Only scripts in these divisions.",
        SCRIPTS => scripts: Vec<Attr<ScriptSummary>> [computed]
            "The scripts found, each with `id`, `name`, `version_id`, `published_version_id` (null when unpublished), `division_id` and `modified_date`.",
    }
}

tf_model! {
    /// One script of the listing (an object type: its attributes are described on `scripts`).
    pub struct ScriptSummary {
        ID => id: String,
        NAME => name: String,
        VERSION_ID => version_id: String,
        PUBLISHED_VERSION_ID => published_version_id: String,
        DIVISION_ID => division_id: String,
        MODIFIED_DATE => modified_date: String,
    }
}

pub struct ScriptsDataSource {
    data: Arc<ProviderData>,
}

impl ScriptsDataSource {
    pub fn new(data: Arc<ProviderData>) -> Self {
        ScriptsDataSource { data }
    }
}

/// The schema Terraform sees, generated from the model.
pub fn schema() -> Schema {
    schema_of::<ScriptListing>(DESCRIPTION)
}

#[async_trait]
impl TypedDataSource for ScriptsDataSource {
    type Model = ScriptListing;
    const TYPE_NAME: &'static str = TYPE_NAME;

    fn schema(&self) -> Schema {
        schema()
    }

    async fn read(
        &self,
        config: ScriptListing,
    ) -> Result<(ScriptListing, Diagnostics), Diagnostics> {
        let org = config.org.known().cloned();
        let client = self
            .data
            .client_for(org.as_deref(), &AttributePath::attr(ScriptListing::ORG))?;
        let scripts = list(&client, &config)
            .await
            .map_err(|d| in_org(d, org.as_deref()))?;
        Ok((
            ScriptListing {
                scripts: Attr::Known(scripts),
                ..config
            },
            Diagnostics::new(),
        ))
    }
}

async fn list(
    client: &Client,
    config: &ScriptListing,
) -> Result<Vec<Attr<ScriptSummary>>, Diagnostics> {
    let filter = config.name_filter.as_deref().unwrap_or_default();
    let divisions: Option<BTreeSet<&str>> = config
        .division_ids
        .known()
        .map(|ids| ids.iter().filter_map(Attr::as_deref).collect());
    let editable = client
        .list_scripts(filter)
        .await
        .map_err(|e| api_error("listing scripts", &e))?;
    let published: BTreeMap<String, String> = client
        .list_published_scripts(filter)
        .await
        .map_err(|e| api_error("listing published scripts", &e))?
        .into_iter()
        .map(|m| (m.id, m.version_id))
        .collect();
    Ok(editable
        .into_iter()
        .filter(|m| match (&divisions, m.division_id.as_deref()) {
            (None, _) => true,
            (Some(wanted), Some(d)) => wanted.contains(d),
            (Some(_), None) => false,
        })
        .map(|m| {
            Attr::Known(ScriptSummary {
                published_version_id: Attr::from_option(published.get(&m.id).cloned()),
                id: Attr::Known(m.id),
                name: Attr::Known(m.name),
                version_id: Attr::Known(m.version_id),
                division_id: Attr::from_option(m.division_id),
                modified_date: Attr::from_option(m.modified_date),
            })
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::framework::model::assert_model_matches_schema;

    #[test]
    fn the_model_matches_the_schema() {
        assert_model_matches_schema::<ScriptListing>(&schema());
    }
}
