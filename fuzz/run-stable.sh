#!/usr/bin/env bash
# Coverage-guided libFuzzer runs on the STABLE toolchain, without cargo-fuzz or nightly:
# SanitizerCoverage instrumentation is a stable codegen option; only the sanitizers (ASan)
# need nightly, and safe Rust panics are what we look for anyway.
#   fuzz/run-stable.sh [SECONDS_PER_TARGET] [TARGET...]
# New corpus entries go to target/fuzz-work/<target> (not committed); crashes to
# target/fuzz-work/artifacts/<target>/. Exit status is non-zero if any target crashed.
set -euo pipefail
cd "$(dirname "$0")"
secs="${1:-30}"; shift || true
triple="$(rustc -vV | sed -n 's/^host: //p')"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-../target/fuzz-sancov}"
export RUSTFLAGS="-Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 \
 -Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table \
 -Cllvm-args=-sanitizer-coverage-trace-compares --cfg fuzzing -Cdebug-assertions -Coverflow-checks"
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=($(ls fuzz_targets | sed 's/\.rs$//'))
fi
# --target keeps RUSTFLAGS off build scripts and proc macros (as cargo-fuzz does).
cargo build --release --target "$triple" $(printf -- '--bin %s ' "${targets[@]}")
work=../target/fuzz-work
failed=0
for t in "${targets[@]}"; do
  mkdir -p "$work/$t" "$work/artifacts/$t"
  if ! "$CARGO_TARGET_DIR/$triple/release/$t" "$work/$t" "corpus/$t" \
      -max_total_time="$secs" -rss_limit_mb=2048 -artifact_prefix="$work/artifacts/$t/" \
      > "$work/$t.log" 2>&1; then
    echo "CRASH in $t: see $work/$t.log and $work/artifacts/$t/"; failed=1
  else
    echo "$t: $(grep -E '^#[0-9]+.*DONE' "$work/$t.log" | tail -1)"
  fi
done
exit $failed
