#!/usr/bin/env python3
"""The supervisor-rs benchmark suite: our binaries side by side with Python Supervisor 4.3.0.

Run through `bench/run` (which builds the release binaries and the venv first). This script:

1. runs the shared harness (../shared/bench/run.py) once with both implementations, launches
   interleaved one by one, for every row it already measures (idle RSS and wake-ups, start/stop
   1000, crash-to-RUNNING, one flooding child, getAllProcessInfo, getState req/s, supervisorctl
   status, RSS at 10 and 1000 programs), and reads back its two JSON result files;
2. runs our own scenarios: 50 chatty children (bench/chatty.py), alternating the implementations,
   and GET /metrics next to getAllProcessInfo with 1000 processes (bench/metrics.py, ours only);
3. prints one table: median and p95 of each row for both implementations, the ratio ("gain": how
   many times better ours is, > 1 is better) and the issue-8 target with met/missed;
4. with --readme, writes that table (with the machine and the date) into README.md between the
   `<!-- bench:start -->` and `<!-- bench:end -->` markers.

Results (the harness's JSON, ours, and the table) go to bench/results/<UTC time>/.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import chatty  # noqa: E402
import floors  # noqa: E402
import metrics  # noqa: E402
from stats import MiB, fmt, median, quantile  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
README_START = "<!-- bench:start -->"
README_END = "<!-- bench:end -->"
PY = "Python 4.3.0"
OURS = "supervisor-rs"

# Harness scenarios we use, and its parameters in each mode. Quick keeps every row but shrinks
# windows and sample counts so that the whole suite takes about two minutes.
HARNESS_SCENARIOS = ["idle_rss", "start_many", "restart_latency", "log_throughput", "rpc_latency",
                     "ctl_latency"]
# restart_latency polls getProcessInfo every --poll-interval after the kill; the default 1 ms
# sleep would dominate a ~1 ms restart, so both implementations are polled every 0.2 ms.
HARNESS_FULL = ["--reps", "5", "--start-n", "10,1000", "--poll-interval", "0.0002"]
HARNESS_QUICK = ["--reps", "2", "--start-n", "10,1000", "--poll-interval", "0.0002",
                 "--idle-settle", "1", "--idle-window", "3",
                 "--restart-kills", "20", "--log-bytes", str(256 * MiB), "--rpc-calls", "10",
                 "--rpc-max-seconds", "2", "--rps-seconds", "2", "--ctl-reps", "10",
                 "--scenario-budget", "40"]
CHATTY_FULL = {"reps": 5, "children": 50, "lines": 40000}   # 50 x 4.4 MiB
CHATTY_QUICK = {"reps": 2, "children": 50, "lines": 10000}  # 50 x 1.1 MiB
METRICS_FULL = {"reps": 3, "procs": 1000, "calls": 50}
METRICS_QUICK = {"reps": 1, "procs": 1000, "calls": 20}


@dataclass
class Impl:
    """One implementation under test (the chatty scenario needs label and supervisord)."""

    label: str
    supervisord: str
    supervisorctl: str


@dataclass
class Target:
    """An issue-8 target. kind "gain": gain >= value; "max"/"min": our median <= / >= value."""

    kind: str
    value: float
    text: str

    def met(self, ours_median, gain):
        if self.kind == "gain":
            return None if gain is None else gain >= self.value
        if ours_median is None:
            return None
        return ours_median <= self.value if self.kind == "max" else ours_median >= self.value


@dataclass
class Row:
    """One line of the table: samples of each implementation, and how to compare them."""

    section: str
    label: str
    unit: str
    better: str | None  # "lower", "higher" or None (a limit or an informational row)
    py: list = field(default_factory=list)
    ours: list = field(default_factory=list)
    target: Target | None = None
    note: str = ""

    def gain(self):
        p, o = median(self.py), median(self.ours)
        if p is None or o is None or self.better is None:
            return None
        if self.better == "lower":
            return float("inf") if o == 0 else p / o
        return float("inf") if p == 0 else o / p

    def met(self):
        return None if self.target is None else self.target.met(median(self.ours), self.gain())


# --------------------------------------------------------------------------------------------
# collecting rows from the harness's JSON


def reps(res, scenario):
    """The per-launch records of one harness scenario (empty if it failed or did not run)."""
    sc = res.get("scenarios", {}).get(scenario, {})
    return sc.get("reps", [])


def pooled(res, scenario, key, scale=1.0):
    """Every sample of `key` (a list in each launch record), times scale."""
    return [x * scale for r in reps(res, scenario) for x in r.get(key, [])]


def per_launch(records, key, scale=1.0):
    return [r[key] * scale for r in records if r.get(key) is not None]


def harness_rows(py, ours, floor=None):
    """The table rows the shared harness measured, from its two result files, with the
    machine's floors for starting 1000 programs next to the start rows when measured."""
    rows = []

    def add(section, label, unit, better, fn, target=None, note=""):
        rows.append(Row(section, label, unit, better, fn(py), fn(ours), target, note))

    idle_window = ours.get("args", {}).get("idle_window", 10)
    add("idle, 100 programs", "RSS", "MiB", "lower",
        lambda r: per_launch(reps(r, "idle_rss"), "rss_kib", 1 / 1024), Target("gain", 5, "≤ 1/5"))
    add("idle, 100 programs", "PSS", "MiB", "lower",
        lambda r: per_launch(reps(r, "idle_rss"), "pss_kib", 1 / 1024))
    add("idle, 100 programs", "wake-ups per 10 s", "count", "lower",
        lambda r: per_launch(reps(r, "idle_rss"), "voluntary_ctxt_per_s", 10), Target("max", 0, "0"),
        note=f"voluntary context switches of all daemon threads over a {idle_window:g} s window")
    add("idle, 100 programs", "CPU", "ms/s", "lower",
        lambda r: per_launch(reps(r, "idle_rss"), "idle_sched_ms_per_s"))

    def n1000(r):
        return [x for x in reps(r, "start_many") if x.get("n") == 1000]

    add("1000 programs (startsecs=0)", "start: launch → all RUNNING", "s", "lower",
        lambda r: per_launch(n1000(r), "start_s"), Target("gain", 10, "≥ 10×"))
    add("1000 programs (startsecs=0)", "start: daemon CPU", "s", "lower",
        lambda r: per_launch(n1000(r), "start_cpu_s"), Target("gain", 10, "≥ 10× less (issue 3)"),
        note="utime+stime, 10 ms ticks")
    if floor:
        sec = "1000 programs (startsecs=0)"
        rows.append(Row(sec, f"floor: create {2 * floor['n']} AUTO log files here", "s", None,
                        floor["create_files_s"], floor["create_files_s"],
                        note="no supervisor: open(O_CREAT) in a fresh dir of the same file system; "
                        "shown in both columns"))
        rows.append(Row(sec, f"floor: posix_spawn {floor['n']} × sleep (3 pipes each)", "s", None,
                        floor["spawn_s"], floor["spawn_s"], note="no supervisor, from Python"))
    add("1000 programs (startsecs=0)", "stop: stopAllProcesses → all STOPPED", "s", "lower",
        lambda r: per_launch(n1000(r), "stop_s"))
    add("1000 programs (startsecs=0)", "stop: daemon CPU", "s", "lower",
        lambda r: per_launch(n1000(r), "stop_cpu_s"), note="utime+stime, 10 ms ticks")

    def per_process(r):
        # Each launch of start_many runs N=10 then N=1000: pair them launch by launch.
        recs = reps(r, "start_many")
        small = [x for x in recs if x.get("n") == 10]
        big = [x for x in recs if x.get("n") == 1000]
        return [(b["rss_kib_with_children"] - s["rss_kib_with_children"]) / 990
                for s, b in zip(small, big)
                if b.get("rss_kib_with_children") and s.get("rss_kib_with_children")]

    add("memory", "RSS with 10 programs", "MiB", "lower",
        lambda r: [x["rss_kib_with_children"] / 1024 for x in reps(r, "start_many") if x.get("n") == 10])
    add("memory", "RSS with 1000 programs", "MiB", "lower",
        lambda r: per_launch(n1000(r), "rss_kib_with_children", 1 / 1024))
    add("memory", "per managed process (RSS@1000 − RSS@10) / 990", "KiB", "lower", per_process)

    add("crash → RUNNING (kill -9, startsecs=0)", "latency", "ms", "lower",
        lambda r: pooled(r, "restart_latency", "samples_s", 1000), Target("gain", 5, "≥ 5×"))

    def flood(mode, key):
        return lambda r: [x[key] for x in r.get("scenarios", {}).get("log_throughput", {}).get(mode, [])
                          if x.get(key) is not None]

    def flood_pct(mode):
        def f(r):
            sc = r.get("scenarios", {}).get("log_throughput", {})
            return [100 * d["mib_per_s"] / lim["mib_per_s"]
                    for d, lim in zip(sc.get(mode, []), sc.get("limit", []))]
        return f

    log_bytes = ours.get("args", {}).get("log_bytes", 0) / MiB
    for mode, what in (("norotate", "no rotation"), ("rotate", "rotation 50MB × 3")):
        sec = f"log: 1 flooding child, {log_bytes:.0f} MiB, {what}"
        add(sec, "throughput", "MiB/s", "higher", flood(mode, "mib_per_s"), Target("gain", 1.3, "≥ 1.3×"))
        add(sec, "daemon CPU per GiB", "s", "lower", flood(mode, "cpu_s_per_gib"),
            Target("gain", 3, "≤ 1/3"))
        add(sec, "% of `cat > file`", "%", "higher", flood_pct(mode), Target("min", 95, "≥ 95%"),
            note="per launch: rate / the cat rate measured in the same launch")
    sec = f"log: 1 flooding child, {log_bytes:.0f} MiB"
    add(sec, "limit: `cat > file` throughput", "MiB/s", None, flood("limit", "mib_per_s"),
        note="measured in each implementation's own launches")
    add(sec, "limit: `cat` CPU per GiB", "s", None, flood("limit", "cat_cpu_s_per_gib"))

    rpc_procs = ours.get("args", {}).get("rpc_procs", 1000)
    sec = f"XML-RPC, {rpc_procs} processes"
    add(sec, "getAllProcessInfo latency", "ms", "lower",
        lambda r: pooled(r, "rpc_latency", "samples_getAllProcessInfo_s", 1000), Target("gain", 50, "≥ 50×"))
    add(sec, "getState latency", "ms", "lower", lambda r: pooled(r, "rpc_latency", "samples_getState_s", 1000))
    add(sec, "getState req/s, 4 clients", "req/s", "higher",
        lambda r: [x["rps"]["rps"] for x in reps(r, "rpc_latency")], Target("gain", 20, "≥ 20× (issue 4)"),
        note="the 4 clients are Python processes on the same cores; see daemon CPU per request")
    add(sec, "getState daemon CPU per request", "µs", "lower",
        lambda r: [1e6 * x["rps"]["daemon_cpu_s"] / x["rps"]["requests"]
                   for x in reps(r, "rpc_latency") if x["rps"].get("requests")])
    add(sec, "getState daemon CPU share during req/s run", "%", None,
        lambda r: [100 * x["rps"]["daemon_cpu_s"] / x["rps"]["seconds"] for x in reps(r, "rpc_latency")],
        note="100% = the daemon's one core was saturated")

    ctl_procs = ours.get("args", {}).get("ctl_procs", 100)
    add(f"supervisorctl, {ctl_procs} programs", "`supervisorctl status` wall time", "ms", "lower",
        lambda r: pooled(r, "ctl_latency", "samples_s", 1000), Target("gain", 20, "≥ 20×"),
        note="each implementation's ctl against its own daemon")
    return rows


