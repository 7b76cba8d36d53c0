"""Optional cross-check against the shared harness (`../shared/bench/run.py`), when it exists.

The suite measures every row itself; this runs the shared harness once more on both
implementations with the same sizes, turns its results into the suite's records, builds the same
rows from them and prints the medians of both harnesses side by side. Rows only the suite
measures (floors, logs on tmpfs, chatty children) have no counterpart and are left out.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import rows as table_rows
from rows import OURS, PY
from stats import fmt, median

# The shared harness's name for each of the suite's parts it also measures.
SCENARIOS = {"idle": "idle_rss", "start": "start_many", "crash": "restart_latency",
             "flood": "log_throughput", "rpc": "rpc_latency", "ctl": "ctl_latency"}


def _arguments(s) -> list:
    """The shared harness's options for the suite's settings."""
    return ["--reps", str(s.reps), "--scenario-budget", str(s.budget_s),
            "--idle-procs", str(s.idle_procs), "--idle-settle", str(s.idle_settle_s),
            "--idle-window", str(s.idle_window_s), "--start-n", ",".join(map(str, s.start_n)),
            "--restart-kills", str(s.crash_kills), "--poll-interval", str(s.crash_poll_s),
            "--log-bytes", str(s.flood_bytes), "--rpc-procs", str(s.rpc_procs),
            "--rpc-calls", str(s.rpc_calls), "--rpc-max-seconds", str(s.rpc_max_s),
            "--rps-clients", str(s.rps_clients), "--rps-seconds", str(s.rps_seconds),
            "--ctl-procs", str(s.ctl_procs), "--ctl-reps", str(s.ctl_runs)]


def _launches(res: dict, scenario: str) -> list:
    return res.get("scenarios", {}).get(scenario, {}).get("reps", [])


def _idle(r):
    return {"rss_kib": r["rss_kib"], "pss_kib": r.get("pss_kib"), "window_s": r["window_s"],
            "wakeups": r["voluntary_ctxt_per_s"] * r["window_s"],
            "cpu_s": r["idle_sched_ms_per_s"] * r["window_s"] / 1000}


def _starts(launches, first_n) -> list:
    """The harness lists one entry per N; a launch begins at each entry for the first N."""
    out = []
    for r in launches:
        if r["n"] == first_n or not out:
            out.append({"by_n": {}})
        out[-1]["by_n"][r["n"]] = {"start_s": r["start_s"], "start_cpu_s": r["start_cpu_s"],
                                   "rss_kib": r["rss_kib_with_children"], "stop_s": r["stop_s"],
                                   "stop_cpu_s": r["stop_cpu_s"]}
    return out


def _floods(res) -> list:
    sc = res.get("scenarios", {}).get("log_throughput", {})
    return [{"limit": {"mib_per_s": lim["mib_per_s"], "cpu_s_per_gib": lim["cat_cpu_s_per_gib"]},
             "norotate": norot, "rotate": rot}
            for lim, norot, rot in zip(sc.get("limit", []), sc.get("norotate", []), sc.get("rotate", []))]


def records(res: dict, settings) -> dict:
    """One implementation's shared-harness result as the suite's {scenario: [records]}."""
    return {
        "idle": [_idle(r) for r in _launches(res, "idle_rss")],
        "start": _starts(_launches(res, "start_many"), settings.start_n[0]),
        "crash": [{"samples_s": r["samples_s"]} for r in _launches(res, "restart_latency")],
        "flood": _floods(res),
        "rpc": [{"all_info_s": r["samples_getAllProcessInfo_s"], "state_s": r["samples_getState_s"],
                 "rps": r["rps"]} for r in _launches(res, "rpc_latency")],
        "ctl": [{"samples_s": r["samples_s"]} for r in _launches(res, "ctl_latency")],
    }


def run(harness: str, py, ours, settings, parts, out_dir: str, tmp_parent, log) -> tuple:
    """Runs the shared harness on both implementations for those of the suite's parts it also
    measures, launches interleaved; returns (its rows, errors). Its JSON files and markdown are
    kept in out_dir as shared-*.json and shared.md."""
    scenarios = [SCENARIOS[p] for p in parts if p in SCENARIOS]
    if not scenarios:
        return [], []
    py_json, ours_json = os.path.join(out_dir, "shared-python.json"), os.path.join(out_dir, "shared-ours.json")
    cmd = [sys.executable, harness,
           "--supervisord", py.supervisord, "--supervisorctl", py.supervisorctl, "--label", PY,
           "--out", py_json,
           "--compare-supervisord", ours.supervisord, "--compare-supervisorctl", ours.supervisorctl,
           "--compare-label", OURS, "--compare-out", ours_json, "--md", os.path.join(out_dir, "shared.md")]
    cmd += [x for s in scenarios for x in ("--scenario", s)] + _arguments(settings)
    if tmp_parent:
        cmd += ["--tmpdir", tmp_parent]
    log("cross-check with the shared harness: " + " ".join(cmd[1:]))
    errors = []
    rc = subprocess.run(cmd).returncode
    if rc != 0:
        errors.append(f"shared harness exited with {rc} (see {out_dir}/shared-*.json)")
    results = {}
    for label, path in ((PY, py_json), (OURS, ours_json)):
        try:
            with open(path) as f:
                res = json.load(f)
        except (OSError, ValueError) as e:
            errors.append(f"shared harness: no result for {label}: {e}")
            return [], errors
        errors += [f"shared harness, {label} {name}: {sc['error']}"
                   for name, sc in res.get("scenarios", {}).items() if "error" in sc]
        for scenario, recs in records(res, settings).items():
            if recs:  # the parts not run have no rows
                results.setdefault(scenario, {})[label] = recs
    return table_rows.build(results, settings), errors


def render(ours_rows, shared_rows) -> str:
    """Medians of both harnesses side by side, for the rows both measure."""
    shared = {(r.section, r.label): r for r in shared_rows}
    out = ["Cross-check: the same rows measured by the shared harness (../shared/bench/run.py) in "
           "the same run, after ours. Medians; gain as in the main table.", "",
           f"| scenario | metric | unit | {OURS}: bench/ | shared | {PY}: bench/ | shared "
           "| gain: bench/ | shared |",
           "|---|---|---|---:|---:|---:|---:|---:|---:|"]
    last = None
    for r in ours_rows:
        s = shared.get((r.section, r.label))
        if s is None:
            continue

        def gain(row):
            g = row.gain()
            return "" if g is None else f"{fmt(g)}×"
        out.append("| " + " | ".join([
            r.section if r.section != last else "", r.label, r.unit,
            fmt(median(r.ours)), fmt(median(s.ours)), fmt(median(r.py)), fmt(median(s.py)), gain(r), gain(s),
        ]) + " |")
        last = r.section
    return "\n".join(out) + "\n"
