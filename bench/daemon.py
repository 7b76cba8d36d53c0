"""One supervisord under test: a fresh temp dir, a standard config, launch, waits, teardown.

Both implementations are driven the same way, only through what a user has: the `supervisord`
binary with `-c CONF` and `nodaemon=true`, the XML-RPC API on a `[unix_http_server]` socket and
the `supervisorctl` binary. Nothing of Python Supervisor is imported.
"""

from __future__ import annotations

import ctypes
import http.client
import os
import shutil
import signal
import subprocess
import tempfile
import time
import xmlrpc.client
from dataclasses import dataclass

import procfs
import rpc

PR_SET_CHILD_SUBREAPER = 36


@dataclass(frozen=True)
class Impl:
    """One implementation under test: its name in the table and its two binaries."""

    label: str
    supervisord: str
    supervisorctl: str


class BenchError(RuntimeError):
    """A launch that could not be measured (the daemon died, a wait timed out, bad output)."""


def wait_until(what: str, cond, timeout: float, interval: float = 0.005):
    """Polls cond() until it returns something truthy, and returns that; BenchError after
    timeout seconds, naming what it waited for."""
    deadline = time.monotonic() + timeout
    while True:
        value = cond()
        if value:
            return value
        if time.monotonic() > deadline:
            raise BenchError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(interval)


