"""What the benchmarks read about a process and the machine from Linux's /proc.

No psutil: the suite runs on the standard library. Every reader takes a pid and raises
FileNotFoundError/ProcessLookupError once the process is gone, unless it says otherwise.
"""

from __future__ import annotations

import os

from stats import CLK_TCK


def _stat_fields(pid: int) -> list:
    """/proc/PID/stat after the command name (which may hold spaces): [0] state, [1] ppid,
    [11] utime, [12] stime, [19] starttime."""
    with open(f"/proc/{pid}/stat", "rb") as f:
        return f.read().rsplit(b")", 1)[1].split()


def cpu_seconds(pid: int) -> float:
    """utime+stime of a whole process (all threads, live and exited), in 10 ms ticks."""
    fields = _stat_fields(pid)
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def start_time(pid: int) -> bytes:
    """The process's start time in ticks since boot: with the pid, it names one process."""
    return _stat_fields(pid)[19]


def has_exited(pid: int) -> bool:
    """True once pid is a zombie or gone, i.e. the program itself has finished."""
    try:
        return _stat_fields(pid)[0] in (b"Z", b"X")
    except (FileNotFoundError, ProcessLookupError):
        return True


def _threads(pid: int) -> list:
    try:
        return os.listdir(f"/proc/{pid}/task")
    except FileNotFoundError:
        return []


def thread_cpu_ns(pid: int) -> dict:
    """{tid: nanoseconds on CPU} of each live thread (schedstat: exact, but exited threads are
    not counted, unlike utime+stime)."""
    out = {}
    for tid in _threads(pid):
        try:
            with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                out[tid] = int(f.read().split()[0])
        except (FileNotFoundError, ProcessLookupError):
            pass
    return out


def thread_wakeups(pid: int) -> dict:
    """{tid: voluntary context switches} of each live thread: each one is the thread going to
    sleep, so over an idle window the sum counts the daemon's wake-ups."""
    out = {}
    for tid in _threads(pid):
        try:
            with open(f"/proc/{pid}/task/{tid}/status") as f:
                for line in f:
                    if line.startswith("voluntary_ctxt_switches:"):
                        out[tid] = int(line.split()[1])
                        break
        except (FileNotFoundError, ProcessLookupError):
            pass
    return out


def grown_by(before: dict, after: dict) -> int:
    """Sum over the threads alive at the end of how much each counter grew (a thread born in
    between counts from zero)."""
    return sum(v - before.get(tid, 0) for tid, v in after.items())


class CpuMeter:
    """CPU time of one process between start() and stop(), as precisely as /proc allows.

    schedstat gives nanoseconds but only for live threads; utime+stime counts exited threads too
    but in 10 ms ticks. When the set of threads is the same at both ends the nanosecond sum is
    exact; otherwise a thread came or went and the tick count is used."""

    def __init__(self, pid: int):
        self.pid = pid
        self._start = None

    def _sample(self):
        return cpu_seconds(self.pid), thread_cpu_ns(self.pid)

    def start(self) -> None:
        """Takes the first sample."""
        self._start = self._sample()

    def stop(self) -> float:
        """Seconds of CPU since start()."""
        (t0, ns0), (t1, ns1) = self._start, self._sample()
        if ns0.keys() == ns1.keys():
            return (sum(ns1.values()) - sum(ns0.values())) / 1e9
        return t1 - t0


def memory_kib(pid: int) -> dict:
    """{"rss": VmRSS, "pss": Pss (smaps_rollup), "threads": n}; PSS is left out if smaps_rollup
    cannot be read (another user's process)."""
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key == "VmRSS":
                out["rss"] = int(value.split()[0])
            elif key == "Threads":
                out["threads"] = int(value)
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    out["pss"] = int(line.split()[1])
                    break
    except (FileNotFoundError, PermissionError, ProcessLookupError):
        pass
    return out


def descendants(root: int) -> list:
    """[(pid, starttime)] of every live descendant of root, from one scan of /proc."""
    children = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            fields = _stat_fields(int(name))
        except (FileNotFoundError, ProcessLookupError):
            continue
        children.setdefault(int(fields[1]), []).append((int(name), fields[19]))
    out, todo = [], [root]
    while todo:
        for child in children.get(todo.pop(), []):
            out.append(child)
            todo.append(child[0])
    return out


def machine_cpu_jiffies() -> tuple:
    """(busy, total) jiffies of the whole machine since boot, from /proc/stat."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:9]]
    user, nice, system, _idle, _iowait, irq, softirq, _steal = v
    return user + nice + system + irq + softirq, sum(v)


def loadavg() -> str:
    """The three load averages, as /proc/loadavg prints them."""
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def file_system_of(path: str) -> str:
    """`DIR (FSTYPE)` for path, FSTYPE being that of the mount that holds it."""
    path = os.path.realpath(path)
    best, fstype = "", "?"
    with open("/proc/self/mounts") as f:
        for line in f:
            mount, kind = line.split()[1:3]
            inside = path == mount or path.startswith(mount.rstrip("/") + "/")
            if inside and len(mount) >= len(best):
                best, fstype = mount, kind
    return f"{path} ({fstype})"
