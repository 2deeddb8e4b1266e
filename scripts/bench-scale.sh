#!/usr/bin/env bash
# Scale: builds the release provider and genesys-sim, then for N = 10, 100, 500 scripts
# measures `terraform apply` (create N), `terraform plan` (N unchanged, refresh on),
# `terraform plan -refresh=false` and `terraform apply -refresh=false` of a Terraform-side-only
# change (no API request: Terraform's own time for N resources) and `terraform apply` (N content
# changes) against genesys-sim with --latency-ms 50, at the default 300 requests/minute per
# token and unlimited. Prints a Markdown table (wall time, requests by kind, 429s, the API floor,
# wall/floor, Terraform's own time, wall/(floor + own)) and checks the targets:
# wall <= 1.2x (floor + Terraform's own time); a plan of N >= 4 unchanged scripts sends
# ceil(N/100) listing pages and no GET (fewer scripts: one GET each) and gets no 429; a plan
# with one script edited out of band costs the listing plus that script's GET, export and
# download. Exit 1 on a miss.
# Usage: scripts/bench-scale.sh   (env: BENCH_MAX_N=100 to skip N=500, BENCH_NS="10 100 500",
#        BENCH_RATES="300 0", BENCH_LATENCY_MS=50, BENCH_OUT=results.json, TERRAFORM=path,
#        BENCH_FAST_CREATE=1 to create at unlimited rate, BENCH_PLANS_ONLY=1 to skip the applies
#        after the create)
set -euo pipefail
cd "$(dirname "$0")/.."
TERRAFORM="${TERRAFORM:-$PWD/.tools/terraform-1.0.3/terraform}"
[ -x "$TERRAFORM" ] || { echo "no terraform at $TERRAFORM: run scripts/install-terraform.sh" >&2; exit 1; }
cargo build --release --quiet --bin terraform-provider-genesys --bin genesys-sim
exec python3 scripts/bench_scale.py "$PWD/target/release" "$PWD/target/release/genesys-sim" "$TERRAFORM"
