//! `POST /api/v2/authorization/divisions/{divisionId}/objects/SCRIPT` with a JSON array of
//! script ids: moves them into the division (204). Any well-formed UUID is accepted as a
//! division id unless the `divisions` knob lists the divisions that exist (then any other id
//! answers 404 `not.found`); the org's home division is named `Home`.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Extension;

use crate::sim::auth::Caller;
use crate::sim::clock::now_ms;
use crate::sim::errors::ApiError;
use crate::sim::AppState;

/// Sets the division of the listed scripts; all-or-nothing.
pub(crate) async fn set(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(division): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    if uuid::Uuid::parse_str(&division).is_err() {
        return Err(ApiError::bad_request("divisionId must be a UUID"));
    }
    let ids: Vec<String> = serde_json::from_slice(&body)
        .map_err(|_| ApiError::bad_request("The body must be a JSON array of script ids"))?;
    if let Some(known) = state.knobs().divisions {
        let home = state
            .store()
            .orgs
            .get(&caller.org)
            .map(|o| o.home_division_id.clone());
        if home.as_deref() != Some(division.as_str()) && !known.contains(&division) {
            return Err(ApiError::new(
                StatusCode::NOT_FOUND,
                "not.found",
                format!("Division {division} was not found."),
            ));
        }
    }
    let result = state
        .store()
        .set_division(&caller.org, &division, &ids, now_ms());
    match result {
        Ok(()) => {
            state.persist().await;
            Ok(StatusCode::NO_CONTENT.into_response())
        }
        Err(_) => Err(ApiError::not_found()),
    }
}
