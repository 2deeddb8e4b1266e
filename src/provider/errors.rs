//! Genesys client errors as Terraform diagnostics: HTTP status, Genesys error code and
//! correlation id always visible, secrets never.

use crate::cty::AttributePath;
use crate::genesys::GenesysError;
use crate::tfplugin5::Diagnostics;

/// One error diagnostic for a failed step (`what` says which, e.g. "reading script 1234").
pub fn api_error(what: &str, e: &GenesysError) -> Diagnostics {
    let summary = match e {
        GenesysError::Api {
            status: 401 | 403, ..
        } => format!("Genesys Cloud refused the credentials while {what}"),
        GenesysError::Auth { status, .. } if *status < 500 => {
            format!("Genesys Cloud refused the credentials while {what}")
        }
        GenesysError::Auth { status, .. } => {
            format!("The Genesys Cloud login answered HTTP {status} while {what}")
        }
        GenesysError::Api { status: 404, .. } => format!("Not found while {what}"),
        GenesysError::Api { status: 429, .. } | GenesysError::RetryBudgetExhausted { .. } => {
            format!("Genesys Cloud kept failing or throttling while {what}")
        }
        GenesysError::LostWrite { .. } => {
            format!("Another writer replaced the script while {what}")
        }
        GenesysError::Cancelled => format!("Interrupted while {what}"),
        GenesysError::Timeout { .. } => format!("Timed out while {what}"),
        _ => format!("Genesys Cloud error while {what}"),
    };
    let hint = match e {
        GenesysError::Api { status: 401 | 403, .. } => {
            " Check oauthclient_id / oauthclient_secret (or access_token) and the OAuth client's roles in this org."
        }
        GenesysError::Auth { status, .. } if *status < 500 => {
            " Check oauthclient_id / oauthclient_secret (or access_token) and the OAuth client's roles in this org."
        }
        GenesysError::Auth { .. } => {
            " The login service (POST /oauth/token) failed on its side; it was retried with backoff. Check aws_region / api_url and try again later."
        }
        GenesysError::LostWrite { .. } => {
            " Their version is kept. Run `terraform plan` to see it, then apply again if yours should win."
        }
        GenesysError::RetryBudgetExhausted { .. } | GenesysError::Transport { .. } => {
            " The request was retried with backoff; check the API endpoint (aws_region / api_url) and try again later."
        }
        _ => "",
    };
    Diagnostics::from_error(summary, format!("{e}.{hint}"))
}

/// Same as [`api_error`], pointed at an attribute.
pub fn api_error_at(path: AttributePath, what: &str, e: &GenesysError) -> Diagnostics {
    let mut d = api_error(what, e);
    for diag in &mut d.0 {
        diag.attribute = Some(path.clone());
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
        };
        let t = text(&api_error("creating script", &e));
        assert!(t.contains("login answered HTTP 502"), "{t}");
        assert!(t.contains("POST /oauth/token"), "{t}");
        assert!(!t.contains("refused the credentials"), "{t}");

        let e = GenesysError::Auth {
            status: 401,
            error: "invalid_client".to_string(),
            description: "bad".to_string(),
        };
        let t = text(&api_error("creating script", &e));
        assert!(t.contains("refused the credentials"), "{t}");
    }
}
