"""Log capture from many chatty children: 50 programs that each write one line per write(2).

The flood scenario measures one child writing 8 KiB blocks. Real services mostly log line by
line, so the daemon sees many small reads from many pipes at once; this scenario measures that.
Each child is `awk` printing a 110-byte line and flushing after every line (one write(2) per
line), `lines` lines in all, the last one an end marker.

All children wait behind a gate (a FIFO the suite holds open; each child's shell blocks reading
it), so the timed window covers the output only, not spawning: the clock starts when the suite
closes the FIFO (every child then reads EOF and execs awk) and stops when every log file holds all
of its child's bytes (or, with rotation, the current file ends with the end marker) and every
process is EXITED. The same gated generators piped into `cat > file`, one `cat` per child, are the
machine's limit, measured between the daemon runs of the same round.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time

import procfs
from daemon import BenchError, wait_until
from scenarios.flood import FINISHED, LINE
from stats import GiB, MiB

END = "END-OF-CHATTY-LOG"


def holds_fd_to(pid: int, path: str) -> bool:
    """True if process pid has an open descriptor on path (it has opened the gate)."""
    try:
        fds = os.listdir(f"/proc/{pid}/fd")
    except (FileNotFoundError, PermissionError):
        return False
    for fd in fds:
        try:
            if os.readlink(f"/proc/{pid}/fd/{fd}") == path:
                return True
        except OSError:
            continue
    return False


class Gate:
    """A FIFO held open read-write by the suite: readers block until close() (then EOF)."""

    def __init__(self, directory: str):
        self.path = os.path.join(directory, "gate")
        os.mkfifo(self.path, 0o600)
        # O_RDWR never blocks on Linux, and as long as we hold it every reader's read() blocks.
        self.fd = os.open(self.path, os.O_RDWR)

    def wait_opened_by(self, pids) -> None:
        """Waits until every pid has the FIFO open, so that releasing reaches them all."""
        pids = list(pids)
        wait_until(f"{len(pids)} children to open the gate",
                   lambda: all(holds_fd_to(p, self.path) for p in pids), timeout=60)

    def release(self) -> float:
        """Closes our end (every blocked reader sees EOF); returns perf_counter() at that moment."""
        t = time.perf_counter()
        self.close()
        return t

    def close(self) -> None:
        """Closes our end if still open."""
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


def generator_script(tools, gate: str, lines: int) -> str:
    """Shell text: wait for the gate, then write `lines` lines, one write(2) each."""
    prog = "BEGIN{for(i=1;i<n;i++){print l;fflush()};print e;fflush()}"
    return (f'read x < {gate}; exec {tools.awk} -v n={lines} -v "l={LINE}" -v e={END} "{prog}"')


def child_bytes(lines: int) -> int:
    """Bytes one generator writes."""
    return (lines - 1) * (len(LINE) + 1) + len(END) + 1


def _log_path(directory: str, i: int) -> str:
    return os.path.join(directory, f"chat_{i:02d}.log")


def _programs(tools, gate: Gate, children: int, lines: int, rotate: bool):
    per_child = child_bytes(lines)
    if rotate:  # about four rotations per child, two backups kept
        maxbytes, backups = max(per_child // 4, 1024), 2
    else:
        maxbytes, backups = max(4 * per_child, GiB), 0
    command = f"{tools.sh} -c '{generator_script(tools, gate.path, lines)}'"

    def programs(d):
        return (f"[program:chat]\ncommand={command}\nprocess_name=chat_%(process_num)02d\n"
                f"numprocs={children}\nautostart=true\nautorestart=false\nstartsecs=0\n"
                f"stdout_logfile={d}/chat_%(process_num)02d.log\nstderr_logfile=NONE\n"
                f"stdout_logfile_maxbytes={maxbytes}\nstdout_logfile_backups={backups}\n")
    return programs


def log_complete(directory: str, i: int, lines: int, rotate: bool) -> bool:
    """The daemon has written all of child i's output (and, if rotating, rotated as needed)."""
    path = _log_path(directory, i)
    try:
        size = os.path.getsize(path)
    except OSError:
        return False
    if not rotate:
        return size == child_bytes(lines)
    tail_of = path if size else path + ".1"
    try:
        with open(tail_of, "rb") as f:
            f.seek(0, 2)
            f.seek(max(0, f.tell() - len(END) - 2))
            return f.read().endswith(b"\n" + END.encode() + b"\n")
    except OSError:
        return False


