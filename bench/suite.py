#!/usr/bin/env python3
"""The supervisor-rs benchmark suite: our binaries side by side with Python Supervisor 4.3.0.

Run through `bench/run`, which builds the release binaries and the venv first. Every row is
measured here, by the scenarios in bench/scenarios/, with the launches of the two
implementations interleaved in the same run:

  idle        100 sleeping programs: RSS, PSS, wake-ups and CPU over an idle window
  start       1000 programs (and 10, for memory per process): launch → all RUNNING, stop
  floors      what creating the log files and spawning 1000 processes costs without a supervisor
  start again with the logs on a tmpfs (--tmpfs), next to its floors there
  crash       kill -9 → RUNNING again
  flood       one child flooding its log, with and without rotation, next to `cat > file`
  rpc         getAllProcessInfo / getState latency with 1000 processes, getState req/s
  ctl         `supervisorctl status` with 100 programs
  chatty      50 children writing one line per write(2), next to 50 × `cat > file`

It prints one table (median and p95 of each row for both implementations, the gain and the
target, met or missed) and, with --readme, writes it into README.md between the bench markers.
Raw results go to bench/results/<UTC time>/. With --cross-check, the shared harness
(../shared/bench/run.py), when present, measures the same rows once more for comparison.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import tempfile
import time
from dataclasses import replace

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import crosscheck  # noqa: E402
import procfs  # noqa: E402
import rows  # noqa: E402
import settings as modes  # noqa: E402
import table  # noqa: E402
from daemon import Impl, become_subreaper  # noqa: E402
from runner import Context, interleaved  # noqa: E402
from scenarios import chatty, crash, ctl, flood, floors, idle, rpc_load, start  # noqa: E402
from tools import Tools  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_HARNESS = os.path.join(REPO, "..", "shared", "bench", "run.py")
# The interleaved scenarios, in the order they run (the table has its own order).
SCENARIOS = {"idle": idle, "start": start, "crash": crash, "flood": flood, "rpc": rpc_load, "ctl": ctl}
PARTS = list(SCENARIOS) + ["chatty"]
EPILOG = """environment (bench/run):
  BENCH_NO_BUILD=1              skip `cargo build --release --bins`
  CARGO_TARGET_DIR              where our release binaries are (default target/)
  SUPERVISOR_BENCH_HARNESS      the shared harness for --cross-check

Needs Linux (/proc), Python 3.9+ (standard library only), sh, sleep, yes, head, cat and awk.
bench/README.md says how each row is measured."""


def parse_args(argv):
    """The options (bench/run passes ours' binaries first, then the user's arguments)."""
    p = argparse.ArgumentParser(prog="bench/run", description=__doc__, epilog=EPILOG,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true",
                   help="every row, with smaller windows and 2 launches each (a few minutes)")
    p.add_argument("--reps", type=int, help="launches per scenario and implementation (default 5, quick 2)")
    p.add_argument("--only", action="append", choices=PARTS, metavar="PART",
                   help=f"run only this part (repeatable): {', '.join(PARTS)}; "
                   "'start' includes its floors and the tmpfs run")
    p.add_argument("--readme", action="store_true", help="write the table into README.md between the markers")
    p.add_argument("--out-dir", help="where the raw results go (default bench/results/<UTC time>)")
    p.add_argument("--tmpdir", help="parent of the daemons' temp dirs (configs, sockets, logs) and of the "
                   "floors' files, e.g. /dev/shm to take the disk out of the picture; default: $TMPDIR or /tmp")
    p.add_argument("--tmpfs", default="/dev/shm",
                   help="a tmpfs where starting 1000 programs is measured a second time, without the disk's "
                   "cost of creating their log files; 'none' skips that run (default /dev/shm)")
    p.add_argument("--keep-temp", action="store_true", help="keep the daemons' temp dirs (debugging)")
    p.add_argument("--cross-check", action="store_true",
                   help="also run the shared harness (../shared/bench/run.py, or --harness) on the same rows "
                   "and print its medians next to ours; skipped with a warning if it is not there")
    p.add_argument("--harness", default=os.environ.get("SUPERVISOR_BENCH_HARNESS", DEFAULT_HARNESS),
                   help="the shared harness for --cross-check (env SUPERVISOR_BENCH_HARNESS)")
    g = p.add_argument_group("binaries", "bench/run passes ours from $CARGO_TARGET_DIR (default target/)")
    g.add_argument("--ours-supervisord", required=True)
    g.add_argument("--ours-supervisorctl", required=True)
    g.add_argument("--py-supervisord", default=os.path.join(REPO, ".venv/bin/supervisord"))
    g.add_argument("--py-supervisorctl", default=os.path.join(REPO, ".venv/bin/supervisorctl"))
    a = p.parse_args(argv)
    if a.reps is not None and a.reps < 1:
        p.error("--reps must be at least 1")
    for path in (a.ours_supervisord, a.ours_supervisorctl, a.py_supervisord, a.py_supervisorctl):
        if not (os.path.isfile(path) and os.access(path, os.X_OK)):
            p.error(f"not an executable file: {path}")
    return a


def tmpfs_dir(path):
    """`path` if it is a writable directory on a tmpfs, else None."""
    if path == "none" or not os.path.isdir(path) or not os.access(path, os.W_OK):
        return None
    return path if procfs.file_system_of(path).endswith("(tmpfs)") else None


def save_json(out_dir: str, name: str, obj) -> None:
    """Writes obj as out_dir/name (raw results, saved as each part ends)."""
    with open(os.path.join(out_dir, name), "w") as f:
        json.dump(obj, f, indent=1)


class Run:
    """One run of the suite: what it measured so far, and the errors."""

    def __init__(self, a, ctx: Context, impls, out_dir: str):
        self.a, self.ctx, self.impls, self.out_dir = a, ctx, impls, out_dir
        self.results, self.errors = {}, []
        self.floor = self.tmpfs = self.chatty = None

    def wanted(self, part: str) -> bool:
        """Whether --only leaves this part in."""
        return not self.a.only or part in self.a.only

    def scenario(self, name: str, ctx: Context = None) -> dict:
        """Runs one scenario interleaved; returns {label: [records]} and keeps the errors."""
        res = interleaved(name, ctx or self.ctx, self.impls, SCENARIOS[name].launch)
        self.errors += [f"{label} {name}: {e}" for label, e in res["errors"].items()]
        return res["records"]

    def measure(self) -> None:
        """Every wanted part, saving each one's raw results as soon as it is done."""
        s, log = self.ctx.settings, self.ctx.log
        for name in SCENARIOS:
            if not self.wanted(name):
                continue
            self.results[name] = self.scenario(name)
            save_json(self.out_dir, "scenarios.json", self.results)
            if name == "start":
                self.floor = floors.run(s.floor_reps, 1000, log, self.ctx.tmp_parent)
                save_json(self.out_dir, "floors.json", self.floor)
                self.start_on_tmpfs()
        if self.wanted("chatty"):
            self.chatty = chatty.run(self.ctx, self.impls)
            save_json(self.out_dir, "chatty.json", self.chatty)
            self.errors += [f"{k} chatty: {v}" for k, v in self.chatty["errors"].items()]

    def start_on_tmpfs(self) -> None:
        """Starting 1000 programs again with the logs on a tmpfs, where creating 2000 files costs
        next to nothing: what the daemons cost without the disk (which both pay)."""
        where = tmpfs_dir(self.a.tmpfs)
        if not where:
            if self.a.tmpfs != "none":
                self.ctx.log(f"{self.a.tmpfs} is not a writable tmpfs: the start run without the disk is skipped")
            return
        s = replace(self.ctx.settings, start_n=(1000,))
        ctx = replace(self.ctx, settings=s, tmp_parent=where)
        records = self.scenario("start", ctx)
        floor = floors.run(s.floor_reps, 1000, self.ctx.log, where)
        save_json(self.out_dir, "start-tmpfs.json", {"records": records, "floors": floor})
        self.tmpfs = (procfs.file_system_of(where), records, floor)

    def rows(self) -> list:
        """The table's rows from everything measured."""
        return rows.build(self.results, self.ctx.settings, self.floor, self.tmpfs, self.chatty)


