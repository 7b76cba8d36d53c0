"""Idle: memory, CPU and wake-ups of a daemon with 100 sleeping children and nothing to do.

After every child is RUNNING and a settle time, the daemon's RSS and PSS are read once; then
over the idle window its CPU (schedstat nanoseconds, summed over its threads) and its wake-ups
(voluntary context switches of every thread: each is a thread going back to sleep) are counted.
A daemon that sleeps until its next deadline has none; one with a 1 s poll timeout has one a
second.
"""

from __future__ import annotations

import time

import procfs
from daemon import sleepers


def launch(ctx, impl) -> dict:
    """One daemon: its memory once settled, then CPU and wake-ups over the idle window."""
    s = ctx.settings
    with ctx.daemon(impl, sleepers(ctx.tools.sleep, "idle", s.idle_procs), "idle") as d:
        d.launch()
        d.wait_ready()
        d.wait_all(s.idle_procs, {"RUNNING"})
        time.sleep(s.idle_settle_s)
        mem = procfs.memory_kib(d.pid)
        cpu0, wake0, t0 = procfs.thread_cpu_ns(d.pid), procfs.thread_wakeups(d.pid), time.perf_counter()
        time.sleep(s.idle_window_s)
        cpu1, wake1, t1 = procfs.thread_cpu_ns(d.pid), procfs.thread_wakeups(d.pid), time.perf_counter()
        d.check_alive()
        return {"rss_kib": mem["rss"], "pss_kib": mem.get("pss"), "threads": mem["threads"],
                "window_s": t1 - t0, "wakeups": procfs.grown_by(wake0, wake1),
                "cpu_s": procfs.grown_by(cpu0, cpu1) / 1e9}
