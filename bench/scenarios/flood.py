"""One child flooding its stdout log: how fast and at what CPU cost a daemon moves the bytes.

The child is `yes LINE | head -c N` (a realistic 110-byte line, 8 KiB writes) with
`stdout_logfile` in the daemon's dir, once without rotation (maxbytes far above N, no backups)
and once with rotation (50MB × 3 backups). Timed from the startProcess call until the child has
exited (watched in /proc, which costs the daemon nothing), the state is EXITED (both daemons
drain the pipe before reporting an exit) and, without rotation, the log holds all N bytes.
The daemon's CPU is read over the same span (schedstat nanoseconds; 10 ms ticks if a thread
came or went).

The limit is the same generator piped into `cat > file`, measured in the same launch: it says
what the machine's pipe and page cache allow without any supervisor.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time

import procfs
from daemon import BenchError, program, wait_until
from stats import GiB, MiB

# No '%' (the config dialect would read an expansion) and no quotes (it sits inside two levels
# of quoting).
LINE = ("2024-05-01T12:00:00.000Z INFO app.worker: handled request "
        "id=7f3a9c path=/api/v1/items status=200 bytes=1234 ms=12")
FINISHED = ("EXITED", "BACKOFF", "FATAL", "STOPPED")
ROTATION = {"rotate": ("50MB", 3)}


def generator(tools, nbytes: int) -> str:
    """Shell text writing exactly nbytes of LINE lines to stdout."""
    return f"{tools.yes} '{LINE}' | {tools.head} -c {nbytes}"


def _daemon_run(ctx, impl, mode: str, nbytes: int) -> dict:
    maxbytes, backups = ROTATION.get(mode, (max(4 * nbytes, 4 * GiB), 0))

    def programs(d):
        return program("gen", f'{ctx.tools.sh} -c "{generator(ctx.tools, nbytes)}"',
                       autostart="false", autorestart="false", startsecs=0,
                       stdout_logfile=os.path.join(d, "gen.log"), stderr_logfile="NONE",
                       stdout_logfile_maxbytes=maxbytes, stdout_logfile_backups=backups)

    with ctx.daemon(impl, programs, f"flood-{mode}") as d:
        log = os.path.join(d.dir, "gen.log")
        d.launch()
        d.wait_ready()
        api = d.proxy().supervisor
        cpu = procfs.CpuMeter(d.pid)
        cpu.start()
        t0 = time.perf_counter()
        api.startProcess("gen", False)
        pid = api.getProcessInfo("gen")["pid"]
        if pid:
            wait_until("the generator to exit", lambda: procfs.has_exited(pid), 300, 0.002)

        def logged():
            d.check_alive()
            if api.getProcessInfo("gen")["statename"] not in FINISHED:
                return False
            return mode == "rotate" or os.path.getsize(log) >= nbytes
        wait_until("the generator's output to be logged", logged, 300)
        t1 = time.perf_counter()
        daemon_cpu = cpu.stop()
        if mode != "rotate" and os.path.getsize(log) != nbytes:
            raise BenchError(f"log holds {os.path.getsize(log)} bytes, not {nbytes}")
        return {"mib_per_s": nbytes / MiB / (t1 - t0), "wall_s": t1 - t0, "daemon_cpu_s": daemon_cpu,
                "cpu_s_per_gib": daemon_cpu / (nbytes / GiB)}


def _limit_run(ctx, nbytes: int) -> dict:
    tmp = tempfile.mkdtemp(prefix="sbr-limit-", dir=ctx.tmp_parent)
    path = os.path.join(tmp, "out")
    procs = []
    try:
        with open(path, "wb") as out:
            t0 = time.perf_counter()
            gen = subprocess.Popen([ctx.tools.sh, "-c", generator(ctx.tools, nbytes)],
                                   stdin=subprocess.DEVNULL, stdout=subprocess.PIPE)
            cat = subprocess.Popen([ctx.tools.cat], stdin=gen.stdout, stdout=out)
            procs = [gen, cat]
            gen.stdout.close()
            # wait4 gives cat's own CPU; Popen.wait would throw the rusage away.
            _, status, usage = os.wait4(cat.pid, 0)
            cat.returncode = os.waitstatus_to_exitcode(status)
            gen.wait(timeout=60)
            t1 = time.perf_counter()
        if os.path.getsize(path) != nbytes:
            raise BenchError(f"cat wrote {os.path.getsize(path)} bytes, not {nbytes}")
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        shutil.rmtree(tmp, ignore_errors=True)
    cpu = usage.ru_utime + usage.ru_stime
    return {"mib_per_s": nbytes / MiB / (t1 - t0), "wall_s": t1 - t0,
            "cpu_s_per_gib": cpu / (nbytes / GiB)}


def launch(ctx, impl) -> dict:
    """The limit, then one daemon without and one with rotation: {"limit", "norotate", "rotate"}."""
    n = ctx.settings.flood_bytes
    return {"limit": _limit_run(ctx, n), "norotate": _daemon_run(ctx, impl, "norotate", n),
            "rotate": _daemon_run(ctx, impl, "rotate", n)}
