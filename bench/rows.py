"""The rows of the published table, built from the scenarios' records.

A row holds every sample of both implementations (one per launch, or one per call/kill/run for
latencies) and says which direction is better and which target of issue 8 (or 3, 4) it has.
The cross-check builds the same rows from the shared harness's results, so the two tables can be
matched row by row on (section, label).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from stats import MiB, median

PY = "Python 4.3.0"
OURS = "supervisor-rs"
START = "1000 programs (startsecs=0)"
SCHEDSTAT = "schedstat ns (utime+stime ticks if a daemon thread came or went)"


@dataclass
class Target:
    """A target. kind "gain": gain >= value; "max"/"min": our median <= / >= value."""

    kind: str
    value: float
    text: str

    def met(self, ours_median, gain):
        """True/False, or None when a side has no samples."""
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
        """How many times better ours is (> 1 is better); None without a direction or samples."""
        p, o = median(self.py), median(self.ours)
        if p is None or o is None or self.better is None:
            return None
        if self.better == "lower":
            return float("inf") if o == 0 else p / o
        return float("inf") if p == 0 else o / p

    def met(self):
        """Whether our median meets the row's target (None without a target or samples)."""
        return None if self.target is None else self.target.met(median(self.ours), self.gain())


def _samples(records, extract) -> list:
    """Every non-None value extract(record) yields, over the records."""
    return [v for rec in records for v in extract(rec) if v is not None]


class _Builder:
    """Appends rows whose samples come from one scenario's records of each implementation."""

    def __init__(self):
        self.rows = []

    def add(self, records, section, label, unit, better, extract, target=None, note=""):
        """A row whose samples are what extract(record) yields for each implementation's records."""
        py, ours = records.get(PY, []), records.get(OURS, [])
        self.rows.append(Row(section, label, unit, better, _samples(py, extract),
                             _samples(ours, extract), target, note))

    def same(self, section, label, unit, samples, note=""):
        """A row measured without any supervisor, shown in both columns."""
        self.rows.append(Row(section, label, unit, None, list(samples), list(samples), note=note))


def _one(key, scale=1.0):
    return lambda rec: [None if rec.get(key) is None else rec[key] * scale]


def _all(key, scale=1.0):
    return lambda rec: [x * scale for x in rec.get(key, [])]


def _idle_rows(b: _Builder, records, window_s: float) -> None:
    sec = "idle, 100 programs"
    b.add(records, sec, "RSS", "MiB", "lower", _one("rss_kib", 1 / 1024), Target("gain", 5, "≤ 1/5"))
    b.add(records, sec, "PSS", "MiB", "lower", _one("pss_kib", 1 / 1024))
    b.add(records, sec, "wake-ups per 10 s", "count", "lower",
          lambda r: [10 * r["wakeups"] / r["window_s"]], Target("max", 0, "0"),
          note=f"voluntary context switches of all daemon threads over a {window_s:g} s window")
    b.add(records, sec, "CPU", "ms/s", "lower", lambda r: [1000 * r["cpu_s"] / r["window_s"]],
          note="schedstat ns over the idle window")


def _at(n):
    """The record of the launch with n programs, as a one-record list (empty if absent)."""
    return lambda rec: [x for k, x in rec["by_n"].items() if int(k) == n]


def _start_rows(b: _Builder, records, section: str, floor=None, stop=True) -> None:
    def of_1000(key):
        return lambda rec: [x[key] for x in _at(1000)(rec)]

    b.add(records, section, "start: launch → all RUNNING", "s", "lower", of_1000("start_s"),
          Target("gain", 10, "≥ 10×"))
    b.add(records, section, "start: daemon CPU", "s", "lower", of_1000("start_cpu_s"),
          Target("gain", 10, "≥ 10× less (issue 3)"), note="utime+stime, 10 ms ticks")
    if floor:
        b.same(section, f"floor: create {2 * floor['n']} AUTO log files here", "s",
               floor["create_files_s"],
               note="no supervisor: open(O_CREAT) in a fresh dir of the same file system; "
               "shown in both columns")
        b.same(section, f"floor: posix_spawn {floor['n']} × sleep (3 pipes each)", "s",
               floor["spawn_s"], note="no supervisor, from Python")
    if stop:
        b.add(records, section, "stop: stopAllProcesses → all STOPPED", "s", "lower", of_1000("stop_s"))
        b.add(records, section, "stop: daemon CPU", "s", "lower", of_1000("stop_cpu_s"),
              note="utime+stime, 10 ms ticks")


def _memory_rows(b: _Builder, records) -> None:
    def per_process(rec):
        small, big = _at(10)(rec), _at(1000)(rec)
        if not small or not big:
            return []
        return [(big[0]["rss_kib"] - small[0]["rss_kib"]) / 990]

    sec = "memory"
    b.add(records, sec, "RSS with 10 programs", "MiB", "lower",
          lambda r: [x["rss_kib"] / 1024 for x in _at(10)(r)])
    b.add(records, sec, "RSS with 1000 programs", "MiB", "lower",
          lambda r: [x["rss_kib"] / 1024 for x in _at(1000)(r)])
    b.add(records, sec, "per managed process (RSS@1000 − RSS@10) / 990", "KiB", "lower", per_process)


def _crash_rows(b: _Builder, records) -> None:
    b.add(records, "crash → RUNNING (kill -9, startsecs=0)", "latency", "ms", "lower",
          _all("samples_s", 1000), Target("gain", 5, "≥ 5×"))