def chatty_rows(res):
    """Rows of our 50-chatty-children scenario."""
    p = res["params"]
    rows = []
    mib = p["children"] * p["bytes_per_child"] / MiB
    for mode, what in (("norotate", "no rotation"), ("rotate", "rotation, ~4 per child")):
        sec = f"log: {p['children']} chatty children (1 write per line), {mib:.0f} MiB, {what}"
        py, ours = res.get(PY, {}).get(mode, []), res.get(OURS, {}).get(mode, [])
        rows.append(Row(sec, "throughput", "MiB/s", "higher", per_launch(py, "mib_per_s"),
                        per_launch(ours, "mib_per_s"), Target("gain", 1.3, "≥ 1.3×")))
        rows.append(Row(sec, "daemon CPU per GiB", "s", "lower", per_launch(py, "cpu_s_per_gib"),
                        per_launch(ours, "cpu_s_per_gib"), Target("gain", 3, "≤ 1/3"),
                        note="schedstat ns (utime+stime ticks if a daemon thread came or went)"))
        lim = res.get("limit", [])
        # Each round measured the limit once, next to one run of each implementation.
        rows.append(Row(sec, "% of `cat > file`", "%", "higher",
                        [100 * d["mib_per_s"] / l_["mib_per_s"] for d, l_ in zip(py, lim)],
                        [100 * d["mib_per_s"] / l_["mib_per_s"] for d, l_ in zip(ours, lim)],
                        Target("min", 95, "≥ 95%")))
    sec = f"log: {p['children']} chatty children (1 write per line), {mib:.0f} MiB"
    lim = res.get("limit", [])
    rows.append(Row(sec, "limit: 50 × `cat > file` throughput", "MiB/s", None, per_launch(lim, "mib_per_s"),
                    per_launch(lim, "mib_per_s"), note="one measurement per round, shown in both columns"))
    rows.append(Row(sec, "limit: `cat` CPU per GiB", "s", None, per_launch(lim, "cpu_s_per_gib"),
                    per_launch(lim, "cpu_s_per_gib")))
    return rows