def become_subreaper() -> None:
    """Makes the suite the reaper of its orphans, so that children which outlive a killed daemon
    are re-parented to it and can be found and reaped."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def program(name: str, command: str, **options) -> str:
    """A `[program:NAME]` section; options whose value is None are left out."""
    lines = [f"[program:{name}]", f"command={command}"]
    lines += [f"{key}={value}" for key, value in options.items() if value is not None]
    return "\n".join(lines) + "\n\n"


def sleepers(sleep: str, name: str, n: int, **options) -> str:
    """n processes of `sleep 1000` in one program (numprocs), named NAME_0000 ..."""
    return program(name, f"{sleep} 1000", numprocs=n,
                   process_name="%(program_name)s_%(process_num)04d", **options)


class Daemon:
    """A supervisord in its own temp dir, in the foreground, as a child of the suite.

    `programs` is the config's program sections, or a function of the temp dir returning them
    (for programs whose paths are in it). Use it as a context manager: leaving the block stops the
    daemon, kills whatever it left behind and removes the dir (unless keep)."""

    def __init__(self, impl: Impl, programs, tmp_parent=None, keep: bool = False, tag: str = "d"):
        self.impl = impl
        self.keep = keep
        self.dir = tempfile.mkdtemp(prefix=f"sbr-{tag}-", dir=tmp_parent)
        self.sock = os.path.join(self.dir, "supervisor.sock")
        if len(self.sock.encode()) > 100:
            raise BenchError(f"socket path too long for AF_UNIX: {self.sock}")
        self.conf = os.path.join(self.dir, "supervisord.conf")
        self.proc = None
        self._output = None
        os.mkdir(os.path.join(self.dir, "childlogs"))
        if callable(programs):
            programs = programs(self.dir)
        with open(self.conf, "w") as f:
            f.write(self._config(programs))

    def _config(self, programs: str) -> str:
        d = self.dir
        return (
            f"[unix_http_server]\nfile={self.sock}\nchmod=0700\n\n"
            f"[supervisord]\nnodaemon=true\nlogfile={d}/supervisord.log\nloglevel=info\n"
            f"pidfile={d}/supervisord.pid\nchildlogdir={d}/childlogs\n\n"
            "[rpcinterface:supervisor]\n"
            "supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n\n"
            f"[supervisorctl]\nserverurl=unix://{self.sock}\n\n" + programs
        )

    @property
    def pid(self) -> int:
        """The daemon's pid."""
        return self.proc.pid

    def launch(self) -> float:
        """Starts the daemon; returns perf_counter() just before the exec."""
        self._output = open(os.path.join(self.dir, "output.log"), "wb")
        t0 = time.perf_counter()
        self.proc = subprocess.Popen([self.impl.supervisord, "-c", self.conf], cwd=self.dir,
                                     stdin=subprocess.DEVNULL, stdout=self._output,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        return t0

    def check_alive(self) -> None:
        """BenchError with the end of the daemon's logs if it has exited."""
        if self.proc.poll() is not None:
            raise BenchError(f"{self.impl.label} supervisord exited with {self.proc.returncode}\n"
                             + self.log_tail())

    def log_tail(self, size: int = 1500) -> str:
        """The last bytes of the daemon's output and log, for error messages."""
        out = []
        for name in ("output.log", "supervisord.log"):
            try:
                with open(os.path.join(self.dir, name), "rb") as f:
                    f.seek(0, 2)
                    f.seek(max(0, f.tell() - size))
                    out.append(f"--- {name}:\n" + f.read().decode(errors="replace"))
            except OSError:
                pass
        return "\n".join(out)

    def proxy(self, timeout: float = 60.0):
        """An xmlrpc.client proxy to this daemon."""
        return rpc.proxy(self.sock, timeout)

    def wait_ready(self, timeout: float = 120.0) -> float:
        """Waits until getState answers RUNNING; returns perf_counter() then."""
        def ready():
            self.check_alive()
            if not os.path.exists(self.sock):
                return None
            try:
                state = self.proxy(5.0).supervisor.getState()
            except (OSError, xmlrpc.client.Error, http.client.HTTPException):
                return None
            return time.perf_counter() if state.get("statename") == "RUNNING" else None
        return wait_until(f"{self.impl.label} to answer getState", ready, timeout)

    def wait_all(self, n: int, states, timeout: float = 180.0, last: str | None = None) -> float:
        """Waits until getAllProcessInfo lists n processes, all in `states`; returns the
        perf_counter() at which the confirming call was sent.

        The state was reached between the previous call's send and this one's, so the poll
        period is the resolution. A 1000-process answer costs the daemon real CPU, which the
        start rows measure, so when `last` names the process expected to get there last (the
        last one started), it alone is polled every 5 ms first. Then the whole list is polled
        every 3 × the call's duration (at least 10 ms), which keeps a single-threaded daemon
        answering polls at most a quarter of the time. Polls read the raw answer, so the
        client's XML parsing does not lengthen the period."""
        client = rpc.RawClient(self.sock, max(timeout, 60.0))
        deadline = time.perf_counter() + timeout
        try:
            if last is not None:
                one = rpc.request("supervisor.getProcessInfo", last)
                wait_until(f"{last} in {sorted(states)}", lambda: self._in(client, one, states),
                           timeout)
            everyone = rpc.request("supervisor.getAllProcessInfo")
            while True:
                self.check_alive()
                sent = time.perf_counter()
                names = rpc.statenames(client.call(everyone))
                took = time.perf_counter() - sent
                if len(names) == n and all(s in states for s in names):
                    return sent
                if sent > deadline:
                    counts = {s: names.count(s) for s in set(names)}
                    raise BenchError(f"{self.impl.label}: timed out waiting for {n} processes in "
                                     f"{sorted(states)}: {counts}")
                time.sleep(max(0.01, 3 * took))
        finally:
            client.close()

    def _in(self, client, req: bytes, states) -> bool:
        self.check_alive()
        names = rpc.statenames(client.call(req))  # empty for a fault
        return bool(names) and all(s in states for s in names)

    def stop(self) -> None:
        """SIGTERM (SIGKILL after 60 s), then SIGKILL for any descendant that outlived it."""
        if self.proc is not None:
            left = []
            if self.proc.poll() is None:
                left = procfs.descendants(self.proc.pid)
                self.proc.send_signal(signal.SIGTERM)
                try:
                    self.proc.wait(timeout=60)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait(timeout=30)
            _kill_and_reap(left)
            self.proc = None
        if self._output:
            self._output.close()
            self._output = None
        if not self.keep:
            shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
        return False


def _kill_and_reap(procs) -> None:
    """SIGKILLs the still-living (pid, starttime) pairs, the start time proving that the pid was
    not reused, and reaps those re-parented to the suite."""
    killed = []
    for pid, started in procs:
        try:
            if procfs.start_time(pid) != started:
                continue
            if not procfs.has_exited(pid):
                os.kill(pid, signal.SIGKILL)
            killed.append(pid)
        except (FileNotFoundError, ProcessLookupError):
            pass
    deadline = time.monotonic() + 10
    for pid in killed:
        while time.monotonic() < deadline:
            try:
                if os.waitpid(pid, os.WNOHANG)[0]:
                    break
            except ChildProcessError:  # not ours: its own parent reaps it
                break
            time.sleep(0.005)
