#!/usr/bin/env python3
"""Scale benchmark driver (called by scripts/bench-scale.sh; not a test).

For each rate limit (300 rpm, then unlimited) and each N, against a fresh genesys-sim with
--latency-ms 50: `terraform apply` creating N scripts, `terraform plan` of N unchanged scripts
(refresh on), `terraform plan -refresh=false` (no API request: Terraform's own time for N
resources), `terraform apply -refresh=false` of a Terraform-side change (deploy_id; no request:
Terraform's own time for an apply of N), `terraform apply` of N content changes. Each phase: wall time, requests by kind
and 429s from GET /_sim/stats (reset before each phase), and the API floor
max(rate-limited requests / rate, requests x latency / parallelism, one script's chain of
dependent requests x latency).

A "plan, one drifted" phase follows the unchanged plan: one script is edited out of band
(through the simulator's control API, not counted) and the plan must show it (exit 2).

Usage: bench_scale.py PROVIDER_DIR SIM_BIN TERRAFORM  (env: BENCH_NS="10 100 500",
BENCH_MAX_N, BENCH_RATES="300 0", BENCH_LATENCY_MS=50, BENCH_OUT=results.json,
BENCH_FAST_CREATE=1 to create at unlimited rate, BENCH_PLANS_ONLY=1 to skip the applies
after the create: the plans of a large N at 300 rpm without a 13-minute update)
"""
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request

PROVIDER_DIR, SIM_BIN, TERRAFORM = sys.argv[1], sys.argv[2], sys.argv[3]
LATENCY_MS = int(os.environ.get("BENCH_LATENCY_MS", "50"))
NS = [int(n) for n in os.environ.get("BENCH_NS", "10 100 500").split()]
MAX_N = int(os.environ.get("BENCH_MAX_N", "0") or 0)
if MAX_N:
    NS = [n for n in NS if n <= MAX_N]
RATES = [int(r) for r in os.environ.get("BENCH_RATES", "300 0").split()]
PARALLELISM = 10
FAST_CREATE = os.environ.get("BENCH_FAST_CREATE") == "1"
PLANS_ONLY = os.environ.get("BENCH_PLANS_ONLY") == "1"
PAGE_SIZE = 100
DRIFT = "plan, one drifted"
SOURCE = "registry.terraform.io/local/genesys"
OWN_PLAN = "plan -refresh=false"
OWN_APPLY = "apply -refresh=false, deploy_id only"
# Requests the per-token rate limit does not count: login and presigned downloads.
UNLIMITED_KINDS = {"token", "download"}


