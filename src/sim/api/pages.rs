//! Pages and variables of a script: `GET /api/v2/scripts/{id}/pages[/{pageId}]` (editable
//! version, subject to stale reads), `GET /api/v2/scripts/published/{id}/pages[/{pageId}]`
//! (published version) and the published variables,
//! `GET /api/v2/scripts/published/{id}/variables` and its division view
//! `GET /api/v2/scripts/published/divisionviews/{id}/variables` (filters `input`, `output`,
//! `type`). `scriptDataVersion` is accepted and ignored.

use axum::extract::{Path, RawQuery, State};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde_json::{json, Value};

use crate::sim::auth::Caller;
use crate::sim::clock::now_ms;
use crate::sim::errors::ApiError;
use crate::sim::store::{is_default_script, OrgState, Script, Version};
use crate::sim::views::pages_of;
use crate::sim::AppState;

const EDITABLE: &str = "/api/v2/scripts";
const PUBLISHED: &str = "/api/v2/scripts/published";

/// The editable version a by-id read sees (stale reads apply).
fn editable<'s>(
    org: &'s OrgState,
    id: &str,
    stale_ms: u64,
) -> Result<(&'s Script, &'s Version), ApiError> {
    let s = org.scripts.get(id).ok_or_else(ApiError::not_found)?;
    let v = s
        .read_version(now_ms(), stale_ms)
        .ok_or_else(ApiError::not_found)?;
    Ok((s, v))
}

/// The published version of a script; `None` for a default script (no pages or variables).
fn published<'s>(
    org: &'s OrgState,
    id: &str,
) -> Result<Option<(&'s Script, &'s Version)>, ApiError> {
    if is_default_script(id) {
        return Ok(None);
    }
    let s = org.scripts.get(id).ok_or_else(ApiError::not_found)?;
    let v = s.published_version().ok_or_else(ApiError::not_found)?;
    Ok(Some((s, v)))
}

fn find_page(pages: Vec<Value>, page_id: &str) -> Result<Value, ApiError> {
    pages
        .into_iter()
        .find(|p| p.get("id").and_then(Value::as_str) == Some(page_id))
        .ok_or_else(ApiError::not_found)
}

/// `GET /api/v2/scripts/{id}/pages`.
pub(crate) async fn list_pages(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let stale = state.knobs().stale_read_ms;
    let store = state.store();
    let (s, v) = editable(caller.org_in(&store)?, &id, stale)?;
    Ok(Json(pages_of(s, v, EDITABLE)).into_response())
}