def main(argv=None):
    """Measures, prints and saves the table; 1 if any part failed."""
    a = parse_args(argv if argv is not None else sys.argv[1:])
    if sys.platform != "linux":
        raise SystemExit("bench: Linux only (reads /proc)")
    become_subreaper()
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H%M%SZ")
    out_dir = a.out_dir or os.path.join(REPO, "bench", "results", stamp)
    os.makedirs(out_dir, exist_ok=True)
    py = Impl(rows.PY, os.path.abspath(a.py_supervisord), os.path.abspath(a.py_supervisorctl))
    ours = Impl(rows.OURS, os.path.abspath(a.ours_supervisord), os.path.abspath(a.ours_supervisorctl))

    def log(msg):
        print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)

    settings = modes.chosen(a.quick, a.reps)
    ctx = Context(settings, Tools(), a.tmpdir, a.keep_temp, log)
    t0, busy0, load_start = time.monotonic(), procfs.machine_cpu_jiffies(), procfs.loadavg()
    run = Run(a, ctx, [py, ours], out_dir)
    run.measure()
    busy1 = procfs.machine_cpu_jiffies()
    meta = {
        "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "mode": "quick" if a.quick else "full",
        "elapsed_min": (time.monotonic() - t0) / 60,
        "commit": table.git_describe(REPO),
        "machine": table.machine(),
        "load_start": load_start,
        "load_end": procfs.loadavg(),
        "busy_pct": 100 * (busy1[0] - busy0[0]) / max(1, busy1[1] - busy0[1]),
        "errors": run.errors,
        "tmp_fs": procfs.file_system_of(a.tmpdir or tempfile.gettempdir()),
    }
    found = run.rows()
    text = table.render(found, meta)
    with open(os.path.join(out_dir, "table.md"), "w") as f:
        f.write(text)
    save_json(out_dir, "rows.json", table.rows_json(found, meta))
    print(text)
    if a.cross_check:
        cross_check(a, run, found, py, ours)
    log(f"results in {out_dir}")
    if a.readme:
        table.write_readme(REPO, text)
        log("README.md updated between the bench markers")
    return 1 if run.errors else 0


def cross_check(a, run: Run, found, py, ours) -> None:
    """The shared harness on the same rows, printed next to ours (never into the README)."""
    if not os.path.isfile(a.harness):
        run.ctx.log(f"--cross-check: no shared harness at {a.harness}; skipped")
        return
    parts = [p for p in PARTS if run.wanted(p)]
    shared_rows, errors = crosscheck.run(a.harness, py, ours, run.ctx.settings, parts, run.out_dir,
                                         a.tmpdir, run.ctx.log)
    run.errors += errors
    text = crosscheck.render(found, shared_rows)
    if errors:
        text += "\nErrors:\n" + "".join(f"- {e}\n" for e in errors)
    with open(os.path.join(run.out_dir, "crosscheck.md"), "w") as f:
        f.write(text)
    print(text)


if __name__ == "__main__":
    sys.exit(main())
