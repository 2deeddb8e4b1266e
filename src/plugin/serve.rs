//! Runs the plugin server: bind, (AutoMTLS), print the handshake, serve tfplugin5 + health +
//! controller + stdio until Shutdown (managed) or Ctrl-C (debug), then remove the socket.
//! The listener (unix socket or TCP) comes from [`super::listener`].

use super::conn::Conn;
use super::debug::reattach_instructions;
use super::error::PluginError;
use super::handshake::{handshake_line, negotiate};
use super::listener::{Acceptor, PluginListener};
use super::services::{Controller, Stdio};
use super::tls;
use crate::tfplugin5::proto::plugin as plugin_pb;
use crate::tfplugin5::{Provider, ProviderService};
use std::io::Write;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio_rustls::TlsAcceptor;
use tokio_stream::wrappers::ReceiverStream;
use tokio_util::sync::CancellationToken;

/// How the process was started.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    /// Launched by Terraform (cookie checked by the caller): handshake line, AutoMTLS when
    /// `PLUGIN_CLIENT_CERT` is set, SIGINT ignored, Shutdown ends the process.
    Managed,
    /// `--debug`: plaintext, reattach instructions for humans, Ctrl-C ends the process.
    Debug { provider_source: String },
}

/// Time a TLS handshake may take before the connection is dropped.
const TLS_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// Time connections get to finish after Shutdown before the server stops anyway.
const DRAIN_TIMEOUT: Duration = Duration::from_millis(300);

/// Serves `provider` until told to stop.
pub async fn serve(provider: Arc<dyn Provider>, mode: Mode) -> Result<(), PluginError> {
    let socket = PluginListener::bind_default().await?;
    let client_cert = std::env::var("PLUGIN_CLIENT_CERT")
        .ok()
        .filter(|c| !c.trim().is_empty());
    let acceptor = match (&mode, client_cert) {
        (Mode::Managed, Some(pem)) => {
            let identity = tls::generate_server_identity()?;
            let config = tls::server_config(&identity, tls::parse_client_cert(&pem)?)?;
            Some((TlsAcceptor::from(config), identity.cert_der))
        }
        _ => None,
    };
    let shutdown = CancellationToken::new();
    let router = build_router(provider, shutdown.clone()).await;
    let incoming = accept_loop(
        socket.acceptor(),
        acceptor.as_ref().map(|(a, _)| a.clone()),
        shutdown.clone(),
    );

    let announce = match &mode {
        Mode::Managed => {
            let (version, offered) =
                negotiate(std::env::var("PLUGIN_PROTOCOL_VERSIONS").ok().as_deref());
            if !offered {
                tracing::warn!("the plugin client did not offer protocol 5; Terraform will report the mismatch");
            }
            let cert = acceptor.as_ref().map(|(_, c)| c.as_ref());
            handshake_line(version, socket.network(), &socket.address(), cert)
        }
        Mode::Debug { provider_source } => reattach_instructions(
            provider_source,
            std::process::id(),
            socket.network(),
            &socket.address(),
        ),
    };
    spawn_signal_handler(&mode, shutdown.clone())?;
    write_stdout(&announce)?;
    tracing::debug!(network = socket.network(), address = %socket.address(), tls = acceptor.is_some(), "plugin server ready");

    run_until_shutdown(router, incoming, shutdown).await?;
    drop(socket);
    Ok(())
}

/// Serves `provider` inside the calling process (tests, tools), like debug mode but without
/// printing or signal handling: plaintext on a fresh listener (as [`PluginListener`] picks); `ready` receives the
/// `TF_REATTACH_PROVIDERS` JSON (for `provider_source`); cancelling `stop` ends it.
pub async fn serve_in_process(
    provider: Arc<dyn Provider>,
    provider_source: &str,
    ready: tokio::sync::oneshot::Sender<String>,
    stop: CancellationToken,
) -> Result<(), PluginError> {
    let socket = PluginListener::bind_default().await?;
    let router = build_router(provider, stop.clone()).await;
    let incoming = accept_loop(socket.acceptor(), None, stop.clone());
    let _ = ready.send(super::debug::reattach_json(
        provider_source,
        std::process::id(),
        socket.network(),
        &socket.address(),
    ));
    run_until_shutdown(router, incoming, stop).await?;
    drop(socket);
    Ok(())
}

/// Serves until `shutdown` is cancelled, then gives open connections [`DRAIN_TIMEOUT`].
async fn run_until_shutdown(
    router: tonic::transport::server::Router,
    incoming: ReceiverStream<std::io::Result<Conn>>,
    shutdown: CancellationToken,
) -> Result<(), PluginError> {
    let stopped = shutdown.clone();
    let server =
        router.serve_with_incoming_shutdown(incoming, async move { stopped.cancelled().await });
    tokio::select! {
        result = server => result?,
        () = async { shutdown.cancelled().await; tokio::time::sleep(DRAIN_TIMEOUT).await } => {
            tracing::debug!("connections still open after shutdown; stopping anyway");
        }
    }
    Ok(())
}

