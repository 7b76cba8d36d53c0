"""`supervisorctl status` with 100 programs: the wall time of the whole command, start to exit.

Each implementation's ctl runs against its own daemon (`supervisorctl -c CONF status`), so the
row includes the ctl's own start-up (an interpreter for Python). One untimed run first checks
that it prints a RUNNING line for every program.
"""

from __future__ import annotations

import subprocess
import time

from daemon import BenchError, sleepers


def launch(ctx, impl) -> dict:
    """One daemon, settings.per_launch(ctl_runs) timed runs: {"samples_s": [...]}."""
    s = ctx.settings
    with ctx.daemon(impl, sleepers(ctx.tools.sleep, "svc", s.ctl_procs), "ctl") as d:
        d.launch()
        d.wait_ready()
        d.wait_all(s.ctl_procs, {"RUNNING"})
        cmd = [impl.supervisorctl, "-c", d.conf, "status"]
        first = subprocess.run(cmd, capture_output=True, timeout=60, cwd=d.dir)
        running = first.stdout.decode(errors="replace").count(" RUNNING ")
        if running != s.ctl_procs:
            raise BenchError(f"status printed {running} RUNNING lines, not {s.ctl_procs} "
                             f"(exit {first.returncode}): {first.stderr[-300:]!r}")
        samples = []
        for _ in range(s.per_launch(s.ctl_runs)):
            t0 = time.perf_counter()
            subprocess.run(cmd, capture_output=True, timeout=60, cwd=d.dir)
            samples.append(time.perf_counter() - t0)
        return {"samples_s": samples}
