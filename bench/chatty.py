"""Log capture from many chatty children: 50 programs that each write one line per write(2).

The shared harness (../shared/bench/run.py) measures one child flooding 8 KiB blocks. Real
services mostly log line by line, so the daemon sees many small reads from many pipes at once;
this scenario measures that. Each child is `awk` printing a 110-byte line and flushing after every
line (one write(2) per line), `lines` lines in all, the last one an end marker.

All children wait behind a gate (a FIFO the harness holds open; each child's shell blocks reading
it), so the timed window covers the output only, not spawning: the clock starts when the harness
closes the FIFO (every child then reads EOF and execs awk) and stops when every log file holds all
of its child's bytes (or, with rotation, the current file ends with the end marker) and every
process is EXITED. The same gated generators piped into `cat > file`, one `cat` per child, are the
machine's limit, measured between the daemon runs of the same round.

Only the standard library and /proc are used; the daemon is reached through its binary, a standard
config and XML-RPC on its unix socket.
"""

from __future__ import annotations

import http.client
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import xmlrpc.client

from stats import CLK_TCK, GiB, MiB

# The same realistic line as the flood scenario of the shared harness (no '%': the config dialect
# would read it as an expansion; no quote characters: it sits inside two levels of quoting).
LINE = (
    "2024-05-01T12:00:00.000Z INFO app.worker: handled request "
    "id=7f3a9c path=/api/v1/items status=200 bytes=1234 ms=12"
)
END = "END-OF-CHATTY-LOG"
FINISHED = ("EXITED", "BACKOFF", "FATAL", "STOPPED")


class BenchError(RuntimeError):
    """A run that could not be measured (daemon died, timeout, incomplete log)."""


class _UnixConnection(http.client.HTTPConnection):
    def __init__(self, path: str, timeout: float):
        super().__init__("localhost", timeout=timeout)
        self.unix_path = path

    def connect(self) -> None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        try:
            sock.connect(self.unix_path)
        except BaseException:
            sock.close()
            raise
        self.sock = sock


class _UnixTransport(xmlrpc.client.Transport):
    def __init__(self, path: str, timeout: float):
        super().__init__()
        self.unix_path = path
        self.timeout = timeout

    def make_connection(self, host):
        if self._connection and host == self._connection[0]:
            return self._connection[1]
        self._connection = host, _UnixConnection(self.unix_path, self.timeout)
        return self._connection[1]


def proxy(sock: str, timeout: float = 60.0) -> xmlrpc.client.ServerProxy:
    """An XML-RPC proxy talking HTTP/1.1 over the daemon's unix socket."""
    return xmlrpc.client.ServerProxy("http://localhost/RPC2", transport=_UnixTransport(sock, timeout))