def metrics_rows(res):
    """Rows of the /metrics scenario (ours only: Python has no /metrics)."""
    p, runs = res["params"], res["launches"]
    sec = f"/metrics, {p['procs']} processes (ours only)"
    pooled_ms = lambda key: [x for r in runs for x in r[key]]  # noqa: E731
    return [
        Row(sec, "GET /metrics", "ms", None, [], pooled_ms("metrics_ms")),
        Row(sec, "getAllProcessInfo", "ms", None, [], pooled_ms("rpc_ms")),
        Row(sec, "/metrics ÷ getAllProcessInfo", "×", None, [],
            [median(r["metrics_ms"]) / median(r["rpc_ms"]) for r in runs], Target("max", 2, "≤ 2×"),
            note="ratio of the medians of each launch; both on the unix socket, body read, not parsed"),
        Row(sec, "daemon CPU per /metrics", "ms", None, [], per_launch(runs, "metrics_cpu_ms")),
        Row(sec, "daemon CPU per getAllProcessInfo", "ms", None, [], per_launch(runs, "rpc_cpu_ms")),
        Row(sec, "/metrics body", "KiB", None, [], [r["metrics_bytes"] / 1024 for r in runs]),
    ]


def run_harness(a, py, ours, out_dir, name, scenarios, params, tmpdir, errors, log):
    """Runs the shared harness on both implementations (interleaved); returns their results."""
    py_json, ours_json = os.path.join(out_dir, f"{name}-python.json"), os.path.join(out_dir, f"{name}-ours.json")
    cmd = [sys.executable, a.harness,
           "--supervisord", py.supervisord, "--supervisorctl", py.supervisorctl, "--label", PY,
           "--out", py_json,
           "--compare-supervisord", ours.supervisord, "--compare-supervisorctl", ours.supervisorctl,
           "--compare-label", OURS, "--compare-out", ours_json,
           "--md", os.path.join(out_dir, f"{name}.md")]
    cmd += [x for s in scenarios for x in ("--scenario", s)] + params
    if a.keep_temp:
        cmd.append("--keep-temp")
    if tmpdir:
        cmd += ["--tmpdir", tmpdir]
    cmd += a.harness_arg
    log(f"shared harness ({name}): " + " ".join(cmd[2:]))
    rc = subprocess.run(cmd).returncode
    if rc != 0:
        errors.append(f"shared harness exited with {rc} (see {out_dir}/{name}-*.json)")
    with open(py_json) as f:
        py_res = json.load(f)
    with open(ours_json) as f:
        ours_res = json.load(f)
    for label, res in ((PY, py_res), (OURS, ours_res)):
        for sc_name, sc in res.get("scenarios", {}).items():
            if "error" in sc:
                errors.append(f"{label} {name} {sc_name}: {sc['error']}")
    return py_res, ours_res


