//! HTTP wiring: the router (login, api, apps, downloads and `/_sim/` control paths with their
//! middleware) and the accept loop, which can close a connection without answering (drops).

use std::convert::Infallible;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{DefaultBodyLimit, Request};
use axum::middleware::{from_fn, from_fn_with_state};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::Router;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::{watch, Notify};
use tower::ServiceExt;

use super::conn::{KillSwitch, Peer};
use super::errors::{correlation_layer, ApiError};
use super::AppState;
use super::{
    audit, auth, control, dependencies, divisions, export, faults, pages, permissions, published,
    scripts, stats, uploads,
};

/// Largest accepted request body (uploads carry whole script documents).
const BODY_LIMIT: usize = 32 * 1024 * 1024;

/// The full application router.
pub(crate) fn router(state: AppState) -> Router {
    let authed = Router::new()
        .route("/api/v2/scripts", get(scripts::list))
        .route(
            "/api/v2/scripts/divisionviews",
            get(scripts::list_divisionviews),
        )
        .route(
            "/api/v2/scripts/published/divisionviews",
            get(published::list_divisionviews),
        )
        .route(
            "/api/v2/scripts/published/divisionviews/{id}/variables",
            get(pages::published_variables),
        )
        .route("/api/v2/scripts/{id}/pages", get(pages::list_pages))
        .route("/api/v2/scripts/{id}/pages/{page}", get(pages::get_page))
        .route(
            "/api/v2/scripts/published/{id}/pages",
            get(pages::list_published_pages),
        )
        .route(
            "/api/v2/scripts/published/{id}/pages/{page}",
            get(pages::get_published_page),
        )
        .route(
            "/api/v2/scripts/published/{id}/variables",
            get(pages::published_variables),
        )
        .route(
            "/api/v2/architect/dependencytracking/consumingresources",
            get(dependencies::consuming_resources),
        )
        .route(
            "/api/v2/architect/dependencytracking/build",
            get(dependencies::get_build).post(dependencies::post_build),
        )
        .route("/api/v2/audits/query/realtime", post(audit::query))
        .route(
            "/api/v2/audits/query/realtime/servicemapping",
            get(audit::service_mapping),
        )
        .route(
            "/api/v2/scripts/published",
            get(published::list).post(published::publish),
        )
        .route("/api/v2/scripts/published/{id}", get(published::get))
        .route("/api/v2/scripts/uploads/{id}/status", get(uploads::status))
        .route(
            "/api/v2/scripts/{id}",
            get(scripts::get).delete(scripts::delete),
        )
        .route("/api/v2/scripts/{id}/export", post(export::export))
        .route(
            "/api/v2/authorization/divisions/{division}/objects/SCRIPT",
            post(divisions::set),
        )
        .route("/uploads/v2/scripter", post(uploads::upload))
        // Runs after the token check (the outer layer): 401 and 429 come before 403.
        .route_layer(from_fn_with_state(
            state.clone(),
            permissions::require_permission,
        ))
        .route_layer(from_fn_with_state(state.clone(), auth::require_token));
    let downloads = Router::new()
        .route("/downloads/{token}", get(export::download))
        .route_layer(from_fn_with_state(state.clone(), faults::download_limit));
    let chaotic = authed
        .merge(downloads)
        .route_layer(from_fn_with_state(state.clone(), faults::chaos));
    let login = Router::new()
        .route("/oauth/token", post(auth::token))
        .route_layer(from_fn_with_state(state.clone(), faults::latency));
    Router::new()
        .merge(login)
        .merge(chaotic)
        .nest(
            "/_sim",
            control::router().route_layer(from_fn(control::loopback_only)),
        )
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(from_fn_with_state(state.clone(), stats::count))
        .layer(from_fn(correlation_layer))
        .with_state(state)
}

async fn not_found() -> impl IntoResponse {
    ApiError::not_found()
}

/// Accepts connections until `shutdown` turns true.
pub(crate) async fn serve(listener: TcpListener, app: Router, mut shutdown: watch::Receiver<bool>) {
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                match accepted {
                    Ok((stream, peer)) => {
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