def cpu_seconds(pid: int) -> float:
    """utime+stime of a whole process (all threads, live and exited), in seconds (10 ms ticks)."""
    with open(f"/proc/{pid}/stat", "rb") as f:
        fields = f.read().rsplit(b")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


class CpuMeter:
    """CPU time of one process between start() and stop(), as precisely as /proc allows.

    schedstat gives nanoseconds but only for live threads; utime+stime counts exited threads too
    but in 10 ms ticks. When the set of threads is the same at both ends, the nanosecond sum is
    exact; otherwise a thread came or went and the tick count is used."""

    def __init__(self, pid: int):
        self.pid = pid
        self._start = None

    def _sample(self):
        per_task = {}
        for tid in os.listdir(f"/proc/{self.pid}/task"):
            try:
                with open(f"/proc/{self.pid}/task/{tid}/schedstat") as f:
                    per_task[tid] = int(f.read().split()[0])
            except (FileNotFoundError, ProcessLookupError):
                pass
        return cpu_seconds(self.pid), per_task

    def start(self) -> None:
        self._start = self._sample()

    def stop(self) -> float:
        (t0, s0), (t1, s1) = self._start, self._sample()
        if s0.keys() == s1.keys():
            return sum(s1.values()) / 1e9 - sum(s0.values()) / 1e9
        return t1 - t0


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


def wait_until(what: str, cond, timeout: float, interval: float = 0.005):
    """Poll cond() until it returns a truthy value; BenchError after timeout seconds."""
    deadline = time.monotonic() + timeout
    while True:
        v = cond()
        if v:
            return v
        if time.monotonic() > deadline:
            raise BenchError(f"timed out after {timeout:g}s waiting for {what}")
        time.sleep(interval)


class Gate:
    """A FIFO held open read-write by the harness: readers block until close() (then EOF)."""

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
        os.close(self.fd)
        self.fd = None
        return t

    def close(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


class Tools:
    """Absolute paths of the programs the generators use."""

    def __init__(self):
        self.sh = self._find("sh")
        self.awk = self._find("awk")
        self.cat = self._find("cat")

    @staticmethod
    def _find(name: str) -> str:
        p = shutil.which(name)
        if not p:
            raise SystemExit(f"bench: required tool not found on PATH: {name}")
        return os.path.realpath(p)


def generator_script(tools: Tools, gate: str, lines: int) -> str:
    """Shell text: wait for the gate, then write `lines` lines, one write(2) each."""
    prog = "BEGIN{for(i=1;i<n;i++){print l;fflush()};print e;fflush()}"
    return (f'read x < {gate}; exec {tools.awk} -v n={lines} -v "l={LINE}" -v e={END} "{prog}"')


def child_bytes(lines: int) -> int:
    """Bytes one generator writes."""
    return (lines - 1) * (len(LINE) + 1) + len(END) + 1


class ChattyDaemon:
    """One supervisord in a fresh temp dir, running `children` gated generators (autostart)."""

    def __init__(self, impl, tools: Tools, children: int, lines: int, rotate: bool, tmp_parent=None):
        self.impl = impl
        self.dir = tempfile.mkdtemp(prefix="sbc-", dir=tmp_parent)
        self.sock = os.path.join(self.dir, "s.sock")
        self.conf = os.path.join(self.dir, "supervisord.conf")
        self.children = children
        self.lines = lines
        self.rotate = rotate
        self.gate = Gate(self.dir)
        per_child = child_bytes(lines)
        if rotate:
            # About four rotations per child, two backups kept.
            log_opts = f"stdout_logfile_maxbytes={max(per_child // 4, 1024)}\nstdout_logfile_backups=2\n"
        else:
            log_opts = f"stdout_logfile_maxbytes={max(4 * per_child, GiB)}\nstdout_logfile_backups=0\n"
        command = f"{tools.sh} -c '{generator_script(tools, self.gate.path, lines)}'"
        with open(self.conf, "w") as f:
            f.write(
                "[unix_http_server]\n"
                f"file={self.sock}\nchmod=0700\n\n"
                "[supervisord]\nnodaemon=true\n"
                f"logfile={self.dir}/supervisord.log\nloglevel=info\n"
                f"pidfile={self.dir}/supervisord.pid\nchildlogdir={self.dir}\n\n"
                "[rpcinterface:supervisor]\n"
                "supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n\n"
                "[program:chat]\n"
                f"command={command}\n"
                "process_name=chat_%(process_num)02d\n"
                f"numprocs={children}\n"
                "autostart=true\nautorestart=false\nstartsecs=0\n"
                f"stdout_logfile={self.dir}/chat_%(process_num)02d.log\n"
                "stderr_logfile=NONE\n" + log_opts
            )
        self.proc = None
        self._out = None

    def log_path(self, i: int) -> str:
        return os.path.join(self.dir, f"chat_{i:02d}.log")

    def start(self) -> None:
        self._out = open(os.path.join(self.dir, "stdout-stderr.log"), "wb")
        self.proc = subprocess.Popen([self.impl.supervisord, "-c", self.conf], stdin=subprocess.DEVNULL,
                                     stdout=self._out, stderr=subprocess.STDOUT, cwd=self.dir,
                                     start_new_session=True)

    def check_alive(self) -> None:
        if self.proc.poll() is not None:
            raise BenchError(f"{self.impl.label} supervisord exited with {self.proc.returncode}: "
                             f"{self.log_tail()}")

    def log_tail(self) -> str:
        try:
            with open(os.path.join(self.dir, "supervisord.log"), "rb") as f:
                return f.read()[-1500:].decode(errors="replace")
        except OSError:
            return "(no daemon log)"

    def infos(self):
        return proxy(self.sock).supervisor.getAllProcessInfo()

    def wait_all_running(self):
        """Returns the children's pids once the daemon reports all of them RUNNING."""
        def ready():
            self.check_alive()
            if not os.path.exists(self.sock):
                return None
            try:
                infos = self.infos()
            except (OSError, xmlrpc.client.Error, http.client.HTTPException):
                return None
            if len(infos) == self.children and all(i["statename"] == "RUNNING" for i in infos):
                return [i["pid"] for i in infos]
            return None
        return wait_until("all children RUNNING", ready, timeout=120, interval=0.02)

    def log_complete(self, i: int) -> bool:
        """The daemon has written all of child i's output (and, if rotating, rotated as needed)."""
        path = self.log_path(i)
        try:
            size = os.path.getsize(path)
        except OSError:
            return False
        if not self.rotate:
            return size == child_bytes(self.lines)
        tail_of = path if size else path + ".1"
        try:
            with open(tail_of, "rb") as f:
                f.seek(0, 2)
                f.seek(max(0, f.tell() - len(END) - 2))
                return f.read().endswith(b"\n" + END.encode() + b"\n")
        except OSError:
            return False

    def stop(self, keep: bool) -> None:
        self.gate.close()
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=30)
        if self._out:
            self._out.close()
        if not keep:
            shutil.rmtree(self.dir, ignore_errors=True)


def daemon_rep(impl, tools: Tools, children: int, lines: int, rotate: bool, keep: bool = False,
               tmp_parent=None) -> dict:
    """One fresh daemon: release the gate, time until every log is complete and all EXITED."""
    d = ChattyDaemon(impl, tools, children, lines, rotate, tmp_parent)
    try:
        d.start()
        pids = d.wait_all_running()
        d.gate.wait_opened_by(pids)
        cpu = CpuMeter(d.proc.pid)
        cpu.start()
        t0 = d.gate.release()
        pending = set(range(children))  # process_num counts from 0

        def done():
            d.check_alive()
            for i in list(pending):
                if d.log_complete(i):
                    pending.discard(i)
            return not pending

        # 10 ms polls: 1% resolution on a one-second run, and little CPU taken from the daemon.
        wait_until("every log complete", done, timeout=600, interval=0.01)
        t_logged = time.perf_counter()
        daemon_cpu = cpu.stop()
        wait_until("every child EXITED",
                   lambda: all(i["statename"] in FINISHED for i in d.infos()), timeout=60, interval=0.01)
        total = children * child_bytes(lines)
        wall = t_logged - t0
        return {"mode": "rotate" if rotate else "norotate", "children": children, "bytes": total,
                "wall_s": wall, "mib_per_s": total / MiB / wall,
                "daemon_cpu_s": daemon_cpu, "cpu_s_per_gib": daemon_cpu / (total / GiB)}
    finally:
        d.stop(keep)


def limit_rep(tools: Tools, children: int, lines: int, tmp_parent=None) -> dict:
    """The same gated generators, each piped into its own `cat > file`."""
    tmp = tempfile.mkdtemp(prefix="sbc-limit-", dir=tmp_parent)
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


def run(impls, reps: int, children: int, lines: int, log, keep: bool = False, tmp_parent=None) -> dict:
    """reps rounds; each round runs the limit and, per mode, every implementation once, in an order
    that alternates between rounds. Returns {"limit": [...], label: {"norotate": [...], ...}}."""
    tools = Tools()
    out = {"params": {"children": children, "lines_per_child": lines, "bytes_per_child": child_bytes(lines),
                      "line_bytes": len(LINE) + 1, "rotate": "maxbytes = a quarter of a child's output, "
                      "backups=2", "norotate": "maxbytes >= 1 GiB, backups=0"},
           "limit": [], "errors": {}}
    for impl in impls:
        out[impl.label] = {"norotate": [], "rotate": []}
    for r in range(reps):
        order = list(impls) if r % 2 == 0 else list(reversed(impls))
        log(f"chatty: round {r + 1}/{reps}: cat limit")
        out["limit"].append(limit_rep(tools, children, lines, tmp_parent))
        for rotate in (False, True):
            for impl in order:
                if impl.label in out["errors"]:
                    continue
                mode = "rotate" if rotate else "norotate"
                log(f"chatty: round {r + 1}/{reps}: {impl.label} {mode}")
                try:
                    out[impl.label][mode].append(
                        daemon_rep(impl, tools, children, lines, rotate, keep, tmp_parent))
                except BenchError as e:
                    out["errors"][impl.label] = str(e)
                    log(f"chatty: {impl.label} FAILED: {e}")
    return out