def _flood_rows(b: _Builder, records, nbytes: int) -> None:
    mib = nbytes / MiB
    for mode, what in (("norotate", "no rotation"), ("rotate", "rotation 50MB × 3")):
        sec = f"log: 1 flooding child, {mib:.0f} MiB, {what}"
        b.add(records, sec, "throughput", "MiB/s", "higher", lambda r, m=mode: [r[m]["mib_per_s"]],
              Target("gain", 1.3, "≥ 1.3×"))
        b.add(records, sec, "daemon CPU per GiB", "s", "lower", lambda r, m=mode: [r[m]["cpu_s_per_gib"]],
              Target("gain", 3, "≤ 1/3"), note=SCHEDSTAT)
        b.add(records, sec, "% of `cat > file`", "%", "higher",
              lambda r, m=mode: [100 * r[m]["mib_per_s"] / r["limit"]["mib_per_s"]],
              Target("min", 95, "≥ 95%"), note="per launch: rate / the cat rate measured in the same launch")
    sec = f"log: 1 flooding child, {mib:.0f} MiB"
    b.add(records, sec, "limit: `cat > file` throughput", "MiB/s", None, lambda r: [r["limit"]["mib_per_s"]],
          note="measured in each implementation's own launches")
    b.add(records, sec, "limit: `cat` CPU per GiB", "s", None, lambda r: [r["limit"]["cpu_s_per_gib"]])


def _rpc_rows(b: _Builder, records, procs: int) -> None:
    sec = f"XML-RPC, {procs} processes"
    b.add(records, sec, "getAllProcessInfo latency", "ms", "lower", _all("all_info_s", 1000),
          Target("gain", 50, "≥ 50×"))
    b.add(records, sec, "getState latency", "ms", "lower", _all("state_s", 1000))
    b.add(records, sec, "getState req/s, 4 clients", "req/s", "higher", lambda r: [r["rps"]["rps"]],
          Target("gain", 20, "≥ 20× (issue 4)"),
          note="the 4 clients are Python processes on the same cores; see daemon CPU per request")
    b.add(records, sec, "getState daemon CPU per request", "µs", "lower",
          lambda r: [1e6 * r["rps"]["daemon_cpu_s"] / r["rps"]["requests"]] if r["rps"]["requests"] else [])
    b.add(records, sec, "getState daemon CPU share during req/s run", "%", None,
          lambda r: [100 * r["rps"]["daemon_cpu_s"] / r["rps"]["seconds"]],
          note="100% = the daemon's one core was saturated")


def _ctl_rows(b: _Builder, records, procs: int) -> None:
    b.add(records, f"supervisorctl, {procs} programs", "`supervisorctl status` wall time", "ms", "lower",
          _all("samples_s", 1000), Target("gain", 20, "≥ 20×"),
          note="each implementation's ctl against its own daemon")


def _chatty_rows(b: _Builder, res: dict) -> None:
    """Rows of the 50-chatty-children scenario, whose result keeps its own shape (chatty.run)."""
    p = res["params"]
    mib = p["children"] * p["bytes_per_child"] / MiB
    lim = res.get("limit", [])
    for mode, what in (("norotate", "no rotation"), ("rotate", "rotation, ~4 per child")):
        sec = f"log: {p['children']} chatty children (1 write per line), {mib:.0f} MiB, {what}"
        # Each round measured the limit once, next to one run of each implementation.
        records = {label: [{"run": run, "limit": limit} for run, limit in zip(res.get(label, {}).get(mode, []),
                                                                            lim)]
                   for label in (PY, OURS)}
        b.add(records, sec, "throughput", "MiB/s", "higher", lambda r: [r["run"]["mib_per_s"]],
              Target("gain", 1.3, "≥ 1.3×"))
        b.add(records, sec, "daemon CPU per GiB", "s", "lower", lambda r: [r["run"]["cpu_s_per_gib"]],
              Target("gain", 3, "≤ 1/3"), note=SCHEDSTAT)
        b.add(records, sec, "% of `cat > file`", "%", "higher",
              lambda r: [100 * r["run"]["mib_per_s"] / r["limit"]["mib_per_s"]], Target("min", 95, "≥ 95%"))
    sec = f"log: {p['children']} chatty children (1 write per line), {mib:.0f} MiB"
    b.same(sec, "limit: 50 × `cat > file` throughput", "MiB/s", [x["mib_per_s"] for x in lim],
           note="one measurement per round, shown in both columns")
    b.same(sec, "limit: `cat` CPU per GiB", "s", [x["cpu_s_per_gib"] for x in lim])


def build(results: dict, settings, floor=None, tmpfs=None, chatty=None) -> list:
    """Every row, in the table's order, of the scenarios present in results ({scenario:
    {label: [records]}}). tmpfs is (where, records, floor) of the start run with logs on a tmpfs."""
    b = _Builder()
    if "idle" in results:
        _idle_rows(b, results["idle"], settings.idle_window_s)
    if "start" in results:
        _start_rows(b, results["start"], START, floor)
    if tmpfs:
        where, records, tmpfs_floor = tmpfs
        _start_rows(b, records, f"1000 programs, logs on {where}", tmpfs_floor, stop=False)
    if "start" in results:
        _memory_rows(b, results["start"])
    if "crash" in results:
        _crash_rows(b, results["crash"])
    if "flood" in results:
        _flood_rows(b, results["flood"], settings.flood_bytes)
    if "rpc" in results:
        _rpc_rows(b, results["rpc"], settings.rpc_procs)
    if "ctl" in results:
        _ctl_rows(b, results["ctl"], settings.ctl_procs)
    if chatty:
        _chatty_rows(b, chatty)
    return b.rows
