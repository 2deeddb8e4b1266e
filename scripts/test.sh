#!/usr/bin/env bash
# Runs every test: unit tests, simulator contract tests, client tests, and the acceptance
# tests that drive the real Terraform CLI (1.0.3, installed here, plus any other on PATH), and
# the contract suite that drives genesys-sim with the official Genesys Python SDK (installed here).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
./scripts/install-terraform.sh
./scripts/install-sdk.sh
./scripts/install-null-provider.sh
# Formatting and lints first, so a style slip fails in seconds rather than after the suite:
# every target with the production feature set, then the fuzz entry points (`fuzzing`).
cargo fmt --check
cargo clippy --locked --all-targets -- -D warnings
cargo clippy --locked --features fuzzing --lib --test fuzz_short_run -- -D warnings
# One shared build: the acceptance tests use these binaries rather than building their own.
cargo build --locked --bins
# The short fuzz run needs the `fuzzing` feature (its entry points are not in the released
# binaries); it runs before the rest so that the suite below tests the production build.
cargo test --locked --features fuzzing --test fuzz_short_run
cargo test --locked --lib --bins --tests "$@"