def sim_request(url, method="GET", body=None):
    data = json.dumps(body).encode() if body is not None else (b"" if method != "GET" else None)
    req = urllib.request.Request(url, method=method, data=data,
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        body = r.read()
    return json.loads(body) if body.strip() else {}


def script_doc(n, text):
    return json.dumps({
        "name": f"bench {n}",
        "pages": [{
            "id": "6b0c1a4e-2f7d-4d8e-9a51-0c1d2e3f4a5b",
            "name": "Start",
            "properties": {"onLoadAction": {"actions": []}},
            "rootContainer": {"type": "verticalStackContainer", "properties": {}, "children": [
                {"type": "text", "properties": {"text": text}}]},
        }],
        "features": {"scripter": {"properties": {}}},
        "variables": [], "customActions": [],
    })


def write_config(wd, url, n, revision, rate, deploy="a"):
    # One resource block with count: content differs per script and per revision.
    with open(os.path.join(wd, "main.tf"), "w") as f:
        f.write(f"""terraform {{
  required_providers {{
    genesys = {{ source = "{SOURCE.split('/', 1)[1]}" }}
  }}
}}
provider "genesys" {{
  api_url            = "{url}"
  oauthclient_id     = "demo-client"
  oauthclient_secret = "demo-secret"
  # The provider paces itself to the org's limit; tell it the server's (0 = unlimited).
  requests_per_minute = {rate}
}}
resource "genesys_script_template" "s" {{
  count   = {n}
  name    = "bench-${{count.index}}"
  content = replace(file("${{path.module}}/script.json"), "__N__", tostring(count.index))
  # Terraform-side only: changing it plans N updates that send no request.
  deploy_id = "{deploy}"
}}
""")
    with open(os.path.join(wd, "script.json"), "w") as f:
        f.write(script_doc("__N__", f"script __N__ revision {revision}"))


def terraform(wd, *args):
    env = dict(os.environ, TF_CLI_CONFIG_FILE=os.path.join(wd, "dev.tfrc"),
               CHECKPOINT_DISABLE="1", TF_IN_AUTOMATION="1")
    for k in ("TF_LOG", "TF_LOG_PROVIDER", "TF_CLI_ARGS", "TF_WORKSPACE"):
        env.pop(k, None)
    start = time.monotonic()
    p = subprocess.run([TERRAFORM, *args], cwd=wd, env=env, capture_output=True, text=True)
    return time.monotonic() - start, p


def floor_of(stats, rate, n):
    kinds = {k: v for k, v in stats.items() if not k.isdigit() and k not in ("dropped", "connections")}
    total = sum(kinds.values())
    limited = sum(v for k, v in kinds.items() if k not in UNLIMITED_KINDS)
    by_rate = limited / (rate / 60.0) if rate else 0.0
    by_latency = total * LATENCY_MS / 1000.0 / PARALLELISM
    # Each script's requests depend on one another (the login, then lookup -> upload -> status
    # -> ... -> publish), so no parallelism shortens one script's chain.
    tokens = kinds.get("token", 0)
    chain = tokens + (total - tokens) / n if total else 0
    by_chain = chain * LATENCY_MS / 1000.0
    return kinds, total, max(by_rate, by_latency, by_chain)


def edit_one(url, n):
    """Someone edits script bench-0 in the Genesys UI (the simulator's control API)."""
    scripts = sim_request(f"{url}/_sim/orgs/demo/scripts")
    script_id = next(s["id"] for s in scripts if s["name"] == "bench-0")
    doc = json.loads(script_doc(0, "edited out of band"))
    doc["name"] = "bench-0"  # the edit keeps the script's name
    sim_request(f"{url}/_sim/orgs/demo/edits", "POST",
                {"script_id": script_id, "document": doc, "user": {"id": "u1", "name": "Bench"}})


def run_case(rate, n):
    sim = subprocess.Popen([SIM_BIN, "--listen", "127.0.0.1:0", "--latency-ms", str(LATENCY_MS),
                            "--rate-limit", str(rate)],
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    rows = []
    try:
        url = sim.stdout.readline().strip()
        assert url.startswith("http://"), url
        with tempfile.TemporaryDirectory(prefix="tpg-bench-") as wd:
            with open(os.path.join(wd, "dev.tfrc"), "w") as f:
                f.write(f'provider_installation {{\n  dev_overrides {{\n    "{SOURCE}" = "{PROVIDER_DIR}"\n  }}\n}}\n')
            apply = ["apply", "-input=false", "-no-color", "-auto-approve"]
            phases = [
                ("create", 0, "a", apply, {0}),
                ("plan unchanged", 0, "a", ["plan", "-input=false", "-no-color", "-detailed-exitcode"], {0}),
                (DRIFT, 0, "a", ["plan", "-input=false", "-no-color", "-detailed-exitcode"], {2}),
                # No API request at all: Terraform's and the provider processes' own time for a
                # plan of N, then for an apply of N updates (deploy_id is Terraform-side only).
                (OWN_PLAN, 0, "a", ["plan", "-input=false", "-no-color", "-detailed-exitcode",
                                    "-refresh=false"], {0}),
                (OWN_APPLY, 0, "b", apply + ["-refresh=false"], {0}),
                ("update content", 1, "b", apply, {0}),
            ]
            if PLANS_ONLY:
                phases = [p for p in phases if p[0] == "create" or p[3][0] == "plan"]
            own = {}
            for name, revision, deploy, args, ok_codes in phases:
                # BENCH_FAST_CREATE=1: create at unlimited rate (not measured against the floor),
                # to reach the plan and update phases of a large N sooner.
                fast = FAST_CREATE and name == "create" and rate
                if fast:
                    sim_request(f"{url}/_sim/knobs", "PUT", {"rate_limit": 0})
                write_config(wd, url, n, revision, 0 if fast else rate, deploy)
                if name == DRIFT:
                    edit_one(url, n)
                sim_request(f"{url}/_sim/stats/reset", "POST")
                wall, p = terraform(wd, *args)
                stats = sim_request(f"{url}/_sim/stats")
                if fast:
                    sim_request(f"{url}/_sim/knobs", "PUT", {"rate_limit": rate})
                    name = "create (at unlimited rate)"
                if p.returncode not in ok_codes:
                    sys.stderr.write(f"{name} N={n} rate={rate}: exit {p.returncode}\n"
                                     f"{p.stdout[-3000:]}\n{p.stderr[-3000:]}\n")
                kinds, total, floor = floor_of(stats, 0 if fast else rate, n)
                if name in (OWN_PLAN, OWN_APPLY):
                    own[name] = wall
                # Terraform's own time for this kind of run, measured in this case (the create
                # runs first, so it borrows the later no-op apply's figure, filled in below).
                own_time = own.get(OWN_PLAN if args[0] == "plan" else OWN_APPLY)
                row = {"rate": 0 if fast else rate, "n": n, "phase": name, "wall": wall, "exit": p.returncode,
                       "exit_ok": p.returncode in ok_codes,
                       "kinds": kinds, "requests": total, "429": stats.get("429", 0),
                       "floor": floor, "ratio": wall / floor if floor else None,
                       "own": own_time, "apply": args[0] == "apply"}
                rows.append(row)
            for row in rows:
                if row["own"] is None and row["floor"]:
                    row["own"] = own.get(OWN_APPLY if row["apply"] else OWN_PLAN)
                if row["own"] is not None and row["floor"]:
                    row["net_ratio"] = row["wall"] / (row["floor"] + row["own"])
                print(format_row(row), flush=True)
    finally:
        sim.terminate()
        sim.wait()
    return rows


KIND_ABBR = [("token", "tok"), ("list_scripts", "list"), ("upload", "up"),
             ("upload_status", "st"), ("get_script", "get"), ("export", "exp"),
             ("download", "dl"), ("get_published", "getpub"), ("publish", "pub"),
             ("division", "div"), ("delete", "del")]


def kinds_text(kinds):
    parts = [f"{abbr} {kinds[k]}" for k, abbr in KIND_ABBR if kinds.get(k)]
    parts += [f"{k} {v}" for k, v in sorted(kinds.items()) if v and k not in dict(KIND_ABBR)]
    return ", ".join(parts)


HEADER = ("| rate (rpm) | N | phase | wall (s) | requests (by kind) | 429s | floor (s) | wall/floor "
          "| Terraform's own (s) | wall/(floor + own) |\n"
          "|---|---|---|---|---|---|---|---|---|---|")


def format_row(r):
    ratio = f"{r['ratio']:.2f}" if r["ratio"] else "-"
    net = f"{r['net_ratio']:.2f}" if r.get("net_ratio") else "-"
    own = f"{r['own']:.1f}" if r.get("own") is not None and r["floor"] else "-"
    rate = r["rate"] or "unlimited"
    ex = "" if r["exit"] == 0 else f" (exit {r['exit']})"
    return (f"| {rate} | {r['n']} | {r['phase']}{ex} | {r['wall']:.1f} | {r['requests']} "
            f"({kinds_text(r['kinds'])}) | {r['429']} | {r['floor']:.1f} | {ratio} | {own} | {net} |")


def check(rows):
    """The targets; returns the list of misses."""
    misses = []
    for r in rows:
        tag = f"rate={r['rate'] or 'unlimited'} N={r['n']} {r['phase']}"
        if not r.get("exit_ok", r["exit"] == 0):
            misses.append(f"{tag}: terraform exited {r['exit']}")
        pages = -(-r["n"] // PAGE_SIZE)
        # Fewer than 4 scripts are read by id (one GET each); more share the listing.
        listed = r["n"] >= 4
        if r["phase"] == "plan unchanged":
            if r["429"]:
                misses.append(f"{tag}: {r['429']} 429s (target 0)")
            gets = r["kinds"].get("get_script", 0)
            lists = r["kinds"].get("list_scripts", 0)
            api = sum(v for k, v in r["kinds"].items() if k not in ("token",))
            want = (pages, 0) if listed else (0, r["n"])
            if (lists, gets) != want or api != sum(want):
                misses.append(f"{tag}: {api} api requests ({lists} listing pages, {gets} GETs by id) "
                              f"for {r['n']} scripts (target {want[0]} listing pages, {want[1]} GETs)")
        if r["phase"] == DRIFT and listed:
            k = r["kinds"]
            got = tuple(k.get(x, 0) for x in ("list_scripts", "get_script", "export", "download"))
            if got != (pages, 1, 1, 1):
                misses.append(f"{tag}: (listing pages, GETs, exports, downloads) = {got} "
                              f"(target ({pages}, 1, 1, 1))")
        if r["phase"] in (OWN_PLAN, OWN_APPLY) and r["requests"]:
            misses.append(f"{tag}: {r['requests']} requests (target 0: Terraform-side only)")
        # The API floor cannot include Terraform's own time for N resources, measured in the
        # same case by the two runs that send no request; the target applies to the provider's
        # part. The plain wall/floor is printed beside it.
        net = r.get("net_ratio")
        if net and net > 1.2:
            misses.append(f"{tag}: wall/(floor + Terraform's own) {net:.2f} (target <= 1.2)")
    return misses


def main():
    print(HEADER, flush=True)
    rows = []
    for rate in RATES:
        for n in NS:
            rows += run_case(rate, n)
    out = os.environ.get("BENCH_OUT")
    if out:
        with open(out, "w") as f:
            json.dump(rows, f, indent=1)
    misses = check(rows)
    print()
    for r in rows:
        if r["phase"] in ("plan unchanged", DRIFT):
            print(f"{r['phase']}, rate={r['rate'] or 'unlimited'} N={r['n']}: "
                  f"{r['kinds'].get('list_scripts', 0)} listing pages, "
                  f"{r['kinds'].get('get_script', 0)} GETs by id, {r['429']} 429s")
    print("targets: " + ("all met" if not misses else "MISSED:\n  " + "\n  ".join(misses)))
    return 1 if misses else 0


if __name__ == "__main__":
    sys.exit(main())
