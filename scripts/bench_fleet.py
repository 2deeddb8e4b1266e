#!/usr/bin/env python3
"""Fleet benchmark driver (called by scripts/bench-fleet.sh; not a test).

For each N (10, 50, 100 orgs, one script each), against a fresh genesys-sim with N orgs and
--latency-ms 50 (300 requests per minute per token, the default), three layouts:

- fan-out: one state, `for_each` over the N orgs of `orgs` (read from GENESYSCLOUD_ORGS_FILE);
- per-org, sequential: N states (one working directory per org), run one after another;
- per-org, 4 at a time: the same N states, 4 Terraform runs at once.

Phases per layout: `apply` creating the scripts, `plan` of the unchanged scripts (refresh on),
then `plan -refresh=false` and `apply -refresh=false` of a Terraform-side change (deploy_id):
neither sends a request, so their wall time is Terraform's own time for that layout. Requests
by kind and 429s come from GET /_sim/stats (reset before each phase). The API floor reuses
bench_scale.py's approach, with the rate limit per org (each org has its own token, and the
window admits 300 at once, so it cannot bind for one script per org) and the
lanes a layout can run in parallel (10 = -parallelism for the fan-out, 1 or 4 for per-org
states, which hold one script each).

The provider runs under a small wrapper (provider_wrapper.py, put first in the dev_overrides
directory) that waits for it and appends the process's peak RSS (ru_maxrss, the kernel's VmHWM)
and CPU time (user + system) to a file: each phase prints the largest peak RSS of the provider
processes Terraform started and their summed CPU. `connections` is genesys-sim's count of
accepted connections.

Targets: the fan-out within 1.2x of floor + Terraform's own time (only with a latency), every
run exits 0, and at N = 1000 the fleet targets (FLEET_TARGETS). Exit 1 on a miss.

Usage: bench_fleet.py PROVIDER_DIR SIM_BIN TERRAFORM  (env: BENCH_NS="10 50 100",
BENCH_LAYOUTS="fanout sequential parallel4", BENCH_LATENCY_MS=50, BENCH_RATE_LIMIT=300 (0 =
off), BENCH_PHASES="create,plan unchanged,plan -refresh=false" (default: all four),
BENCH_OUT=results.json)
"""
import concurrent.futures
import json
import math
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
# bench_scale reads PROVIDER_DIR SIM_BIN TERRAFORM from sys.argv, the same as this script.
from bench_scale import (LATENCY_MS, PARALLELISM, SOURCE, UNLIMITED_KINDS,  # noqa: E402
                         kinds_text, script_doc, sim_request)

PROVIDER_DIR, SIM_BIN, TERRAFORM = sys.argv[1], sys.argv[2], sys.argv[3]
NS = [int(n) for n in os.environ.get("BENCH_NS", "10 50 100").split()]
LAYOUTS = os.environ.get("BENCH_LAYOUTS", "fanout sequential parallel4").split()
RATE = int(os.environ.get("BENCH_RATE_LIMIT", "300"))
# A subset of the phases, comma-separated by name (e.g. "create,plan unchanged"); all by default.
PHASES = [p for p in os.environ.get("BENCH_PHASES", "").split(",") if p]
WRAPPER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "provider_wrapper.py")
CONCURRENCY = {"fanout": 1, "sequential": 1, "parallel4": 4}
LAYOUT_NAME = {"fanout": "fan-out (1 state)", "sequential": "N states, one after another",
               "parallel4": "N states, 4 at a time"}
OWN_PLAN = "plan -refresh=false"
OWN_APPLY = "apply -refresh=false, deploy_id only"
REQUIRED = 'terraform {\n  required_providers {\n    genesys = { source = "local/genesys" }\n  }\n}\n'
RESOURCE = """resource "genesys_script_template" "greeting" {{
  {head}
  name          = "Standard Greeting"
  content       = file("${{path.module}}/greeting.json")
  substitutions = {subst}
  deploy_id     = "{deploy}"
}}
"""


def orgs(n):
    return [(f"org{i:03}", f"org{i:03}-client", f"org{i:03}-secret") for i in range(1, n + 1)]


def write_fanout(wd, url, n, deploy):
    with open(os.path.join(wd, "orgs.json"), "w") as f:
        json.dump({o: {"oauthclient_id": c, "oauthclient_secret": s, "api_url": url}
                   for o, c, s in orgs(n)}, f)
    customers = "".join(f'    {o} = {{ company = "{o} Corp" }}\n' for o, _, _ in orgs(n))
    with open(os.path.join(wd, "main.tf"), "w") as f:
        f.write(REQUIRED + 'provider "genesys" {}\n\nvariable "customer_orgs" {\n  default = {\n'
                + customers + "  }\n}\n\n"
                + RESOURCE.format(head="for_each      = var.customer_orgs\n  org           = each.key",
                                  subst="each.value", deploy=deploy))


def write_single(wd, url, org, deploy):
    o, c, s = org
    with open(os.path.join(wd, "main.tf"), "w") as f:
        f.write(REQUIRED + f'provider "genesys" {{\n  api_url            = "{url}"\n'
                f'  oauthclient_id     = "{c}"\n  oauthclient_secret = "{s}"\n}}\n\n'
                + RESOURCE.format(head="# one org per state", subst=f'{{ company = "{o} Corp" }}',
                                  deploy=deploy))