/// `GET /api/v2/scripts/{id}/pages/{pageId}`.
pub(crate) async fn get_page(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path((id, page_id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let stale = state.knobs().stale_read_ms;
    let store = state.store();
    let (s, v) = editable(caller.org_in(&store)?, &id, stale)?;
    Ok(Json(find_page(pages_of(s, v, EDITABLE), &page_id)?).into_response())
}

/// `GET /api/v2/scripts/published/{id}/pages`: 404 until the first publish.
pub(crate) async fn list_published_pages(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let store = state.store();
    let pages = match published(caller.org_in(&store)?, &id)? {
        Some((s, v)) => pages_of(s, v, PUBLISHED),
        None => Vec::new(),
    };
    Ok(Json(pages).into_response())
}

/// `GET /api/v2/scripts/published/{id}/pages/{pageId}`.
pub(crate) async fn get_published_page(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path((id, page_id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let store = state.store();
    let pages = match published(caller.org_in(&store)?, &id)? {
        Some((s, v)) => pages_of(s, v, PUBLISHED),
        None => Vec::new(),
    };
    Ok(Json(find_page(pages, &page_id)?).into_response())
}

/// Filters of the variables endpoints.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct VariableFilter {
    pub input: Option<bool>,
    pub output: Option<bool>,
    /// Lower case: `string`, `number` or `boolean`.
    pub kind: Option<String>,
}

/// Parses `input`, `output` and `type`; the error is the 400 message.
pub fn parse_variable_filter(raw: Option<&str>) -> Result<VariableFilter, String> {
    let mut f = VariableFilter::default();
    let flag = |k: &str, v: &str| match v {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(format!("{k} must be true or false")),
    };
    for (k, v) in url::form_urlencoded::parse(raw.unwrap_or_default().as_bytes()) {
        match k.as_ref() {
            "input" => f.input = Some(flag("input", &v)?),
            "output" => f.output = Some(flag("output", &v)?),
            "type" => {
                let t = v.to_lowercase();
                if !["string", "number", "boolean"].contains(&t.as_str()) {
                    return Err("type must be string, number or boolean".into());
                }
                f.kind = Some(t);
            }
            _ => {}
        }
    }
    Ok(f)
}

impl VariableFilter {
    /// Whether a script variable (`{name, type:{name}|"<type>", input, output, ...}`) passes.
    pub fn admits(&self, var: &Value) -> bool {
        let flag = |k: &str| var.get(k).and_then(Value::as_bool).unwrap_or(false);
        let kind = var
            .get("type")
            .and_then(|t| t.as_str().or_else(|| t.get("name").and_then(Value::as_str)))
            .unwrap_or_default()
            .to_lowercase();
        self.input.is_none_or(|want| flag("input") == want)
            && self.output.is_none_or(|want| flag("output") == want)
            && self.kind.as_ref().is_none_or(|want| kind == *want)
    }
}

/// The published variables of `version` that pass `f`: the document's `variables` array
/// (an object, or nothing, is answered as it is, unfiltered).
pub fn variables_of(version: &Version, f: &VariableFilter) -> Value {
    match version.document.get("variables") {
        Some(Value::Array(vars)) => {
            Value::Array(vars.iter().filter(|v| f.admits(v)).cloned().collect())
        }
        Some(other) => other.clone(),
        None => json!([]),
    }
}

/// `GET /api/v2/scripts/published/{id}/variables` and
/// `GET /api/v2/scripts/published/divisionviews/{id}/variables`: 404 until the first publish.
pub(crate) async fn published_variables(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let f = parse_variable_filter(raw.as_deref()).map_err(ApiError::bad_request)?;
    let store = state.store();
    let vars = match published(caller.org_in(&store)?, &id)? {
        Some((_, v)) => variables_of(v, &f),
        None => json!([]),
    };
    Ok(Json(vars).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn script(doc: Value) -> (Script, Version) {
        let v = Version {
            version_id: "v1".into(),
            name: "S".into(),
            document: doc,
            saved_ms: 2,
        };
        let s = Script {
            id: "s1".into(),
            division_id: "d".into(),
            created_ms: 1,
            modified_ms: 2,
            versions: vec![v.clone()],
            published: None,
            indexed_at_ms: 0,
            last_write_ms: 0,
        };
        (s, v)
    }

    #[test]
    fn pages_keep_only_page_fields() {
        let (s, v) = script(json!({"pages": [
            {"id": "p1", "name": "Start", "scriptId": "x", "organizationId": "o", "dataVersion": 0,
             "properties": {"onLoadAction": "a"}, "rootContainer": {"type": "verticalStackContainer"}},
            {"name": "no id"},
            {"id": "p2", "rootContainer": "not an object"}
        ]}));
        let pages = pages_of(&s, &v, EDITABLE);
        assert_eq!(pages.len(), 2);
        let mut keys: Vec<&String> = pages[0].as_object().unwrap().keys().collect();
        keys.sort();
        assert_eq!(
            keys,
            [
                "createdDate",
                "id",
                "modifiedDate",
                "name",
                "properties",
                "rootContainer",
                "selfUri",
                "versionId"
            ]
        );
        assert_eq!(pages[0]["selfUri"], "/api/v2/scripts/s1/pages/p1");
        assert_eq!(pages[0]["versionId"], "v1");
        assert!(pages[1].get("rootContainer").is_none());
        assert!(find_page(pages.clone(), "p2").is_ok());
        assert!(find_page(pages, "p3").is_err());
    }

    #[test]
    fn variables_filter_by_direction_and_type() {
        let (_, v) = script(json!({"pages": [], "variables": [
            {"name": "a", "type": {"name": "String"}, "input": true, "output": false},
            {"name": "b", "type": {"name": "Number"}, "input": false, "output": true},
            {"name": "c", "type": "boolean", "input": true, "output": true}
        ]}));
        let names = |q: &str| {
            let f = parse_variable_filter(Some(q)).unwrap();
            variables_of(&v, &f)
                .as_array()
                .unwrap()
                .iter()
                .map(|x| x["name"].as_str().unwrap().to_string())
                .collect::<Vec<_>>()
        };
        assert_eq!(names(""), ["a", "b", "c"]);
        assert_eq!(names("input=true"), ["a", "c"]);
        assert_eq!(names("output=false"), ["a"]);
        assert_eq!(names("type=STRING"), ["a"]);
        assert_eq!(names("input=true&type=boolean"), ["c"]);
        assert!(parse_variable_filter(Some("input=yes"))
            .unwrap_err()
            .contains("input"));
        assert!(parse_variable_filter(Some("type=date"))
            .unwrap_err()
            .contains("type"));
    }
}
