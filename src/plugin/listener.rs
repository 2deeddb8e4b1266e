//! Where the plugin server listens, as go-plugin does: a unix socket on Unix, TCP on
//! `127.0.0.1` with the first free port in `PLUGIN_MIN_PORT..=PLUGIN_MAX_PORT` where unix
//! sockets are not available (Windows). `TF_PROVIDER_GENESYS_TCP=1` selects TCP on Unix too
//! (tests drive Terraform through it). TLS is layered on top by the caller either way.

use super::conn::Stream;
use super::error::PluginError;
#[cfg(unix)]
use super::socket::PluginSocket;
use std::net::{Ipv4Addr, SocketAddr};
use std::ops::RangeInclusive;
use std::sync::Arc;
use tokio::net::TcpListener;

/// The switch that selects TCP on Unix: `1`/`true` for TCP, unset/empty/`0`/`false` for the
/// unix socket.
pub const TCP_SWITCH: &str = "TF_PROVIDER_GENESYS_TCP";

/// A bound listener; dropping it removes the unix socket file.
pub enum PluginListener {
    #[cfg(unix)]
    Unix(PluginSocket),
    Tcp {
        listener: Arc<TcpListener>,
        addr: SocketAddr,
    },
}

/// The accepting side, shared with the accept loop (it does not own the socket file).
#[derive(Clone)]
pub enum Acceptor {
    #[cfg(unix)]
    Unix(Arc<tokio::net::UnixListener>),
    Tcp(Arc<TcpListener>),
}

impl Acceptor {
    /// The next connection.
    pub async fn accept(&self) -> std::io::Result<Stream> {
        match self {
            #[cfg(unix)]
            Acceptor::Unix(l) => l.accept().await.map(|(s, _)| Stream::Unix(s)),
            Acceptor::Tcp(l) => l.accept().await.map(|(s, _)| Stream::Tcp(s)),
        }
    }
}

impl PluginListener {
    /// Binds what this platform and [`TCP_SWITCH`] ask for.
    pub async fn bind_default() -> Result<Self, PluginError> {
        let tcp = !cfg!(unix) || tcp_selected(std::env::var(TCP_SWITCH).ok().as_deref())?;
        if tcp {
            let range = port_range(
                std::env::var("PLUGIN_MIN_PORT").ok().as_deref(),
                std::env::var("PLUGIN_MAX_PORT").ok().as_deref(),
            )?;
            return Self::bind_tcp(range).await;
        }
        Self::bind_unix()
    }

    #[cfg(unix)]
    fn bind_unix() -> Result<Self, PluginError> {
        PluginSocket::bind_default().map(PluginListener::Unix)
    }

    #[cfg(not(unix))]
    fn bind_unix() -> Result<Self, PluginError> {
        Err(PluginError::Socket(std::io::Error::other(
            "unix sockets are not available on this platform",
        )))
    }

    /// Binds `127.0.0.1` on the first free port of `range` (go-plugin scans in order).
    pub async fn bind_tcp(range: RangeInclusive<u16>) -> Result<Self, PluginError> {
        let (first, last) = (*range.start(), *range.end());
        let mut last_err = None;
        for port in range {
            match TcpListener::bind((Ipv4Addr::LOCALHOST, port)).await {
                Ok(listener) => {
                    let addr = listener.local_addr().map_err(PluginError::Socket)?;
                    return Ok(PluginListener::Tcp {
                        listener: Arc::new(listener),
                        addr,
                    });
                }
                Err(e) => last_err = Some(e),
            }
        }
        Err(PluginError::NoFreePort {
            first,
            last,
            source: last_err.unwrap_or_else(|| std::io::Error::other("empty port range")),
        })
    }

    /// `unix` or `tcp`: the network field of the handshake line and of reattach configs.
    pub fn network(&self) -> &'static str {
        match self {
            #[cfg(unix)]
            PluginListener::Unix(_) => "unix",
            PluginListener::Tcp { .. } => "tcp",
        }
    }

    /// The socket path or `127.0.0.1:PORT`.
    pub fn address(&self) -> String {
        match self {
            #[cfg(unix)]
            PluginListener::Unix(s) => s.path().to_string_lossy().into_owned(),
            PluginListener::Tcp { addr, .. } => addr.to_string(),
        }
    }

    pub fn acceptor(&self) -> Acceptor {
        match self {
            #[cfg(unix)]
            PluginListener::Unix(s) => Acceptor::Unix(s.listener_handle()),
            PluginListener::Tcp { listener, .. } => Acceptor::Tcp(listener.clone()),
        }
    }
}

