#!/usr/bin/env bash
# Fleet: N = 10, 50, 100 orgs with one script each, against genesys-sim with --latency-ms 50,
# in three layouts: one fan-out state (for_each over the orgs of GENESYSCLOUD_ORGS_FILE), N
# per-org states one after another, and N per-org states 4 at a time. Per layout: apply
# (create), plan of the unchanged scripts, and Terraform's own time (plan and apply that send no
# request). Prints a Markdown table (wall time, requests by kind, 429s, API floor, Terraform's
# own time, wall/(floor + own)) and the ratio between the layouts, and checks the targets: the
# fan-out is within 1.2x of floor + Terraform's own time (with a latency: at 0 the floor is
# zero), every run exits 0, and at N = 1000 the fleet targets of docs/performance.md (provider
# peak RSS and CPU of `plan -refresh=false`, RSS and connections of the unchanged plan).
# Exit 1 on a miss.
# Usage: scripts/bench-fleet.sh   (env: BENCH_NS="10 50 100", BENCH_LAYOUTS="fanout sequential
#        parallel4", BENCH_LATENCY_MS=50, BENCH_OUT=results.json, TERRAFORM=path,
#        BENCH_PROFILE=release|debug: the provider build to measure, release by default;
#        BENCH_RATE_LIMIT=300 (0 = off); BENCH_PROVIDER_DIR=dir: measure the provider binary in
#        dir instead, e.g. a copy of an older build, without building)
# N = 1000, as in docs/performance.md "Fleet of 1,000 orgs":
#   BENCH_NS=1000 BENCH_LAYOUTS=fanout BENCH_LATENCY_MS=0 BENCH_RATE_LIMIT=0 \
#     TERRAFORM=$(command -v terraform) scripts/bench-fleet.sh
set -euo pipefail
cd "$(dirname "$0")/.."
TERRAFORM="${TERRAFORM:-$PWD/.tools/terraform-1.0.3/terraform}"
[ -x "$TERRAFORM" ] || { echo "no terraform at $TERRAFORM: run scripts/install-terraform.sh" >&2; exit 1; }
profile="${BENCH_PROFILE:-release}"
if [ "$profile" = release ]; then
  cargo build --release --quiet --bin terraform-provider-genesys --bin genesys-sim
else
  cargo build --quiet --bin terraform-provider-genesys --bin genesys-sim
fi
exec python3 scripts/bench_fleet.py "${BENCH_PROVIDER_DIR:-$PWD/target/$profile}" \
  "$PWD/target/$profile/genesys-sim" "$TERRAFORM"
