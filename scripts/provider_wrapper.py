#!/usr/bin/env python3
"""Measuring wrapper for the fleet benchmark (bench_fleet.py; not a test): runs the provider
binary given as the first argument with the rest, passing stdin/stdout/stderr and signals
through, then appends "<peak RSS kB> <CPU seconds>" of that process (getrusage of the child:
ru_maxrss is the kernel's VmHWM) to the file named by BENCH_USAGE_FILE, and exits with its code.
"""
import os
import signal
import sys

pid = os.fork()
if pid == 0:
    os.execv(sys.argv[1], sys.argv[1:])
for sig in (signal.SIGINT, signal.SIGTERM):
    signal.signal(sig, lambda s, _f: os.kill(pid, s))
while True:
    try:
        _, status, usage = os.wait4(pid, 0)
        break
    except InterruptedError:
        continue
out = os.environ.get("BENCH_USAGE_FILE")
if out:
    with open(out, "a") as f:
        f.write(f"{usage.ru_maxrss} {usage.ru_utime + usage.ru_stime:.3f}\n")
sys.exit(os.waitstatus_to_exitcode(status))
