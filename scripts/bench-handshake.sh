#!/usr/bin/env bash
# Provider overhead: builds the release binary, then measures (1) the median time from exec to
# the handshake line over 20 launches with AutoMTLS (a P-521 CA:TRUE client certificate in
# PLUGIN_CLIENT_CERT, as go-plugin makes), (2) resident memory (VmRSS) right after the
# handshake, (3) the binary size. Targets: < 5 ms, < 10 MB RSS, < 15 MB binary.
# Usage: scripts/bench-handshake.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS="${1:-20}"
cargo build --release --quiet --bin terraform-provider-genesys
BIN="$PWD/target/release/terraform-provider-genesys"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-521 -sha512 -nodes \
  -keyout "$WORK/client.key" -out "$WORK/client.pem" -days 1 -subj "/O=HashiCorp/CN=localhost" \
  -addext "subjectAltName=DNS:localhost" -addext "basicConstraints=critical,CA:TRUE" \
  -addext "keyUsage=digitalSignature,keyEncipherment,keyAgreement,keyCertSign" \
  -addext "extendedKeyUsage=clientAuth,serverAuth" 2>/dev/null
python3 - "$BIN" "$WORK/client.pem" "$RUNS" <<'PY'
import os, statistics, subprocess, sys, time
binary, pem_path, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
env = dict(os.environ,
           TF_PLUGIN_MAGIC_COOKIE="d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2",
           PLUGIN_PROTOCOL_VERSIONS="5,6", PLUGIN_MIN_PORT="10000", PLUGIN_MAX_PORT="25000",
           PLUGIN_CLIENT_CERT=open(pem_path).read())
env.pop("TF_LOG", None); env.pop("TF_LOG_PROVIDER", None)
times, rss = [], []
for _ in range(runs):
    start = time.perf_counter()
    p = subprocess.Popen([binary], env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    line = p.stdout.readline()
    times.append((time.perf_counter() - start) * 1000)
    fields = line.decode().rstrip("\n").split("|")
    assert len(fields) == 6 and fields[:2] == ["1", "5"] and len(fields[5]) > 50, line
    with open(f"/proc/{p.pid}/status") as f:
        rss += [int(l.split()[1]) for l in f if l.startswith("VmRSS:")]
    p.kill(); p.wait()
print(f"handshake median: {statistics.median(times):.2f} ms (min {min(times):.2f}, max {max(times):.2f}, {runs} runs, AutoMTLS)")
print(f"RSS after handshake: median {statistics.median(rss)/1024:.1f} MB (max {max(rss)/1024:.1f} MB)")
PY
SIZE=$(stat -c %s "$BIN")
echo "binary size: $(awk -v s="$SIZE" 'BEGIN{printf "%.1f MB (%d bytes)", s/1048576, s}')"
