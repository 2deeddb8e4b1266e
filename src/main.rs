//! terraform-provider-genesys: the binary Terraform launches. Thin: logging to stderr first,
//! the magic-cookie check, then the plugin server around `tpg::provider::new_provider()`.

#![forbid(unsafe_code)]

use std::process::ExitCode;
use tpg::plugin::{cookie, logging, serve, Mode};
use tpg::provider::{new_provider, PROVIDER_SOURCE};

/// jemalloc instead of the system allocator: every RPC decodes and encodes a few hundred small
/// values, and with glibc's malloc the allocations cost more than the work (at 1,000
/// instances a plan spent a quarter of its CPU in malloc and free); jemalloc halves that for
/// about 1.5 MB more peak memory (docs/performance.md, "Fleet of 1,000 orgs").
#[cfg(unix)]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() -> ExitCode {
    // Before anything else: nothing but the handshake line may ever reach stdout.
    logging::init();
    let mut debug = false;
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "--debug" => debug = true,
            "--version" | "-v" => {
                println!("terraform-provider-genesys {}", env!("CARGO_PKG_VERSION"));
                return ExitCode::SUCCESS;
            }
            "--help" | "-h" => {
                eprint!("{}", cookie::not_a_plugin_message(PROVIDER_SOURCE));
                eprintln!("\nOptions:\n  --debug    serve without Terraform launching it; prints TF_REATTACH_PROVIDERS\n  --version  print the version");
                return ExitCode::SUCCESS;
            }
            other => {
                eprintln!("terraform-provider-genesys: unknown argument {other:?} (try --help)");
                return ExitCode::from(2);
            }
        }
    }
    let mode = if debug {
        Mode::Debug {
            provider_source: PROVIDER_SOURCE.to_string(),
        }
    } else {
        if !cookie::launched_by_terraform(std::env::var(cookie::MAGIC_COOKIE_KEY).ok().as_deref()) {
            eprint!("{}", cookie::not_a_plugin_message(PROVIDER_SOURCE));
            return ExitCode::FAILURE;
        }
        Mode::Managed
    };
    // One thread: the provider's work is waiting on Terraform and on the API, and Terraform's
    // `-parallelism` calls interleave on it. A multi-thread runtime woke a second thread for
    // almost every RPC, which cost more CPU than the RPC itself (docs/performance.md).
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            tracing::error!(error = %e, "cannot start the async runtime");
            eprintln!("terraform-provider-genesys: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(serve(new_provider(), mode));
    // Don't wait for lingering tasks (open streams, provider HTTP calls): exit promptly.
    runtime.shutdown_timeout(std::time::Duration::from_millis(100));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = %e, "plugin server failed");
            eprintln!("terraform-provider-genesys: {e}");
            ExitCode::FAILURE
        }
    }
}