def tmpfs_dir(path):
    """`path` if it is a writable directory on a tmpfs, else None."""
    if path == "none" or not os.path.isdir(path) or not os.access(path, os.W_OK):
        return None
    return path if fs_of(path).endswith("(tmpfs)") else None


def tmpfs_start_rows(py, ours, floor, where):
    """Rows of the second start-1000 run, with the child logs on a tmpfs: what the daemons cost
    without the disk's cost of creating 2000 files (which both pay, and which can dominate)."""
    sec = f"1000 programs, logs on {where}"

    def n1000(r):
        return [x for x in reps(r, "start_many") if x.get("n") == 1000]

    rows = [
        Row(sec, "start: launch → all RUNNING", "s", "lower", per_launch(n1000(py), "start_s"),
            per_launch(n1000(ours), "start_s"), Target("gain", 10, "≥ 10×")),
        Row(sec, "start: daemon CPU", "s", "lower", per_launch(n1000(py), "start_cpu_s"),
            per_launch(n1000(ours), "start_cpu_s"), Target("gain", 10, "≥ 10× less (issue 3)"),
            note="utime+stime, 10 ms ticks"),
        Row(sec, f"floor: create {2 * floor['n']} AUTO log files here", "s", None,
            floor["create_files_s"], floor["create_files_s"], note="no supervisor; shown in both columns"),
        Row(sec, f"floor: posix_spawn {floor['n']} × sleep (3 pipes each)", "s", None,
            floor["spawn_s"], floor["spawn_s"], note="no supervisor, from Python"),
    ]
    return rows


