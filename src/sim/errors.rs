//! Genesys-shaped error responses: the `ErrorBody` JSON, the `ININ-Correlation-Id` header
//! (fresh per response, equal to `contextId`), the OAuth error shape of the login path, and
//! the exact normalized 429 body.

use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

/// Name of the correlation header sent on every response.
pub const CORRELATION_HEADER: &str = "ININ-Correlation-Id";

/// A fresh correlation id.
pub fn new_correlation_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// An API error rendered as a Genesys `ErrorBody`.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    /// Seconds for `Retry-After` (429 only).
    pub retry_after: Option<u64>,
    /// `messageWithParams` and `messageParams`, for a message with parameters (boxed: most
    /// errors have none, and handlers return `Result<_, ApiError>`).
    pub params: Option<Box<MessageParams>>,
}

/// A message's template (`{name}` placeholders) and the values of its placeholders.
#[derive(Debug, Clone, PartialEq)]
pub struct MessageParams {
    pub template: String,
    pub values: serde_json::Map<String, serde_json::Value>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            retry_after: None,
            params: None,
        }
    }

    /// 403 `missing.any.permissions`: the OAuth client's roles lack `permission`, as Genesys
    /// words it (the permission list in brackets, also in `messageParams.permissions`).
    pub fn missing_permission(permission: &str) -> Self {
        const TEMPLATE: &str = "Unable to perform the requested action. You must have at least one of the following permissions assigned: {permissions}";
        let permissions = format!("[{permission}]");
        let mut values = serde_json::Map::new();
        values.insert("permissions".into(), permissions.clone().into());
        Self {
            params: Some(Box::new(MessageParams {
                template: TEMPLATE.to_string(),
                values,
            })),
            ..Self::new(
                StatusCode::FORBIDDEN,
                "missing.any.permissions",
                TEMPLATE.replace("{permissions}", &permissions),
            )
        }
    }

    pub fn not_found() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "not.found",
            "The requested resource was not found.",
        )
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad.request", message)
    }

    pub fn bad_credentials() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "bad.credentials",
            "Invalid login credentials.",
        )
    }

    pub fn credentials_expired() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "credentials.expired",
            "The supplied credentials are expired and cannot be used.",
        )
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, "general.conflict", message)
    }

    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal.server.error",
            "The server encountered an unexpected condition.",
        )
    }

    pub fn unavailable() -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "service.unavailable",
            "Service Unavailable - The server is currently unavailable.",
        )
    }

    /// The normalized 429 (Genesys, 2021): exact message, empty details and errors.
    pub fn too_many_requests(retry_after: u64) -> Self {
        Self {
            status: StatusCode::TOO_MANY_REQUESTS,
            code: "too.many.requests.retry.after",
            message: format!(
                "Rate limit exceeded the maximum. Retry the request in [{retry_after}] seconds"
            ),
            retry_after: Some(retry_after),
            params: None,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let cid = new_correlation_id();
        let body = if self.status == StatusCode::TOO_MANY_REQUESTS {
            json!({
                "message": self.message,
                "code": self.code,
                "status": 429,
                "contextId": cid,
                "details": [],
                "errors": [],
            })
        } else {
            let (template, values) = match self.params {
                Some(p) => (Some(p.template), p.values),
                None => (None, serde_json::Map::new()),
            };
            let mut body = json!({
                "message": self.message,
                "code": self.code,
                "status": self.status.as_u16(),
                "contextId": cid,
                "messageParams": values,
                "details": [],
                "errors": [],
            });
            if let (Some(template), Some(o)) = (template, body.as_object_mut()) {
                o.insert("messageWithParams".into(), template.into());
            }
            body
        };
        let mut headers = HeaderMap::new();
        set_correlation(&mut headers, &cid);
        if let Some(secs) = self.retry_after {
            headers.insert("Retry-After", HeaderValue::from(secs));
        }
        (self.status, headers, Json(body)).into_response()
    }
}

/// An error of the login path (`/oauth/token`): `{error, description, error_description}`.
#[derive(Debug, Clone, PartialEq)]
pub struct OAuthError {
    pub status: StatusCode,
    pub error: &'static str,
    pub description: String,
}

impl OAuthError {
    pub fn invalid_client() -> Self {
        Self {
            status: StatusCode::UNAUTHORIZED,
            error: "invalid_client",
            description: "client authentication failed".into(),
        }
    }

    pub fn invalid_request(description: impl Into<String>) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            error: "invalid_request",
            description: description.into(),
        }
    }

    pub fn unsupported_grant() -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            error: "unsupported_grant_type",
            description: "only grant_type=client_credentials is supported".into(),
        }
    }
}

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        let cid = new_correlation_id();
        let body = json!({
            "error": self.error,
            "description": self.description,
            "error_description": self.description,
        });
        let mut headers = HeaderMap::new();
        set_correlation(&mut headers, &cid);
        (self.status, headers, Json(body)).into_response()
    }
}

/// Sets `ININ-Correlation-Id` to `cid`.
pub fn set_correlation(headers: &mut HeaderMap, cid: &str) {
    if let Ok(v) = HeaderValue::from_str(cid) {
        headers.insert(CORRELATION_HEADER, v);
    }
}

