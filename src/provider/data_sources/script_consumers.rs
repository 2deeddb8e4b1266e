//! Data source `genesys_script_consumers`: the objects (Architect flows, mostly) that use a
//! script, from Genesys's dependency tracking, so a pipeline can see what a change touches.

use crate::cty::AttributePath;
use crate::framework::{schema_of, tf_model, Attr, Diagnostics, Schema, TypedDataSource};
use crate::provider::clients::ProviderData;
use crate::provider::consumers;
use crate::provider::errors::{api_error_at, in_org};
use async_trait::async_trait;
use std::sync::Arc;

pub const TYPE_NAME: &str = "genesys_script_consumers";

const DESCRIPTION: &str = "The objects (Architect flows, mostly) that use a script, from Genesys's Architect dependency tracking. Needs the `architect:dependencyTracking:view` permission.";

tf_model! {
    /// `genesys_script_consumers` as Terraform holds it.
    pub struct ScriptConsumers {
        SCRIPT_ID => script_id: String [required] "The script's id.",
        ORG => org: String [optional]
            "The org to look in: a key of the provider's `orgs` (default: the provider's default org).",
        CONSUMERS => consumers: Vec<Attr<ConsumerModel>> [computed]
            "The objects using the script, each with `id`, `name`, `type` (such as `INBOUNDCALLFLOW`) and `version`.",
    }
}

tf_model! {
    /// One object that uses the script (an object type: described on `consumers`).
    pub struct ConsumerModel {
        ID => id: String,
        NAME => name: String,
        TYPE => kind as "type": String,
        VERSION => version: String,
    }
}

pub struct ScriptConsumersDataSource {
    data: Arc<ProviderData>,
}

impl ScriptConsumersDataSource {
    pub fn new(data: Arc<ProviderData>) -> Self {
        ScriptConsumersDataSource { data }
    }
}

/// The schema Terraform sees, generated from the model.
pub fn schema() -> Schema {
    schema_of::<ScriptConsumers>(DESCRIPTION)
}

#[async_trait]
impl TypedDataSource for ScriptConsumersDataSource {
    type Model = ScriptConsumers;
    const TYPE_NAME: &'static str = TYPE_NAME;

    fn schema(&self) -> Schema {
        schema()
    }

    async fn read(
        &self,
        config: ScriptConsumers,
    ) -> Result<(ScriptConsumers, Diagnostics), Diagnostics> {
        let org = config.org.known().cloned();
        let client = self
            .data
            .client_for(org.as_deref(), &AttributePath::attr(ScriptConsumers::ORG))?;
        let id = config.script_id.as_deref().unwrap_or_default().to_string();
        let at = || AttributePath::attr(ScriptConsumers::SCRIPT_ID);
        let found = client.script_consumers(&id).await.map_err(|e| {
            in_org(
                api_error_at(
                    at(),
                    &format!("listing the objects that use script {id}"),
                    &e,
                ),
                org.as_deref(),
            )
        })?;
        let mut d = Diagnostics::new();
        if found.is_empty() {
            // An empty answer is only as complete as the org's dependency build.
            if let Some(why) = consumers::incomplete(&client).await {
                d.warning_at(
                    at(),
                    "The list of objects using the script may be incomplete",
                    why,
                );
            }
        }
        let consumers = found
            .into_iter()
            .map(|c| {
                Attr::Known(ConsumerModel {
                    id: Attr::Known(c.id),
                    name: Attr::Known(c.name),
                    kind: Attr::Known(c.kind),
                    version: Attr::Known(c.version),
                })
            })
            .collect();
        Ok((
            ScriptConsumers {
                consumers: Attr::Known(consumers),
                ..config
            },
            d,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::framework::model::assert_model_matches_schema;

    #[test]
    fn the_model_matches_the_schema() {
        assert_model_matches_schema::<ScriptConsumers>(&schema());
    }
}