/// Reads [`TCP_SWITCH`]; anything but the accepted spellings is refused with the fix.
pub fn tcp_selected(value: Option<&str>) -> Result<bool, PluginError> {
    match value.map(str::trim) {
        None | Some("") | Some("0") => Ok(false),
        Some(v) if v.eq_ignore_ascii_case("false") => Ok(false),
        Some("1") => Ok(true),
        Some(v) if v.eq_ignore_ascii_case("true") => Ok(true),
        Some(other) => Err(PluginError::Setting {
            name: TCP_SWITCH,
            value: other.to_string(),
            expected: "1 or true (TCP), 0, false or unset (unix socket)",
        }),
    }
}

/// The port range from `PLUGIN_MIN_PORT` / `PLUGIN_MAX_PORT` (Terraform sets both; unset
/// means 0, i.e. any free port, like go-plugin).
pub fn port_range(
    min: Option<&str>,
    max: Option<&str>,
) -> Result<RangeInclusive<u16>, PluginError> {
    let parse = |name: &'static str, v: Option<&str>| -> Result<u16, PluginError> {
        match v.map(str::trim).filter(|v| !v.is_empty()) {
            None => Ok(0),
            Some(v) => v.parse::<u16>().map_err(|_| PluginError::Setting {
                name,
                value: v.to_string(),
                expected: "a port number from 0 to 65535",
            }),
        }
    };
    let (lo, hi) = (
        parse("PLUGIN_MIN_PORT", min)?,
        parse("PLUGIN_MAX_PORT", max)?,
    );
    if lo > hi {
        return Err(PluginError::Setting {
            name: "PLUGIN_MIN_PORT",
            value: lo.to_string(),
            expected: "a port not greater than PLUGIN_MAX_PORT",
        });
    }
    Ok(lo..=hi)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn switch_accepts_documented_spellings_and_refuses_the_rest() {
        for off in [None, Some(""), Some("0"), Some("false"), Some("FALSE")] {
            assert!(!tcp_selected(off).expect("valid"), "{off:?}");
        }
        for on in [Some("1"), Some("true"), Some(" True ")] {
            assert!(tcp_selected(on).expect("valid"), "{on:?}");
        }
        let err = tcp_selected(Some("yes")).expect_err("refused").to_string();
        assert!(err.contains(TCP_SWITCH) && err.contains("yes"), "{err}");
    }

    #[test]
    fn port_range_defaults_to_any_and_checks_order_and_numbers() {
        assert_eq!(port_range(None, None).expect("ok"), 0..=0);
        assert_eq!(
            port_range(Some("10000"), Some("25000")).expect("ok"),
            10000..=25000
        );
        let err = port_range(Some("9"), Some("8"))
            .expect_err("min > max")
            .to_string();
        assert!(err.contains("PLUGIN_MIN_PORT"), "{err}");
        let err = port_range(Some("1"), Some("70000"))
            .expect_err("too big")
            .to_string();
        assert!(
            err.contains("PLUGIN_MAX_PORT") && err.contains("70000"),
            "{err}"
        );
    }

    #[tokio::test]
    async fn tcp_binds_loopback_within_the_range_and_skips_taken_ports() {
        let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = taken.local_addr().expect("addr").port();
        let l = PluginListener::bind_tcp(port..=port.saturating_add(50))
            .await
            .expect("a free port after the taken one");
        assert_eq!(l.network(), "tcp");
        let addr: SocketAddr = l.address().parse().expect("host:port");
        assert!(addr.ip().is_loopback());
        assert!(addr.port() > port && addr.port() <= port.saturating_add(50));
        let err = PluginListener::bind_tcp(port..=port)
            .await
            .err()
            .expect("only a taken port");
        assert!(err.to_string().contains(&port.to_string()), "{err}");
    }
}