/// The Genesys code used for an error status that no handler described (framework
/// rejections such as 405 or 413).
pub fn code_for_status(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "bad.request",
        401 => "authentication.required",
        403 => "forbidden",
        404 => "not.found",
        405 => "method.not.allowed",
        408 => "client.timeout",
        413 => "request.entity.too.large",
        415 => "unsupported.media.type",
        422 => "unprocessable.entity",
        429 => "too.many.requests",
        503 => "service.unavailable",
        s if s >= 500 => "internal.server.error",
        _ => "bad.request",
    }
}

fn is_json(resp: &Response) -> bool {
    resp.headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|c| c.starts_with("application/json"))
}

/// Middleware: turns any non-JSON error response (a framework rejection) into an
/// `ErrorBody`, and adds a fresh `ININ-Correlation-Id` to any response that has none.
pub async fn correlation_layer(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let method = req.method().clone();
    // Download tokens are bearer-like: never log them.
    let path = if req.uri().path().starts_with("/downloads/") {
        "/downloads/<token>".to_string()
    } else {
        req.uri().path().to_string()
    };
    let mut resp = next.run(req).await;
    let status = resp.status();
    if (status.is_client_error() || status.is_server_error()) && !is_json(&resp) {
        let message = status
            .canonical_reason()
            .unwrap_or("The request could not be processed.");
        resp = ApiError::new(status, code_for_status(status), message).into_response();
    }
    if !resp.headers().contains_key(CORRELATION_HEADER) {
        set_correlation(resp.headers_mut(), &new_correlation_id());
    }
    let cid = resp
        .headers()
        .get(CORRELATION_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    tracing::debug!(%method, %path, status = status.as_u16(), correlation_id = cid, "request");
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn body_json(resp: Response) -> serde_json::Value {
        let bytes = axum::body::to_bytes(resp.into_body(), 1 << 20)
            .await
            .unwrap();
        serde_json::from_slice(&bytes).unwrap()
    }

    #[tokio::test]
    async fn error_body_context_id_equals_header() {
        let resp = ApiError::not_found().into_response();
        assert_eq!(resp.status(), StatusCode::NOT_FOUND);
        let cid = resp.headers()[CORRELATION_HEADER]
            .to_str()
            .unwrap()
            .to_string();
        let body = body_json(resp).await;
        assert_eq!(body["contextId"], cid.as_str());
        assert_eq!(body["code"], "not.found");
        assert_eq!(body["status"], 404);
        assert_eq!(body["messageParams"], json!({}));
        assert!(body.get("messageWithParams").is_none(), "{body}");
    }

    #[tokio::test]
    async fn missing_permission_is_genesys_shaped() {
        let resp = ApiError::missing_permission("scripter:publishedScript:add").into_response();
        assert_eq!(resp.status(), StatusCode::FORBIDDEN);
        let cid = resp.headers()[CORRELATION_HEADER]
            .to_str()
            .unwrap()
            .to_string();
        let body = body_json(resp).await;
        assert_eq!(body["status"], 403);
        assert_eq!(body["code"], "missing.any.permissions");
        assert_eq!(
            body["message"],
            "Unable to perform the requested action. You must have at least one of the following permissions assigned: [scripter:publishedScript:add]"
        );
        assert_eq!(
            body["messageWithParams"],
            "Unable to perform the requested action. You must have at least one of the following permissions assigned: {permissions}"
        );
        assert_eq!(
            body["messageParams"],
            json!({"permissions": "[scripter:publishedScript:add]"})
        );
        assert_eq!(body["contextId"], cid.as_str());
    }

    #[tokio::test]
    async fn framework_errors_become_error_bodies() {
        use axum::routing::post;
        use tower::ServiceExt;
        let app = axum::Router::new()
            .route("/x", post(|| async { "ok" }))
            .layer(axum::middleware::from_fn(correlation_layer));
        let req = axum::http::Request::get("/x")
            .body(axum::body::Body::empty())
            .unwrap();
        let resp = app.oneshot(req).await.unwrap();
        assert_eq!(resp.status(), StatusCode::METHOD_NOT_ALLOWED);
        let cid = resp.headers()[CORRELATION_HEADER]
            .to_str()
            .unwrap()
            .to_string();
        let body = body_json(resp).await;
        assert_eq!(body["code"], "method.not.allowed");
        assert_eq!(body["contextId"], cid.as_str());
    }

    #[test]
    fn codes_for_unexpected_statuses() {
        assert_eq!(
            code_for_status(StatusCode::METHOD_NOT_ALLOWED),
            "method.not.allowed"
        );
        assert_eq!(
            code_for_status(StatusCode::PAYLOAD_TOO_LARGE),
            "request.entity.too.large"
        );
        assert_eq!(
            code_for_status(StatusCode::BAD_GATEWAY),
            "internal.server.error"
        );
    }

    #[tokio::test]
    async fn too_many_requests_is_exact() {
        let resp = ApiError::too_many_requests(42).into_response();
        assert_eq!(resp.headers()["Retry-After"], "42");
        let body = body_json(resp).await;
        let keys: Vec<_> = body.as_object().unwrap().keys().cloned().collect();
        assert_eq!(
            keys,
            [
                "message",
                "code",
                "status",
                "contextId",
                "details",
                "errors"
            ]
        );
        assert_eq!(
            body["message"],
            "Rate limit exceeded the maximum. Retry the request in [42] seconds"
        );
    }
}
