//! genesys-sim: a local simulator of the Genesys Cloud Scripts API (login, api and apps paths
//! on one address). Implements the API on its own types; imports nothing from `genesys/`.
//!
//! [`start`] binds, loads the state file if any, and serves until the returned [`SimHandle`]
//! is dropped. The binary `genesys-sim` is a thin wrapper around it.
//!
//! Layers, each naming only those before it: `clock`, `errors`, `conn` and `readings` (the
//! undocumented behaviours' readings) (leaves); `store`
//! (the model: orgs, scripts, audit entries, consumers) and `config`; `views` (the JSON of the
//! store); `auth`, `permissions`, `faults` and `stats` (middleware); `api/` (one handler file
//! per resource); `server` (router and accept loop) with `control` and `outside` (`/_sim/`).
//! `kind` is the one table of endpoints: to add an endpoint, add a `Kind` arm there and its
//! handler in `api/` (the router's exhaustive match then asks for it).

pub mod config;
pub mod errors;
pub mod readings;
pub mod store;

mod api;
mod auth;
mod clock;
mod conn;
mod control;
mod faults;
mod kind;
mod outside;
mod permissions;
mod persist;
mod server;
mod stats;
mod views;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard, RwLock};

use rand::rngs::StdRng;
use rand::SeedableRng;
use tokio::sync::watch;

pub use config::{Knobs, KnobsPatch, OrgConfig, SimConfig};
pub use readings::{ExportDefault, ImportStorage, NameFilter, DEFAULT_IMPORT_STORAGE};

/// Errors starting or configuring the simulator.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    #[error("invalid configuration: {0}")]
    Config(String),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("cannot read state file {path}: {reason}")]
    StateLoad { path: String, reason: String },
    #[error("cannot write state file {path}: {source}")]
    StateWrite {
        path: String,
        source: std::io::Error,
    },
}

/// A running simulator. Dropping it stops the server.
pub struct SimHandle {
    base_url: String,
    addr: SocketAddr,
    shutdown: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl SimHandle {
    /// The base URL serving login, api and apps paths, e.g. `http://127.0.0.1:43123`.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The bound socket address.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Waits until the server task ends (it ends only on shutdown).
    pub async fn wait(&mut self) {
        let _ = (&mut self.task).await;
    }
}

impl Drop for SimHandle {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
        self.task.abort();
    }
}

/// State shared by every handler.
pub(crate) struct Shared {
    store: Mutex<store::Store>,
    knobs: RwLock<Knobs>,
    orgs: Vec<OrgConfig>,
    limiter: Mutex<faults::FixedWindows>,
    token_limiter: Mutex<faults::FixedWindows>,
    rng: Mutex<StdRng>,
    stats: Mutex<stats::Stats>,
    persister: Option<persist::Persister>,
    base_url: String,
    /// Time of the last dependency build (start-up, or the last `POST .../build`).
    dependency_built_ms: Mutex<i64>,
}

pub(crate) type AppState = Arc<Shared>;

/// Locks a mutex, recovering from poisoning (a panicked holder leaves consistent data here).
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Shared {
    pub(crate) fn knobs(&self) -> Knobs {
        self.knobs
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    pub(crate) fn set_knobs(&self, k: Knobs) {
        *self
            .knobs
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = k;
    }

    pub(crate) fn store(&self) -> MutexGuard<'_, store::Store> {
        lock(&self.store)
    }

    /// Writes the state file (if configured) with the current store; logs failures.
    pub(crate) async fn persist(&self) {
        if let Some(p) = &self.persister {
            let snapshot = {
                let s = self.store();
                p.snapshot(&s)
            };
            if let Err(e) = p.write(snapshot).await {
                tracing::error!(error = %e, "state file not written");
            }
        }
    }
}

/// Starts the simulator on `config.listen`.
pub async fn start(config: SimConfig) -> Result<SimHandle, SimError> {
    config.knobs.validate()?;
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|source| SimError::Bind {
            addr: config.listen,
            source,
        })?;
    serve(config, listener).await
}

/// Starts the simulator on an already bound `listener` (`config.listen` is ignored).
pub async fn serve(
    config: SimConfig,
    listener: tokio::net::TcpListener,
) -> Result<SimHandle, SimError> {
    config.knobs.validate()?;
    let orgs = if config.orgs.is_empty() {
        vec![OrgConfig::demo()]
    } else {
        config.orgs.clone()
    };
    let mut names = std::collections::HashSet::new();
    let mut clients = std::collections::HashSet::new();
    for o in &orgs {
        if !names.insert(o.name.clone()) || !clients.insert(o.client_id.clone()) {
            return Err(SimError::Config(format!(
                "duplicate org name or client id in org {}",
                o.name
            )));
        }
    }
    let persister = config.state_file.clone().map(persist::Persister::new);
    let mut store = match &persister {
        Some(p) => p.load()?.unwrap_or_default(),
        None => store::Store::default(),
    };
    store.ensure_orgs(&orgs);

    let addr = listener.local_addr().map_err(|source| SimError::Bind {
        addr: config.listen,
        source,
    })?;
    let base_url = format!("http://{addr}");
    let rng = match config.seed {
        Some(s) => StdRng::seed_from_u64(s),
        None => StdRng::from_os_rng(),
    };
    let shared = Arc::new(Shared {
        store: Mutex::new(store),
        knobs: RwLock::new(config.knobs.clone()),
        orgs,
        limiter: Mutex::new(faults::FixedWindows::default()),
        token_limiter: Mutex::new(faults::FixedWindows::default()),
        rng: Mutex::new(rng),
        stats: Mutex::new(stats::Stats::default()),
        persister,
        base_url: base_url.clone(),
        dependency_built_ms: Mutex::new(clock::now_ms()),
    });
    shared.persist().await;
    let app = server::router(shared.clone());
    let (tx, rx) = watch::channel(false);
    let task = tokio::spawn(server::serve(listener, app, shared, rx));
    tracing::info!(%base_url, "genesys-sim listening");
    Ok(SimHandle {
        base_url,
        addr,
        shutdown: tx,
        task,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn start_refuses_duplicate_orgs() {
        let cfg = SimConfig {
            orgs: vec![OrgConfig::demo(), OrgConfig::demo()],
            ..SimConfig::default()
        };
        assert!(matches!(start(cfg).await, Err(SimError::Config(_))));
    }
}