def wrapper_dir(root):
    """A dev_overrides directory whose provider binary is the measuring wrapper."""
    d = os.path.join(root, ".provider")
    os.makedirs(d, exist_ok=True)
    path = os.path.join(d, "terraform-provider-genesys")
    with open(path, "w") as f:
        f.write(f"#!/bin/sh\nexec {sys.executable} {WRAPPER} "
                f"{os.path.join(PROVIDER_DIR, 'terraform-provider-genesys')} \"$@\"\n")
    os.chmod(path, 0o755)
    return d


def usage_of(path):
    """(peak RSS in MB, CPU seconds) over the provider processes recorded in `path`."""
    rss, cpu = 0, 0.0
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                kb, secs = line.split()
                rss, cpu = max(rss, int(kb)), cpu + float(secs)
        os.remove(path)
    return rss / 1024.0, cpu


def prepare(wd, provider_dir):
    with open(os.path.join(wd, "dev.tfrc"), "w") as f:
        f.write(f'provider_installation {{\n  dev_overrides {{\n    "{SOURCE}" = "{provider_dir}"\n  }}\n}}\n')
    with open(os.path.join(wd, "greeting.json"), "w") as f:
        f.write(script_doc("greeting", "Hello from {{company}}"))


def terraform(wd, args, usage_file):
    env = dict(os.environ, TF_CLI_CONFIG_FILE=os.path.join(wd, "dev.tfrc"),
               CHECKPOINT_DISABLE="1", TF_IN_AUTOMATION="1", BENCH_USAGE_FILE=usage_file)
    for k in ("TF_LOG", "TF_LOG_PROVIDER", "TF_CLI_ARGS", "TF_WORKSPACE", "GENESYSCLOUD_ORGS_FILE"):
        env.pop(k, None)
    if os.path.exists(os.path.join(wd, "orgs.json")):  # the fan-out's orgs
        env["GENESYSCLOUD_ORGS_FILE"] = os.path.join(wd, "orgs.json")
    p = subprocess.run([TERRAFORM, *args], cwd=wd, env=env, capture_output=True, text=True)
    return p


def floor_of(stats, n, lanes):
    """API floor: max(per-org rate, all requests x latency / lanes, one org's chain)."""
    kinds = {k: v for k, v in stats.items() if not k.isdigit() and k not in ("dropped", "connections")}
    total = sum(kinds.values())
    limited = sum(v for k, v in kinds.items() if k not in UNLIMITED_KINDS)
    # One script per org and one token per org (and process): the rate limit is per org, and
    # it is a fixed one-minute window per token (docs/genesys-sim.md "Rate limits"), so an org
    # waits only for each full window its requests exceed (none with one script per org).
    by_rate = math.floor(max(limited / n - 1, 0) / RATE) * 60.0 if RATE else 0.0
    by_latency = total * LATENCY_MS / 1000.0 / lanes
    # One org's requests depend on one another (login, lookup, upload, status, ..., publish).
    by_chain = total / n * LATENCY_MS / 1000.0
    return kinds, total, max(by_rate, by_latency, by_chain)


def run_case(n, layout):
    args = [SIM_BIN, "--listen", "127.0.0.1:0", "--latency-ms", str(LATENCY_MS),
            "--rate-limit", str(RATE)]
    for o, c, s in orgs(n):
        args += ["--org", f"{o}:{c}:{s}"]
    sim = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    rows = []
    try:
        url = sim.stdout.readline().strip()
        assert url.startswith("http://"), url
        with tempfile.TemporaryDirectory(prefix="tpg-fleet-") as root:
            if layout == "fanout":
                dirs = [root]
            else:
                dirs = [os.path.join(root, o) for o, _, _ in orgs(n)]
                for d in dirs:
                    os.mkdir(d)
            provider_dir = wrapper_dir(root)
            usage_file = os.path.join(root, ".usage")
            for d in dirs:
                prepare(d, provider_dir)
            lanes = PARALLELISM if layout == "fanout" else CONCURRENCY[layout]
            apply = ["apply", "-input=false", "-no-color", "-auto-approve"]
            plan = ["plan", "-input=false", "-no-color", "-detailed-exitcode"]
            phases = [("create", "a", apply), ("plan unchanged", "a", plan),
                      (OWN_PLAN, "a", plan + ["-refresh=false"]),
                      (OWN_APPLY, "b", apply + ["-refresh=false"])]
            if PHASES:
                phases = [p for p in phases if p[0] in PHASES]
            own = {}
            for name, deploy, tf_args in phases:
                if layout == "fanout":
                    write_fanout(root, url, n, deploy)
                else:
                    for d, org in zip(dirs, orgs(n)):
                        write_single(d, url, org, deploy)
                sim_request(f"{url}/_sim/stats/reset", "POST")
                start = time.monotonic()
                with concurrent.futures.ThreadPoolExecutor(CONCURRENCY[layout]) as pool:
                    results = list(pool.map(lambda d: terraform(d, tf_args, usage_file), dirs))
                wall = time.monotonic() - start
                stats = sim_request(f"{url}/_sim/stats")
                rss, cpu = usage_of(usage_file)
                failed = [p for p in results if p.returncode != 0]
                for p in failed[:2]:
                    sys.stderr.write(f"{layout} N={n} {name}: exit {p.returncode}\n"
                                     f"{p.stdout[-2000:]}\n{p.stderr[-2000:]}\n")
                kinds, total, floor = floor_of(stats, n, lanes)
                if name in (OWN_PLAN, OWN_APPLY):
                    own[name] = wall
                rows.append({"n": n, "layout": layout, "phase": name, "wall": wall,
                             "failed": len(failed), "kinds": kinds, "requests": total,
                             "429": stats.get("429", 0), "floor": floor,
                             "connections": stats.get("connections", 0) - 1,  # less our GET
                             "rss_mb": rss, "cpu_s": cpu,
                             "apply": tf_args[0] == "apply"})
            for row in rows:
                if row["requests"]:
                    row["own"] = own.get(OWN_APPLY if row["apply"] else OWN_PLAN)
                    if row["own"] is not None:
                        row["net_ratio"] = row["wall"] / (row["floor"] + row["own"])
                print(format_row(row), flush=True)
    finally:
        sim.terminate()
        sim.wait()
    return rows


