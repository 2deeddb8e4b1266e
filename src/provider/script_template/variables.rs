//! The `variables` attribute against the org: filled in by a refresh of a state that lacks it
//! (written before the attribute existed), and the interface check of a content change at
//! plan (interface.rs decides, dependency tracking says who consumes the script).

use super::interface;
use super::model::ScriptTemplate;
use super::plan;
use crate::framework::{Attr, Diagnostics};
use crate::genesys::{Client, GenesysError};
use crate::provider::consumers;
use crate::provider::document;
use crate::provider::script_variables::{variables_of, ScriptVariable};

/// Fills in `variables` of a refreshed state that has none: from the state's own document
/// when it is the one the org holds (its hash is the recorded `content_sha256`), else from an
/// export of the recorded version. A state that has them is returned as it is.
pub async fn fill_in(
    client: &Client,
    mut state: ScriptTemplate,
) -> Result<ScriptTemplate, GenesysError> {
    if !state.variables.is_null() {
        return Ok(state);
    }
    if let Some(doc) = own_document(&state) {
        state.record_variables(&doc);
        return Ok(state);
    }
    let id = state.id.as_deref().unwrap_or_default().to_string();
    let doc = client
        .export_script(&id, state.version_id.as_deref())
        .await?;
    state.record_variables(&doc);
    Ok(state)
}

/// The state's document rendered, when it hashes to the recorded `content_sha256` (the hash
/// of what the org holds); `None` otherwise.
fn own_document(state: &ScriptTemplate) -> Option<serde_json::Value> {
    let doc = plan::desired_document(state)?;
    let held = state.content_sha256.as_deref()?;
    (document::sha256_hex(&document::canonical(&doc)) == held).then_some(doc)
}

/// The variables of the document the org holds, as the refreshed `prior` records them.
async fn held(
    client: &Client,
    prior: &ScriptTemplate,
) -> Result<Vec<Attr<ScriptVariable>>, GenesysError> {
    if let Attr::Known(vars) = &prior.variables {
        return Ok(vars.clone());
    }
    Ok(fill_in(client, prior.clone())
        .await?
        .variables
        .into_known()
        .unwrap_or_default())
}

/// The interface check of an update that uploads `proposed`'s document over `prior`'s: when
/// the new document breaks input/output variables, dependency tracking is asked which objects
/// use the script (refused if any, unless the opt-in is set; warnings otherwise). With
/// `content` or `substitutions` unknown nothing is checked here: Terraform plans again at
/// apply, with the values known, before anything is written, and the check runs then.
pub async fn check(
    client: &Client,
    prior: &ScriptTemplate,
    proposed: &ScriptTemplate,
) -> Diagnostics {
    let Some(new_doc) = plan::desired_document(proposed) else {
        return Diagnostics::new();
    };
    let id = prior.id.as_deref().unwrap_or_default();
    let name = prior.name.as_deref().unwrap_or_default();
    let old = match held(client, prior).await {
        Ok(vars) => vars,
        Err(e) => {
            let mut d = Diagnostics::new();
            d.warning_at(
                crate::cty::AttributePath::attr(ScriptTemplate::CONTENT),
                format!("Could not check the variables that the new content of script {name:?} changes"),
                format!("Script {id}: its current document could not be read ({e}), so changes to the input/output variables that flows bind to were not checked."),
            );
            return d;
        }
    };
    let breaks = interface::breaks(&old, &variables_of(&new_doc));
    if breaks.is_empty() {
        return Diagnostics::new();
    }
    let known = consumers::check(client, id).await;
    let allowed = proposed.allow_interface_changes == Attr::Known(true);
    interface::diagnostics(&breaks, &known, name, id, allowed)
}
