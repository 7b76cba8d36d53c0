#!/usr/bin/env python3
"""`GET /metrics` next to `getAllProcessInfo`, with 1000 running processes (ours only).

Python Supervisor has no /metrics, so this scenario compares our two ways of reading the state of
every process: the Prometheus page (one owner snapshot, one /proc scan of every process's tree,
the text format) and the status poll every client makes (`supervisor.getAllProcessInfo`). Issue
15's target: a scrape costs at most 2x the poll.

Per launch: 1000 × `sleep 1000` (`startsecs=0`, no child log files) under our supervisord; once
all are RUNNING, `calls` rounds of one GET /metrics then one getAllProcessInfo on two keep-alive
connections to the unix socket, each timed from the request to the last byte of the body (no
parsing), and the daemon's CPU (utime+stime of all its threads, the /proc scan's blocking thread
included) read around each call.

Standalone: `python3 bench/metrics.py --supervisord target/release/supervisord`; `bench/run`
runs it too (`--only metrics` for this part alone). Standard library only.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time

CLK_TCK = os.sysconf("SC_CLK_TCK")
CALL = (b"<?xml version='1.0'?><methodCall><methodName>supervisor.getAllProcessInfo</methodName>"
        b"<params></params></methodCall>")


class BenchError(RuntimeError):
    """A launch that could not be measured."""


class UnixConnection(http.client.HTTPConnection):
    def __init__(self, path: str, timeout: float = 60):
        super().__init__("localhost", timeout=timeout)
        self.unix_path = path

    def connect(self) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self.unix_path)


def config(tmp: str, procs: int) -> str:
    return f"""[unix_http_server]
file={tmp}/s.sock

[supervisord]
logfile={tmp}/supervisord.log
pidfile={tmp}/supervisord.pid
childlogdir={tmp}
loglevel=warn
minfds=8192

[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

[program:p]
command=sleep 1000
numprocs={procs}
process_name=%(program_name)s_%(process_num)04d
startsecs=0
stdout_logfile=NONE
stderr_logfile=NONE
"""


def cpu_ticks(pid: int) -> int:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime, stime of every thread


def get(conn: http.client.HTTPConnection) -> bytes:
    conn.request("GET", "/metrics")
    resp = conn.getresponse()
    body = resp.read()
    if resp.status != 200:
        raise BenchError(f"/metrics answered {resp.status}")
    return body


def poll(conn: http.client.HTTPConnection) -> bytes:
    conn.request("POST", "/RPC2", body=CALL, headers={"Content-Type": "text/xml"})
    resp = conn.getresponse()
    body = resp.read()
    if resp.status != 200 or b"<fault>" in body:
        raise BenchError(f"getAllProcessInfo failed: {resp.status} {body[:200]!r}")
    return body


def launch(supervisord: str, procs: int, calls: int, tmpdir: str | None) -> dict:
    """One daemon: start, wait for every process, measure, stop."""
    with tempfile.TemporaryDirectory(prefix="bench-metrics-", dir=tmpdir) as tmp:
        conf = os.path.join(tmp, "supervisord.conf")
        with open(conf, "w") as f:
            f.write(config(tmp, procs))
        daemon = subprocess.Popen([supervisord, "-n", "-c", conf], stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
        try:
            sock = os.path.join(tmp, "s.sock")
            deadline = time.monotonic() + 120
            rpc = UnixConnection(sock)
            while True:
                if daemon.poll() is not None:
                    raise BenchError(f"supervisord exited with {daemon.returncode}")
                try:
                    if poll(rpc).count(b"<string>RUNNING</string>") == procs:
                        break
                except (OSError, http.client.HTTPException):
                    rpc.close()
                if time.monotonic() > deadline:
                    raise BenchError(f"{procs} processes not RUNNING within 120 s")
                time.sleep(0.2)
            scrape = UnixConnection(sock)
            for _ in range(3):  # warm both paths (allocations, page cache of /proc)
                get(scrape)
                poll(rpc)
            res = {"metrics_ms": [], "rpc_ms": [], "metrics_ticks": 0, "rpc_ticks": 0}
            for _ in range(calls):
                for key, fn, conn in (("metrics", get, scrape), ("rpc", poll, rpc)):
                    c0 = cpu_ticks(daemon.pid)
                    t0 = time.perf_counter()
                    body = fn(conn)
                    res[f"{key}_ms"].append(1000 * (time.perf_counter() - t0))
                    res[f"{key}_ticks"] += cpu_ticks(daemon.pid) - c0
                    res[f"{key}_bytes"] = len(body)
            tree_samples = body_lines(get(scrape), b"supervisor_process_resident_memory_bytes{")
            if tree_samples != procs:
                raise BenchError(f"/metrics had tree numbers for {tree_samples} of {procs} processes")
            for key in ("metrics", "rpc"):
                res[f"{key}_cpu_ms"] = 1000 * res.pop(f"{key}_ticks") / CLK_TCK / calls
            return res
        finally:
            daemon.send_signal(signal.SIGTERM)
            try:
                daemon.wait(timeout=120)
            except subprocess.TimeoutExpired:
                daemon.kill()
                daemon.wait()


def body_lines(body: bytes, prefix: bytes) -> int:
    return sum(1 for line in body.splitlines() if line.startswith(prefix))


def run(supervisord: str, reps: int, procs: int, calls: int, log, tmpdir: str | None = None) -> dict:
    """`reps` launches; returns {"params", "launches", "errors"}."""
    out = {"params": {"procs": procs, "calls": calls, "reps": reps}, "launches": [], "errors": []}
    for i in range(reps):
        log(f"metrics: launch {i + 1}/{reps}, {procs} processes, {calls} calls of each")
        try:
            out["launches"].append(launch(supervisord, procs, calls, tmpdir))
        except (BenchError, OSError, http.client.HTTPException) as e:
            out["errors"].append(str(e))
            log(f"metrics: launch {i + 1} failed: {e}")
    return out


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--supervisord", required=True, help="our supervisord binary (a release build)")
    p.add_argument("--procs", type=int, default=1000)
    p.add_argument("--calls", type=int, default=50)
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--tmpdir")
    a = p.parse_args(argv)
    res = run(os.path.abspath(a.supervisord), a.reps, a.procs, a.calls,
              lambda m: print(m, file=sys.stderr, flush=True), a.tmpdir)
    from statistics import median
    for i, r in enumerate(res["launches"]):
        m, g = median(r["metrics_ms"]), median(r["rpc_ms"])
        print(f"launch {i + 1}: /metrics {m:.2f} ms ({r['metrics_bytes'] / 1024:.0f} KiB, "
              f"daemon CPU {r['metrics_cpu_ms']:.2f} ms); getAllProcessInfo {g:.2f} ms "
              f"({r['rpc_bytes'] / 1024:.0f} KiB, daemon CPU {r['rpc_cpu_ms']:.2f} ms); ratio {m / g:.2f}")
    print(json.dumps(res["errors"]) if res["errors"] else "no errors")
    return 1 if res["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
