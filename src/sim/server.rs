//! HTTP wiring: the router (one route per `kind::Kind` with its handler and middleware, and the
//! `/_sim/` control paths) and the accept loop, which can close a connection without answering (drops).

use std::convert::Infallible;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{DefaultBodyLimit, Request};
use axum::middleware::{from_fn, from_fn_with_state};
use axum::response::IntoResponse;
use axum::routing::{on, MethodRouter};
use axum::Router;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::{watch, Notify};
use tower::ServiceExt;

use super::api::{audit, dependencies, divisions, export, pages, published, scripts, uploads};
use super::conn::{KillSwitch, Peer};
use super::errors::{correlation_layer, ApiError};
use super::kind::{Access, Kind};
use super::AppState;
use super::{auth, control, faults, permissions, stats};

/// Largest accepted request body (uploads carry whole script documents).
const BODY_LIMIT: usize = 32 * 1024 * 1024;

/// The full application router: one route per [`Kind`], grouped by its [`Access`] so that
/// each group gets its middleware.
pub(crate) fn router(state: AppState) -> Router {
    let mut login = Router::new();
    let mut authed = Router::new();
    let mut downloads = Router::new();
    for &kind in Kind::ALL {
        let route = handler(kind);
        match kind.access() {
            Access::Login => login = login.route(kind.path(), route),
            Access::Bearer => authed = authed.route(kind.path(), route),
            Access::Download => downloads = downloads.route(kind.path(), route),
        }
    }
    let authed = authed
        // Runs after the token check (the outer layer): 401 and 429 come before 403.
        .route_layer(from_fn_with_state(
            state.clone(),
            permissions::require_permission,
        ))
        .route_layer(from_fn_with_state(state.clone(), auth::require_token));
    let downloads =
        downloads.route_layer(from_fn_with_state(state.clone(), faults::download_limit));
    let chaotic = authed
        .merge(downloads)
        .route_layer(from_fn_with_state(state.clone(), faults::chaos));
    let login = login.route_layer(from_fn_with_state(state.clone(), faults::latency));
    Router::new()
        .merge(login)
        .merge(chaotic)
        .nest(
            "/_sim",
            control::router().route_layer(from_fn(control::loopback_only)),
        )
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        // Added after the routes, so it runs after routing and sees the matched path.
        .layer(from_fn_with_state(state.clone(), stats::count))
        .layer(from_fn(correlation_layer))
        .with_state(state)
}

/// The handler of each endpoint, on the endpoint's method.
fn handler(kind: Kind) -> MethodRouter<AppState> {
    let m = kind.method_filter();
    match kind {
        Kind::Token => on(m, auth::token),
        Kind::ListScripts => on(m, scripts::list),
        Kind::ListPublished => on(m, published::list),
        Kind::Publish => on(m, published::publish),
        Kind::GetPublished => on(m, published::get),
        Kind::UploadStatus => on(m, uploads::status),
        Kind::Export => on(m, export::export),
        Kind::GetScript => on(m, scripts::get),
        Kind::Delete => on(m, scripts::delete),
        Kind::Division => on(m, divisions::set),
        Kind::Upload => on(m, uploads::upload),
        Kind::ListDivisionviews => on(m, scripts::list_divisionviews),
        Kind::ListPublishedDivisionviews => on(m, published::list_divisionviews),
        Kind::ListPages => on(m, pages::list_pages),
        Kind::GetPage => on(m, pages::get_page),
        Kind::ListPublishedPages => on(m, pages::list_published_pages),
        Kind::GetPublishedPage => on(m, pages::get_published_page),
        Kind::PublishedVariables | Kind::DivisionviewVariables => on(m, pages::published_variables),
        Kind::ConsumingResources => on(m, dependencies::consuming_resources),
        Kind::GetBuild => on(m, dependencies::get_build),
        Kind::PostBuild => on(m, dependencies::post_build),
        Kind::AuditQuery => on(m, audit::query),
        Kind::AuditServiceMapping => on(m, audit::service_mapping),
        Kind::Download => on(m, export::download),
    }
}

async fn not_found() -> impl IntoResponse {
    ApiError::not_found()
}

/// Accepts connections until `shutdown` turns true; each accepted connection counts under
/// `connections` in the stats (so a client's connection reuse is measurable).
pub(crate) async fn serve(
    listener: TcpListener,
    app: Router,
    state: AppState,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                match accepted {
                    Ok((stream, peer)) => {
                        super::lock(&state.stats).record_connection();
                        tokio::spawn(serve_connection(stream, peer, app.clone(), shutdown.clone()));
                    }
                    Err(e) => tracing::warn!(error = %e, "accept failed"),
                }
            }
            _ = shutdown.changed() => break,
        }
    }
}

async fn serve_connection(
    stream: tokio::net::TcpStream,
    peer: std::net::SocketAddr,
    app: Router,
    mut shutdown: watch::Receiver<bool>,
) {
    let kill = Arc::new(Notify::new());
    let switch = KillSwitch(kill.clone());
    let svc = hyper::service::service_fn(move |mut req: hyper::Request<hyper::body::Incoming>| {
        req.extensions_mut().insert(switch.clone());
        req.extensions_mut().insert(Peer(peer));
        let app = app.clone();
        async move {
            let req: Request = req.map(Body::new);
            let resp = app.oneshot(req).await;
            Ok::<_, Infallible>(match resp {
                Ok(r) => r,
                Err(never) => match never {},
            })
        }
    });
    let conn =
        hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), svc);
    tokio::select! {
        r = conn => {
            if let Err(e) = r {
                tracing::debug!(error = %e, "connection ended with error");
            }
        }
        _ = kill.notified() => tracing::debug!("connection dropped on purpose"),
        _ = shutdown.changed() => {}
    }
}

#[cfg(test)]
mod tests {
    use crate::sim::{serve, SimConfig};

    /// The stats layer sees the route axum matched: an endpoint counts under its name, the
    /// fallback and a method its path does not serve under `other`.
    #[tokio::test]
    async fn the_router_counts_each_request_under_its_kind() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let sim = serve(SimConfig::default(), listener).await.unwrap();
        let http = reqwest::Client::new();
        let url = |p: &str| format!("{}{p}", sim.base_url());
        for (method, path) in [
            (reqwest::Method::GET, "/api/v2/scripts/abc"),
            (reqwest::Method::GET, "/downloads/t"),
            (reqwest::Method::PUT, "/nope"),
            (
                reqwest::Method::DELETE,
                "/api/v2/architect/dependencytracking/build",
            ),
        ] {
            http.request(method, url(path)).send().await.unwrap();
        }
        let stats: serde_json::Value = http
            .get(url("/_sim/stats"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(stats["get_script"], 1, "{stats}");
        assert_eq!(stats["download"], 1, "{stats}");
        assert_eq!(stats["other"], 2, "{stats}");
    }
}
