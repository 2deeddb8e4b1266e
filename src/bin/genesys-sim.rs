//! genesys-sim: a local simulator of the Genesys Cloud Scripts API (login, api and apps paths
//! on one address). Thin wrapper: parses flags into a `SimConfig`, starts `tpg::sim`, prints the
//! base URL as the only stdout line, and serves until interrupted. Logs go to stderr.

#![forbid(unsafe_code)]

use std::io::{IsTerminal, Write};
use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Parser;
use tpg::sim::DEFAULT_IMPORT_STORAGE;
use tpg::sim::{ExportDefault, ImportStorage, Knobs, NameFilter, OrgConfig, SimConfig};

/// Local simulator of the Genesys Cloud Scripts API.
///
/// Prints its base URL (e.g. http://127.0.0.1:43123) on stdout, then serves login
/// (/oauth/token), api (/api/v2/...), apps (/uploads/v2/scripter), downloads and the
/// test-control API (/_sim/...) on that one address. See docs/genesys-sim.md.
#[derive(Debug, Parser)]
#[command(name = "genesys-sim", version)]
struct Args {
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, default_value = "127.0.0.1:0")]
    listen: SocketAddr,
    /// Organisation as NAME:CLIENT_ID:CLIENT_SECRET (repeatable). Default: demo:demo-client:demo-secret.
    #[arg(long = "org", value_name = "NAME:CLIENT_ID:CLIENT_SECRET")]
    orgs: Vec<String>,
    /// Delay added before each api, apps and download request, in milliseconds.
    #[arg(long, default_value_t = 0)]
    latency_ms: u64,
    /// Requests per minute per bearer token (fixed one-minute windows); 0 = unlimited.
    #[arg(long, default_value_t = 300)]
    rate_limit: u32,
    /// Time an upload stays "processing" before it is applied, in milliseconds.
    #[arg(long, default_value_t = 0)]
    upload_delay_ms: u64,
    /// Time a new or renamed script stays absent from name-filtered listings, in milliseconds.
    #[arg(long, default_value_t = 0)]
    index_lag_ms: u64,
    /// Time unfiltered listings (no name filter) lag behind writes, in milliseconds: a script
    /// created within it is absent, one updated within it shows its previous version.
    #[arg(long, default_value_t = 0)]
    unfiltered_index_lag_ms: u64,
    /// Time after an upload during which GET by id and exports without versionId serve the
    /// previous version (404 for a new script), in milliseconds.
    #[arg(long, default_value_t = 0)]
    stale_read_ms: u64,
    /// Fraction (0..1) of api/apps/download requests answered 500 or 503 without effect.
    #[arg(long, default_value_t = 0.0)]
    fault_rate: f64,
    /// Fraction (0..1) of api/apps/download requests whose connection is closed unanswered.
    #[arg(long, default_value_t = 0.0)]
    drop_rate: f64,
    /// Lifetime of access tokens, in seconds.
    #[arg(long, default_value_t = 86_400)]
    token_lifetime_s: u64,
    /// Token requests per minute per client id; 0 = unlimited. Over it: 400 invalid_request.
    #[arg(long, default_value_t = 0)]
    token_rate_limit: u32,
    /// Send this Retry-After (seconds) with every 429 instead of the time left in the window.
    #[arg(long)]
    retry_after_s: Option<u64>,
    /// Refuse a request kind with 403 missing.any.permissions naming PERMISSION, as for an
    /// OAuth client whose roles lack it (repeatable), e.g. publish=scripter:publishedScript:add.
    #[arg(long = "deny", value_name = "KIND=PERMISSION")]
    denied: Vec<String>,
    /// Status of the Architect dependency build (GET /api/v2/architect/dependencytracking/build):
    /// OPERATIONAL, OPERATIONALNEEDSREBUILD, BUILDINPROGRESS, NOTBUILT, ...
    #[arg(long, default_value = "OPERATIONAL")]
    dependency_status: String,
    /// How an upload stores the document: verbatim (as uploaded), mint-ids (every page gets an
    /// id, a missing startPageId the first page's) or add-defaults (mint-ids plus default page
    /// properties, missing sections and dataVersion).
    #[arg(long, default_value_t = DEFAULT_IMPORT_STORAGE)]
    import_storage: ImportStorage,
    /// A publish also saves a new editable version (the editable versionId moves on).
    #[arg(long)]
    publish_saves_version: bool,
    /// Which version an export without versionId serves: editable or published.
    #[arg(long, default_value_t = ExportDefault::Editable)]
    export_default: ExportDefault,
    /// How the name filter of the script listings matches: substring or exact.
    #[arg(long, default_value_t = NameFilter::Substring)]
    name_filter: NameFilter,
    /// For this long after an upload, its status answers 404, in milliseconds.
    #[arg(long, default_value_t = 0)]
    upload_status_404_ms: u64,
    /// Download links need the bearer token of their org (401 without it).
    #[arg(long)]
    download_needs_token: bool,
    /// State file: loaded at start if present, rewritten atomically after every change.
    #[arg(long)]
    state_file: Option<PathBuf>,
    /// Seed of the random source behind faults and drops.
    #[arg(long)]
    seed: Option<u64>,
}

impl Args {
    fn into_config(self) -> anyhow::Result<SimConfig> {
        let orgs = self
            .orgs
            .iter()
            .map(|s| OrgConfig::parse(s))
            .collect::<Result<Vec<_>, _>>()?;
        let denied = self
            .denied
            .iter()
            .map(|spec| {
                spec.split_once('=')
                    .map(|(k, p)| (k.trim().to_string(), p.trim().to_string()))
                    .ok_or_else(|| anyhow::anyhow!("--deny expects KIND=PERMISSION, got {spec:?}"))
            })
            .collect::<anyhow::Result<_>>()?;
        Ok(SimConfig {
            listen: self.listen,
            orgs,
            knobs: Knobs {
                latency_ms: self.latency_ms,
                rate_limit: self.rate_limit,
                upload_delay_ms: self.upload_delay_ms,
                index_lag_ms: self.index_lag_ms,
                unfiltered_index_lag_ms: self.unfiltered_index_lag_ms,
                stale_read_ms: self.stale_read_ms,
                fault_rate: self.fault_rate,
                drop_rate: self.drop_rate,
                token_lifetime_s: self.token_lifetime_s,
                token_rate_limit: self.token_rate_limit,
                retry_after_s: self.retry_after_s,
                fault_status: None,
                divisions: None,
                denied,
                dependency_status: self.dependency_status,
                import_storage: self.import_storage,
                publish_saves_version: self.publish_saves_version,
                export_default: self.export_default,
                name_filter: self.name_filter,
                upload_status_404_ms: self.upload_status_404_ms,
                download_needs_token: self.download_needs_token,
            },
            state_file: self.state_file,
            seed: self.seed,
        })
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    let config = Args::parse().into_config()?;
    let mut handle = tpg::sim::start(config).await?;
    {
        let mut out = std::io::stdout().lock();
        writeln!(out, "{}", handle.base_url())?;
        out.flush()?;
    }
    tokio::select! {
        _ = tokio::signal::ctrl_c() => tracing::info!("interrupted; shutting down"),
        _ = terminated() => tracing::info!("terminated; shutting down"),
        _ = handle.wait() => {}
    }
    Ok(())
}

/// Resolves on SIGTERM (never on platforms without it).
async fn terminated() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        if let Ok(mut s) = signal(SignalKind::terminate()) {
            s.recv().await;
            return;
        }
    }
    std::future::pending::<()>().await;
}
