"""Starting and stopping many programs: `numprocs=N` of `sleep 1000`, `startsecs=0`.

Start: from the daemon's launch until getAllProcessInfo shows all N RUNNING (the send time of
the call that saw it), and the daemon's CPU (utime+stime, 10 ms ticks) up to then, start-up
included. The daemon's RSS with N children is read right after. Stop: `stopAllProcesses(wait)`
until all N are STOPPED, and the daemon's CPU for it. Every child has the default AUTO stdout
and stderr logs, so a start creates 2N files: where the temp dir is matters (see floors).
"""

from __future__ import annotations

import time

import procfs
from daemon import sleepers


def _one(ctx, impl, n: int) -> dict:
    with ctx.daemon(impl, sleepers(ctx.tools.sleep, "many", n, startsecs=0), f"start{n}") as d:
        t0 = d.launch()
        d.wait_ready()
        # Processes start in numprocs order, so the last one is the last to get RUNNING.
        t_running = d.wait_all(n, {"RUNNING"}, last=f"many:many_{n - 1:04d}")
        start_cpu = procfs.cpu_seconds(d.pid)
        rss = procfs.memory_kib(d.pid)["rss"]
        t1 = time.perf_counter()
        d.proxy(300.0).supervisor.stopAllProcesses(True)
        t_stopped = d.wait_all(n, {"STOPPED"}, timeout=120)
        return {"n": n, "start_s": t_running - t0, "start_cpu_s": start_cpu, "rss_kib": rss,
                "stop_s": t_stopped - t1, "stop_cpu_s": procfs.cpu_seconds(d.pid) - start_cpu}


def launch(ctx, impl) -> dict:
    """One daemon per N of settings.start_n, in that order: {"by_n": {N: record}}."""
    return {"by_n": {n: _one(ctx, impl, n) for n in ctx.settings.start_n}}