def daemon_rep(ctx, impl, rotate: bool) -> dict:
    """One fresh daemon: release the gate, time until every log is complete and all EXITED."""
    s = ctx.settings
    children, lines = s.chatty_children, s.chatty_lines
    gate_dir = tempfile.mkdtemp(prefix="sbr-gate-", dir=ctx.tmp_parent)
    gate = Gate(gate_dir)
    try:
        with ctx.daemon(impl, _programs(ctx.tools, gate, children, lines, rotate), "chatty") as d:
            d.launch()
            d.wait_ready()
            d.wait_all(children, {"RUNNING"})
            api = d.proxy().supervisor
            gate.wait_opened_by(i["pid"] for i in api.getAllProcessInfo())
            cpu = procfs.CpuMeter(d.pid)
            cpu.start()
            t0 = gate.release()
            pending = set(range(children))  # process_num counts from 0

            def done():
                d.check_alive()
                for i in list(pending):
                    if log_complete(d.dir, i, lines, rotate):
                        pending.discard(i)
                return not pending

            # 10 ms polls: 1% resolution on a one-second run, and little CPU taken from the daemon.
            wait_until("every log complete", done, timeout=600, interval=0.01)
            t_logged = time.perf_counter()
            daemon_cpu = cpu.stop()
            wait_until("every child EXITED",
                       lambda: all(i["statename"] in FINISHED for i in api.getAllProcessInfo()),
                       timeout=60, interval=0.01)
    finally:
        gate.close()
        shutil.rmtree(gate_dir, ignore_errors=True)
    total = children * child_bytes(lines)
    wall = t_logged - t0
    return {"mode": "rotate" if rotate else "norotate", "children": children, "bytes": total,
            "wall_s": wall, "mib_per_s": total / MiB / wall,
            "daemon_cpu_s": daemon_cpu, "cpu_s_per_gib": daemon_cpu / (total / GiB)}


def limit_rep(ctx) -> dict:
    """The same gated generators, each piped into its own `cat > file`."""
    tools, children, lines = ctx.tools, ctx.settings.chatty_children, ctx.settings.chatty_lines
    tmp = tempfile.mkdtemp(prefix="sbr-limit-", dir=ctx.tmp_parent)
    gate = Gate(tmp)
    gens, cats, outs = [], [], []
    try:
        script = generator_script(tools, gate.path, lines)
        for i in range(children):
            out = open(os.path.join(tmp, f"out_{i}"), "wb")
            outs.append(out)
            g = subprocess.Popen([tools.sh, "-c", script], stdout=subprocess.PIPE, stdin=subprocess.DEVNULL)
            c = subprocess.Popen([tools.cat], stdin=g.stdout, stdout=out)
            g.stdout.close()
            gens.append(g)
            cats.append(c)
        gate.wait_opened_by(g.pid for g in gens)
        t0 = gate.release()
        cpu = 0.0
        for c in cats:
            _, status, ru = os.wait4(c.pid, 0)
            c.returncode = os.waitstatus_to_exitcode(status)
            cpu += ru.ru_utime + ru.ru_stime
        t1 = time.perf_counter()
        for g in gens:
            g.wait(timeout=60)
        for out in outs:
            out.close()
        want = child_bytes(lines)
        bad = [i for i in range(children) if os.path.getsize(os.path.join(tmp, f"out_{i}")) != want]
        if bad:
            raise BenchError(f"limit run: {len(bad)} outputs incomplete")
        total = children * want
        return {"mode": "limit", "children": children, "bytes": total, "wall_s": t1 - t0,
                "mib_per_s": total / MiB / (t1 - t0), "cat_cpu_s": cpu, "cpu_s_per_gib": cpu / (total / GiB)}
    finally:
        gate.close()
        for p in gens + cats:
            if p.poll() is None:
                p.kill()
                p.wait()
        for out in outs:
            out.close()
        shutil.rmtree(tmp, ignore_errors=True)


def run(ctx, impls) -> dict:
    """settings.reps rounds; each round runs the limit and, per mode, every implementation once, in
    an order that alternates between rounds. Returns {"limit": [...], label: {"norotate": [...], ...}}."""
    s = ctx.settings
    out = {"params": {"children": s.chatty_children, "lines_per_child": s.chatty_lines,
                      "bytes_per_child": child_bytes(s.chatty_lines), "line_bytes": len(LINE) + 1,
                      "rotate": "maxbytes = a quarter of a child's output, backups=2",
                      "norotate": "maxbytes >= 1 GiB, backups=0"},
           "limit": [], "errors": {}}
    for impl in impls:
        out[impl.label] = {"norotate": [], "rotate": []}
    for r in range(s.reps):
        order = list(impls) if r % 2 == 0 else list(reversed(impls))
        ctx.log(f"chatty: round {r + 1}/{s.reps}: cat limit")
        out["limit"].append(limit_rep(ctx))
        for rotate in (False, True):
            mode = "rotate" if rotate else "norotate"
            for impl in order:
                if impl.label in out["errors"]:
                    continue
                ctx.log(f"chatty: round {r + 1}/{s.reps}: {impl.label} {mode}")
                try:
                    out[impl.label][mode].append(daemon_rep(ctx, impl, rotate))
                except BenchError as e:
                    out["errors"][impl.label] = str(e)
                    ctx.log(f"chatty: {impl.label} FAILED: {e}")
    return out