HEADER = ("| N orgs | layout | phase | wall (s) | requests (by kind) | 429s | connections "
          "| provider peak RSS (MB) | provider CPU (s) | floor (s) "
          "| Terraform's own (s) | wall/(floor + own) |\n|---|---|---|---|---|---|---|---|---|---|---|---|")


def format_row(r):
    own = f"{r['own']:.1f}" if r.get("own") is not None else "-"
    net = f"{r['net_ratio']:.2f}" if r.get("net_ratio") else "-"
    fail = f" ({r['failed']} failed)" if r["failed"] else ""
    return (f"| {r['n']} | {LAYOUT_NAME[r['layout']]} | {r['phase']}{fail} | {r['wall']:.1f} "
            f"| {r['requests']} ({kinds_text(r['kinds'])}) | {r['429']} | {r['connections']} "
            f"| {r['rss_mb']:.1f} | {r['cpu_s']:.2f} | {r['floor']:.1f} "
            f"| {own} | {net} |")


# Issue 20's targets for one fan-out state of 1,000 orgs (docs/performance.md, "Fleet of 1,000
# orgs"): the provider's peak RSS and CPU (whole processes), and connections to the API host.
FLEET_TARGETS = {
    OWN_PLAN: {"rss_mb": 20.0, "cpu_s": 0.3},
    "plan unchanged": {"rss_mb": 30.0, "connections": 2 * PARALLELISM},
}


def fleet_misses(r):
    limits = FLEET_TARGETS.get(r["phase"], {})
    return [f"N={r['n']} fan-out {r['phase']}: {key} {r[key]} (target "
            f"{'<=' if key == 'connections' else '<'} {limit})"
            for key, limit in limits.items()
            if (r[key] > limit if key == "connections" else r[key] >= limit)]


def summary(rows):
    """The ratio between the layouts, per N and phase, and the fan-out targets."""
    lines, misses = [], []
    by = {(r["n"], r["layout"], r["phase"]): r for r in rows}
    for r in rows:
        if r["failed"]:
            misses.append(f"N={r['n']} {r['layout']} {r['phase']}: {r['failed']} runs failed")
        # Without latency the floor is zero and the ratio only measures CPU contention on the
        # machine (provider, sim and Terraform share its cores): no target then.
        if (r["layout"] == "fanout" and LATENCY_MS > 0 and r.get("net_ratio")
                and r["net_ratio"] > 1.2):
            misses.append(f"N={r['n']} fan-out {r['phase']}: wall/(floor + own) "
                          f"{r['net_ratio']:.2f} (target <= 1.2)")
        if r["layout"] == "fanout" and r["n"] >= 1000:
            misses += fleet_misses(r)
    for n in NS:
        for phase in ("create", "plan unchanged"):
            fan = by.get((n, "fanout", phase))
            if not fan:
                continue
            parts = [f"{LAYOUT_NAME[lay]} {by[(n, lay, phase)]['wall'] / fan['wall']:.1f}x"
                     for lay in ("sequential", "parallel4") if (n, lay, phase) in by]
            if parts:
                lines.append(f"N={n} {phase}: fan-out {fan['wall']:.1f} s; " + ", ".join(parts))
    return lines, misses


def main():
    print(HEADER, flush=True)
    rows = []
    for n in NS:
        for layout in LAYOUTS:
            rows += run_case(n, layout)
    out = os.environ.get("BENCH_OUT")
    if out:
        with open(out, "w") as f:
            json.dump(rows, f, indent=1)
    lines, misses = summary(rows)
    print()
    for line in lines:
        print(line)
    print("targets: " + ("all met" if not misses else "MISSED:\n  " + "\n  ".join(misses)))
    return 1 if misses else 0


if __name__ == "__main__":
    sys.exit(main())
