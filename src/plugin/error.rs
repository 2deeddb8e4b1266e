//! Errors of the plugin transport (startup, TLS, serving).

/// Why the plugin server could not start or keep serving.
#[derive(Debug, thiserror::Error)]
pub enum PluginError {
    #[error("cannot open the plugin socket: {0}")]
    Socket(#[source] std::io::Error),
    #[error("no free TCP port on 127.0.0.1 from {first} to {last} (PLUGIN_MIN_PORT..PLUGIN_MAX_PORT): {source}")]
    NoFreePort {
        first: u16,
        last: u16,
        #[source]
        source: std::io::Error,
    },
    #[error("{name}={value:?} is not valid: expected {expected}")]
    Setting {
        name: &'static str,
        value: String,
        expected: &'static str,
    },
    #[error("cannot write the handshake line: {0}")]
    Handshake(#[source] std::io::Error),
    #[error("PLUGIN_CLIENT_CERT does not hold a usable PEM certificate: {0}")]
    ClientCert(String),
    #[error("cannot create the server certificate: {0}")]
    ServerCert(#[from] rcgen::Error),
    #[error("TLS configuration failed: {0}")]
    Tls(#[from] rustls::Error),
    #[error("cannot install the SIGINT handler: {0}")]
    Signal(#[source] std::io::Error),
    #[error("gRPC server failed: {0}")]
    Transport(#[from] tonic::transport::Error),
}
