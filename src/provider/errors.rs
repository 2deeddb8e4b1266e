//! Genesys client errors as Terraform diagnostics: HTTP status, Genesys error code and
//! correlation id always visible, secrets never.

use crate::cty::AttributePath;
use crate::framework::Diagnostics;
use crate::genesys::GenesysError;

/// One error diagnostic for a failed step (`what` says which, e.g. "reading script 1234").
pub fn api_error(what: &str, e: &GenesysError) -> Diagnostics {
    // Summary and hint follow the failure itself, also behind an accepted upload.
    let root = e.underlying();
    let summary = match root {
        GenesysError::Api { status: 401, .. } => {
            format!("Genesys Cloud refused the credentials while {what}")
        }
        GenesysError::Api { status: 403, .. } => {
            format!("The OAuth client lacks a permission for {what}")
        }
        GenesysError::Auth { status, .. } if *status < 500 => {
            format!("Genesys Cloud refused the credentials while {what}")
        }
        GenesysError::Auth { status, .. } => {
            format!("The Genesys Cloud login answered HTTP {status} while {what}")
        }
        GenesysError::Api { status: 404, .. } => format!("Not found while {what}"),
        GenesysError::Api { status, .. } if retried_server_error(*status) => {
            format!("Genesys Cloud kept answering HTTP {status} while {what}")
        }
        GenesysError::Api { status: 429, .. } | GenesysError::RetryBudgetExhausted { .. } => {
            format!("Genesys Cloud kept failing or throttling while {what}")
        }
        GenesysError::LostWrite { .. } => {
            format!("Another writer replaced the script while {what}")
        }
        GenesysError::NameRaced { .. } => {
            format!("Another script with this name and other content was created at the same time, while {what}")
        }
        GenesysError::Cancelled => format!("Interrupted while {what}"),
        GenesysError::Timeout { .. } => format!("Timed out while {what}"),
        _ => format!("Genesys Cloud error while {what}"),
    };
    let hint = match root {
        GenesysError::Api { status: 401, .. } => {
            " Check oauthclient_id / oauthclient_secret (or access_token) and the OAuth client's roles in this org."
        }
        GenesysError::Api { status: 403, .. } => {
            " The login worked, but the OAuth client's roles in this org do not allow this call. Grant the Scripter permissions it needs (scripter:script:view, scripter:script:add, scripter:script:edit, scripter:script:delete, scripter:publishedScript:view, scripter:publishedScript:add; for division_id, the division's object permissions), then run Terraform again."
        }
        GenesysError::Auth { status, .. } if *status < 500 => {
            " Check oauthclient_id / oauthclient_secret (or access_token) and the OAuth client's roles in this org."
        }
        GenesysError::Auth { .. } => {
            " The login service (POST /oauth/token) failed on its side; it was retried with backoff. Check aws_region / api_url and try again later."
        }
        GenesysError::NameRaced { other_id, .. } => {
            return Diagnostics::from_error(
                summary,
                format!("{e}. Two deploys (or a deploy and someone by hand) created a script of this name with different content at once; the older one stays. Decide which content the org should hold: to manage that script, import it (terraform import ADDRESS {other_id}); to keep both, give this one another name. Then apply again."),
            );
        }
        GenesysError::LostWrite { .. } => {
            " Their version is kept. Run `terraform plan` to see it, then apply again if yours should win."
        }
        GenesysError::Api { status: 429, .. } => {
            " Genesys Cloud kept throttling, or asked to wait longer than the provider waits for one request (a Retry-After above 3 minutes). Wait, then apply again; a lower requests_per_minute spreads the requests out."
        }
        GenesysError::Api { status, .. } if retried_server_error(*status) => {
            " The request was retried with backoff (up to max_retries attempts) and kept failing. Try again later: the next plan shows what is left to do."
        }
        GenesysError::RetryBudgetExhausted { .. } | GenesysError::Transport { .. } => {
            " The request was retried with backoff; check the API endpoint (aws_region / api_url) and try again later."
        }
        _ => "",
    };
    let hint = if matches!(e, GenesysError::UploadOutcomeUnknown { .. }) {
        UNKNOWN_OUTCOME_HINT
    } else {
        hint
    };
    Diagnostics::from_error(summary, format!("{e}.{hint}"))
}

/// What to do when an accepted upload's outcome is unknown: after a create the script may exist
/// without being in the state, and applying again would create a second one.
const UNKNOWN_OUTCOME_HINT: &str = " The server accepted the upload, so it may have saved the script. After a failed create the state does not record it: the next plan warns if a script with this name exists; import it (terraform import ADDRESS ID) or delete it before applying again, or the apply creates a second one. After a failed update, the next plan shows what the org holds.";