# --------------------------------------------------------------------------------------------
# machine and rendering


def cpu_times():
    """(busy, total) jiffies of the whole machine, from /proc/stat."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:9]]
    return v[0] + v[1] + v[2] + v[5] + v[6], sum(v)


def loadavg():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def machine():
    cpu = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        mem_gib = int(f.readline().split()[1]) / (1 << 20)
    return {"nproc": os.cpu_count(), "cpu": cpu, "kernel": platform.release(), "mem_gib": round(mem_gib),
            "python": platform.python_version()}


def fs_of(path):
    """`DIR (FSTYPE)` for the mount that holds path, from /proc/self/mounts."""
    path = os.path.realpath(path)
    best, fstype = "", "?"
    with open("/proc/self/mounts") as f:
        for line in f:
            parts = line.split()
            mnt = parts[1]
            if (path == mnt or path.startswith(mnt.rstrip("/") + "/")) and len(mnt) >= len(best):
                best, fstype = mnt, parts[2]
    return f"{path} ({fstype})"


def git_describe():
    try:
        head = subprocess.run(["git", "-C", REPO, "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "-C", REPO, "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, timeout=10).stdout.strip()
        return head + (" with uncommitted changes" if dirty else "")
    except OSError:
        return "unknown"


def render(rows, meta):
    """The markdown table with its header lines."""
    m = meta["machine"]
    out = [
        f"Run of {meta['date']} ({meta['mode']} mode, {meta['elapsed_min']:.0f} min), commit {meta['commit']}, "
        f"on {m['nproc']} × {m['cpu']}, {m['mem_gib']} GiB RAM, Linux {m['kernel']}. Load average "
        f"{meta['load_start']} at the start and {meta['load_end']} at the end; the whole machine was "
        f"{meta['busy_pct']:.0f}% busy during the run (shared with other builds). Temp files on "
        f"{meta['tmp_fs']}. Launches alternate "
        "between the implementations; medians and p95s are over launches, or over calls for latencies.",
        "",
        f"| scenario | metric | unit | {OURS} median | p95 | {PY} median | p95 | gain | target | met |",
        "|---|---|---|---:|---:|---:|---:|---:|---|---|",
    ]
    last = None
    for r in rows:
        g = r.gain()
        met = r.met()
        out.append("| " + " | ".join([
            r.section if r.section != last else "",
            r.label,
            r.unit,
            fmt(median(r.ours)),
            fmt(quantile(r.ours, 0.95)),
            fmt(median(r.py)),
            fmt(quantile(r.py, 0.95)),
            "" if g is None else f"{fmt(g)}×",
            r.target.text if r.target else "",
            {None: "", True: "met", False: "**missed**"}[met] if r.target else "",
        ]) + " |")
        last = r.section
    out.append("")
    out.append("Gain = how many times better " + OURS + " is (Python/ours for lower-is-better rows, "
               "ours/Python for higher-is-better rows). Limit rows are what `cat > file` does on the same "
               "machine without any supervisor.")
    notes = [f"- {r.section} / {r.label}: {r.note}" for r in rows if r.note]
    if notes:
        out += ["", "Notes:"] + notes
    if meta.get("errors"):
        out += ["", "Errors:"] + [f"- {e}" for e in meta["errors"]]
    return "\n".join(out) + "\n"


def write_readme(table):
    path = os.path.join(REPO, "README.md")
    with open(path) as f:
        text = f.read()
    a, b = text.find(README_START), text.find(README_END)
    if a < 0 or b < a:
        raise SystemExit("bench: README.md has no bench:start/bench:end markers")
    text = text[: a + len(README_START)] + "\n" + table + text[b:]
    with open(path + ".tmp", "w") as f:
        f.write(text)
    os.replace(path + ".tmp", path)


# --------------------------------------------------------------------------------------------
# main


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="smaller windows and fewer launches (~2 minutes)")
    p.add_argument("--ours-supervisord", required=True)
    p.add_argument("--ours-supervisorctl", required=True)
    p.add_argument("--py-supervisord", default=os.path.join(REPO, ".venv/bin/supervisord"))
    p.add_argument("--py-supervisorctl", default=os.path.join(REPO, ".venv/bin/supervisorctl"))
    p.add_argument("--harness", default=os.environ.get("SUPERVISOR_BENCH_HARNESS",
                                                       os.path.join(REPO, "..", "shared", "bench", "run.py")),
                   help="the shared harness run.py (env SUPERVISOR_BENCH_HARNESS)")
    p.add_argument("--reps", type=int, help="launches per scenario and implementation (default 5, quick 2)")
    p.add_argument("--only", choices=["harness", "chatty", "metrics"], help="run only one part")
    p.add_argument("--harness-arg", action="append", default=[],
                   help="extra argument passed to run.py (repeatable), e.g. --harness-arg=--skip=idle_rss")
    p.add_argument("--out-dir", help="default bench/results/<UTC time>")
    p.add_argument("--readme", action="store_true", help="write the table into README.md between the markers")
    p.add_argument("--keep-temp", action="store_true")
    p.add_argument("--tmpdir", help="parent of the daemons' temp dirs (configs, sockets, logs) and of the "
                   "floors' files, e.g. /dev/shm to take the disk out of the picture; default: $TMPDIR or /tmp")
    p.add_argument("--tmpfs", default="/dev/shm",
                   help="a tmpfs where starting 1000 programs is measured a second time, without the disk's "
                   "cost of creating their log files; 'none' skips that run (default /dev/shm)")
    return p.parse_args(argv)


def main(argv=None):
    a = parse_args(argv if argv is not None else sys.argv[1:])
    if sys.platform != "linux":
        raise SystemExit("bench: Linux only (reads /proc)")
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H%M%SZ")
    out_dir = a.out_dir or os.path.join(REPO, "bench", "results", stamp)
    os.makedirs(out_dir, exist_ok=True)
    py = Impl(PY, os.path.abspath(a.py_supervisord), os.path.abspath(a.py_supervisorctl))
    ours = Impl(OURS, os.path.abspath(a.ours_supervisord), os.path.abspath(a.ours_supervisorctl))

    def log(msg):
        print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)

    t0, busy0 = time.monotonic(), cpu_times()
    load_start = loadavg()
    rows, errors = [], []

    if a.only in (None, "harness"):
        if not os.path.isfile(a.harness):
            raise SystemExit(f"bench: shared harness not found at {a.harness} (set SUPERVISOR_BENCH_HARNESS)")
        params = list(HARNESS_QUICK if a.quick else HARNESS_FULL)
        if a.reps:
            params[params.index("--reps") + 1] = str(a.reps)
        py_res, ours_res = run_harness(a, py, ours, out_dir, "harness", HARNESS_SCENARIOS, params, a.tmpdir,
                                       errors, log)
        floor = floors.run(2 if a.quick else 3, 1000, log, a.tmpdir)
        with open(os.path.join(out_dir, "floors.json"), "w") as f:
            json.dump(floor, f, indent=1)
        rows += harness_rows(py_res, ours_res, floor)
        tmpfs = tmpfs_dir(a.tmpfs)
        if tmpfs:
            params = list(HARNESS_QUICK if a.quick else HARNESS_FULL)
            params[params.index("--start-n") + 1] = "1000"
            if a.reps:
                params[params.index("--reps") + 1] = str(a.reps)
            py_t, ours_t = run_harness(a, py, ours, out_dir, "harness-tmpfs", ["start_many"], params, tmpfs,
                                       errors, log)
            floor_t = floors.run(2 if a.quick else 3, 1000, log, tmpfs)
            with open(os.path.join(out_dir, "floors-tmpfs.json"), "w") as f:
                json.dump(floor_t, f, indent=1)
            # Right after the start rows measured on the default temp dir.
            start_rows = [i for i, r in enumerate(rows) if r.section == "1000 programs (startsecs=0)"]
            at = start_rows[-1] + 1 if start_rows else len(rows)
            rows[at:at] = tmpfs_start_rows(py_t, ours_t, floor_t, fs_of(tmpfs))
        elif a.tmpfs != "none":
            log(f"{a.tmpfs} is not a tmpfs: the start run without the disk is skipped")

    if a.only in (None, "chatty"):
        cfg = dict(CHATTY_QUICK if a.quick else CHATTY_FULL)
        if a.reps:
            cfg["reps"] = a.reps
        res = chatty.run([py, ours], cfg["reps"], cfg["children"], cfg["lines"], log, a.keep_temp, a.tmpdir)
        with open(os.path.join(out_dir, "chatty.json"), "w") as f:
            json.dump(res, f, indent=1)
        errors += [f"{k} chatty: {v}" for k, v in res["errors"].items()]
        rows += chatty_rows(res)

    if a.only in (None, "metrics"):
        cfg = dict(METRICS_QUICK if a.quick else METRICS_FULL)
        if a.reps:
            cfg["reps"] = a.reps
        res = metrics.run(ours.supervisord, cfg["reps"], cfg["procs"], cfg["calls"], log, a.tmpdir)
        with open(os.path.join(out_dir, "metrics.json"), "w") as f:
            json.dump(res, f, indent=1)
        errors += [f"{OURS} metrics: {e}" for e in res["errors"]]
        rows += metrics_rows(res)

    busy1 = cpu_times()
    meta = {
        "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "mode": "quick" if a.quick else "full",
        "elapsed_min": (time.monotonic() - t0) / 60,
        "commit": git_describe(),
        "machine": machine(),
        "load_start": load_start,
        "load_end": loadavg(),
        "busy_pct": 100 * (busy1[0] - busy0[0]) / max(1, busy1[1] - busy0[1]),
        "errors": errors,
        "tmp_fs": fs_of(a.tmpdir or tempfile.gettempdir()),
    }
    table = render(rows, meta)
    with open(os.path.join(out_dir, "table.md"), "w") as f:
        f.write(table)
    with open(os.path.join(out_dir, "rows.json"), "w") as f:
        json.dump({"meta": meta, "rows": [
            {"section": r.section, "label": r.label, "unit": r.unit, "better": r.better,
             "ours": r.ours, "python": r.py, "gain": r.gain(),
             "target": r.target.text if r.target else None, "met": r.met()} for r in rows]}, f, indent=1)
    print(table)
    log(f"results in {out_dir}")
    if a.readme:
        write_readme(table)
        log("README.md updated between the bench markers")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