async fn build_router(
    provider: Arc<dyn Provider>,
    shutdown: CancellationToken,
) -> tonic::transport::server::Router {
    let (health_reporter, health_service) = tonic_health::server::health_reporter();
    health_reporter
        .set_service_status("plugin", tonic_health::ServingStatus::Serving)
        .await;
    tonic::transport::Server::builder()
        .add_service(health_service)
        .add_service(
            plugin_pb::grpc_controller_server::GrpcControllerServer::new(Controller {
                shutdown: shutdown.clone(),
            }),
        )
        .add_service(plugin_pb::grpc_stdio_server::GrpcStdioServer::new(Stdio {
            shutdown,
        }))
        .add_service(ProviderService::new(provider).into_server())
}

/// Accepts connections (TLS handshakes run concurrently, failures are logged and dropped) and
/// hands the ready ones to tonic.
fn accept_loop(
    listener: Acceptor,
    acceptor: Option<TlsAcceptor>,
    shutdown: CancellationToken,
) -> ReceiverStream<std::io::Result<Conn>> {
    let (tx, rx) = mpsc::channel(16);
    tokio::spawn(async move {
        loop {
            let stream = tokio::select! {
                () = shutdown.cancelled() => break,
                accepted = listener.accept() => match accepted {
                    Ok(stream) => stream,
                    Err(e) => {
                        tracing::warn!(error = %e, "accept failed");
                        tokio::time::sleep(Duration::from_millis(10)).await;
                        continue;
                    }
                },
            };
            let tx = tx.clone();
            match &acceptor {
                None => {
                    if tx.send(Ok(Conn::Plain(stream))).await.is_err() {
                        break;
                    }
                }
                Some(acceptor) => {
                    let acceptor = acceptor.clone();
                    tokio::spawn(async move {
                        match tokio::time::timeout(TLS_HANDSHAKE_TIMEOUT, acceptor.accept(stream))
                            .await
                        {
                            Ok(Ok(tls)) => {
                                let _ = tx.send(Ok(Conn::Tls(Box::new(tls)))).await;
                            }
                            Ok(Err(e)) => {
                                tracing::warn!(error = %e, "TLS handshake with plugin client failed")
                            }
                            Err(_) => tracing::warn!("TLS handshake with plugin client timed out"),
                        }
                    });
                }
            }
        }
    });
    ReceiverStream::new(rx)
}

/// Managed: SIGINT is ignored (Terraform sends Stop, then Shutdown). Debug: Ctrl-C stops.
/// SIGTERM stops in both modes (and the socket file is removed). The handlers are registered
/// before returning, so they are in place before the handshake line.
#[cfg(unix)]
fn spawn_signal_handler(mode: &Mode, shutdown: CancellationToken) -> Result<(), PluginError> {
    use tokio::signal::unix::{signal, SignalKind};
    let debug = matches!(mode, Mode::Debug { .. });
    let mut interrupts = signal(SignalKind::interrupt()).map_err(PluginError::Signal)?;
    let mut terminate = signal(SignalKind::terminate()).map_err(PluginError::Signal)?;
    let on_term = shutdown.clone();
    tokio::spawn(async move {
        if terminate.recv().await.is_some() {
            tracing::info!("SIGTERM: stopping");
            on_term.cancel();
        }
    });
    tokio::spawn(async move {
        while interrupts.recv().await.is_some() {
            if debug {
                tracing::info!("interrupted: stopping the debug server");
                shutdown.cancel();
                return;
            }
            tracing::info!(
                "ignoring SIGINT: Terraform stops providers through the plugin protocol"
            );
        }
    });
    Ok(())
}

/// Windows: Ctrl-C reaches the whole console group, Terraform included. Managed: ignored
/// (Terraform stops providers through the plugin protocol). Debug: stops the server.
#[cfg(windows)]
fn spawn_signal_handler(mode: &Mode, shutdown: CancellationToken) -> Result<(), PluginError> {
    let debug = matches!(mode, Mode::Debug { .. });
    let mut ctrl_c = tokio::signal::windows::ctrl_c().map_err(PluginError::Signal)?;
    tokio::spawn(async move {
        while ctrl_c.recv().await.is_some() {
            if debug {
                tracing::info!("interrupted: stopping the debug server");
                shutdown.cancel();
                return;
            }
            tracing::info!(
                "ignoring Ctrl-C: Terraform stops providers through the plugin protocol"
            );
        }
    });
    Ok(())
}

fn write_stdout(text: &str) -> Result<(), PluginError> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .map_err(PluginError::Handshake)?;
    out.flush().map_err(PluginError::Handshake)
}
