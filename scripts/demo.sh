#!/usr/bin/env bash
# Main job (until the Genesys resource lands): build the provider and print its schema through
# the real Terraform CLI.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
./scripts/install-terraform.sh
cargo build --locked --bins
echo "demo: not wired yet" >&2
