"""Crash to RUNNING: how soon an `autorestart=true, startsecs=0` program runs again after
`kill -9` of its child.

After each kill, getProcessInfo is polled (every settings.crash_poll_s) until it shows a new pid
RUNNING; the latency is from the kill to the arrival of that answer (the state may have been
reached at any time before it). Polling from Python costs ~0.4 ms a call, which is the
resolution: a restart faster than that reads as about one poll.
"""

from __future__ import annotations

import os
import signal
import time

from daemon import BenchError, program


def launch(ctx, impl) -> dict:
    """One daemon, settings.per_launch(crash_kills) kills: {"samples_s": [...]}."""
    s = ctx.settings
    victim = program("victim", f"{ctx.tools.sleep} 1000", autorestart="true", startsecs=0)
    with ctx.daemon(impl, victim, "crash") as d:
        d.launch()
        d.wait_ready()
        d.wait_all(1, {"RUNNING"})
        api = d.proxy().supervisor
        samples = []
        for _ in range(s.per_launch(s.crash_kills)):
            old = api.getProcessInfo("victim")["pid"]
            t0 = time.perf_counter()
            os.kill(old, signal.SIGKILL)
            while True:
                info = api.getProcessInfo("victim")
                seen = time.perf_counter()
                if info["pid"] not in (0, old) and info["statename"] == "RUNNING":
                    samples.append(seen - t0)
                    break
                if seen - t0 > 10:
                    raise BenchError(f"no new RUNNING pid 10 s after kill -9 (now {info['statename']})")
                time.sleep(s.crash_poll_s)
            time.sleep(0.02)  # let the new child settle before the next kill
        return {"samples_s": samples}