/// A server error the client retries (5xx except 501): reaching the user means retries ran out.
fn retried_server_error(status: u16) -> bool {
    status >= 500 && status != 501
}

/// Same as [`api_error`], pointed at an attribute.
pub fn api_error_at(path: AttributePath, what: &str, e: &GenesysError) -> Diagnostics {
    let mut d = api_error(what, e);
    for diag in &mut d.0 {
        diag.attribute = Some(path.clone());
    }
    d
}

/// Names the org in every diagnostic of an instance that targets one (`org` set), so that in
/// a fan-out over many orgs each failure says where it happened.
pub fn in_org(mut d: Diagnostics, org: Option<&str>) -> Diagnostics {
    if let Some(org) = org {
        for diag in &mut d.0 {
            diag.summary = format!("{} (org {org:?})", diag.summary);
        }
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(d: &Diagnostics) -> String {
        format!("{d:?}")
    }

    #[test]
    fn a_login_server_error_is_not_blamed_on_the_credentials() {
        let e = GenesysError::Auth {
            status: 502,
            error: "http_502".to_string(),
            description: "<html>502</html>".to_string(),
            correlation_id: None,
        };
        let t = text(&api_error("creating script", &e));
        assert!(t.contains("login answered HTTP 502"), "{t}");
        assert!(t.contains("POST /oauth/token"), "{t}");
        assert!(!t.contains("refused the credentials"), "{t}");

        let e = GenesysError::Auth {
            status: 401,
            error: "invalid_client".to_string(),
            description: "bad".to_string(),
            correlation_id: Some("c-1".to_string()),
        };
        let t = text(&api_error("creating script", &e));
        assert!(t.contains("refused the credentials"), "{t}");
        assert!(t.contains("correlation id c-1"), "{t}");
    }

    fn api(status: u16, code: &str) -> GenesysError {
        GenesysError::Api {
            status,
            code: code.to_string(),
            message: "m".to_string(),
            correlation_id: Some("corr-5".to_string()),
            method: "GET".to_string(),
            path: "/api/v2/scripts".to_string(),
        }
    }

    #[test]
    fn retried_server_errors_say_so_with_status_code_and_correlation_id() {
        let t = text(&api_error(
            "creating script",
            &api(503, "service.unavailable"),
        ));
        assert!(
            t.contains("kept answering HTTP 503 while creating script"),
            "{t}"
        );
        assert!(
            t.contains("service.unavailable") && t.contains("correlation id corr-5"),
            "{t}"
        );
        assert!(t.contains("retried with backoff"), "{t}");
        let t = text(&api_error("creating script", &api(501, "not.implemented")));
        assert!(!t.contains("retried"), "{t}");
    }

    #[test]
    fn an_unknown_upload_outcome_says_to_import_or_delete() {
        let e = api(503, "service.unavailable").after_upload("u-9");
        let t = text(&api_error("creating script \"x\"", &e));
        assert!(
            t.contains("kept answering HTTP 503 while creating script"),
            "{t}"
        );
        assert!(t.contains("upload u-9 was accepted"), "{t}");
        assert!(
            t.contains("service.unavailable") && t.contains("correlation id corr-5"),
            "{t}"
        );
        assert!(t.contains("terraform import"), "{t}");
        assert!(!t.contains("the next plan shows what is left"), "{t}");
        let timeout = GenesysError::Timeout { what: "w".into() }.after_upload("u-9");
        assert!(text(&api_error("creating script", &timeout)).contains("Timed out while"));
    }

    #[test]
    fn a_403_is_a_missing_permission_not_bad_credentials() {
        let t = text(&api_error(
            "publishing script s-1",
            &api(403, "missing.any.permissions"),
        ));
        assert!(
            t.contains("lacks a permission for publishing script s-1"),
            "{t}"
        );
        assert!(t.contains("scripter:publishedScript:add"), "{t}");
        assert!(
            t.contains("missing.any.permissions") && t.contains("correlation id corr-5"),
            "{t}"
        );
        assert!(!t.contains("refused the credentials"), "{t}");
        let t = text(&api_error(
            "reading script s-1",
            &api(401, "bad.credentials"),
        ));
        assert!(t.contains("refused the credentials"), "{t}");
    }

    #[test]
    fn a_final_429_explains_the_wait() {
        let t = text(&api_error(
            "creating script",
            &api(429, "too.many.requests.retry.after"),
        ));
        assert!(t.contains("kept failing or throttling"), "{t}");
        assert!(t.contains("Retry-After above 3 minutes"), "{t}");
        assert!(t.contains("correlation id corr-5"), "{t}");
    }
}
