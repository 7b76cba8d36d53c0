"""What the machine itself costs for the work of starting 1000 programs, without any supervisor.

Starting a program with the default `stdout_logfile=AUTO` / `stderr_logfile=AUTO` creates two
log files (both implementations do), then forks and execs. On a file system where creating a
file is slow (ext4 with many recently deleted inodes, as on a busy CI disk), file creation alone
can take most of the start-up time, which bounds how much faster any supervisor can start 1000
programs. These floors are measured in the same run, next to the daemons.
"""

from __future__ import annotations

import os
import resource
import shutil
import signal
import tempfile
import time


def create_files(n: int, tmp_parent=None) -> float:
    """Seconds to create n empty files (O_CREAT|O_APPEND, like AUTO child logs) in a fresh dir."""
    d = tempfile.mkdtemp(prefix="sbf-", dir=tmp_parent)
    try:
        t0 = time.perf_counter()
        for i in range(n):
            fd = os.open(os.path.join(d, f"many_{i:04d}-stdout---supervisor-{i:08x}.log"),
                         os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC, 0o644)
            os.close(fd)
        return time.perf_counter() - t0
    finally:
        shutil.rmtree(d, ignore_errors=True)


def spawn_processes(n: int, sleep: str) -> float:
    """Seconds to posix_spawn n `sleep 1000` processes (each with 3 pipes, as a supervisor gives
    its children); they are killed and reaped afterwards, outside the timed part."""
    pids, fds = [], []
    try:
        t0 = time.perf_counter()
        for _ in range(n):
            pipes = [os.pipe() for _ in range(3)]
            actions = [(os.POSIX_SPAWN_DUP2, pipes[0][0], 0), (os.POSIX_SPAWN_DUP2, pipes[1][1], 1),
                       (os.POSIX_SPAWN_DUP2, pipes[2][1], 2)]
            pids.append(os.posix_spawn(sleep, [sleep, "1000"], os.environ, file_actions=actions,
                                       setpgroup=0))
            os.close(pipes[0][0])
            os.close(pipes[1][1])
            os.close(pipes[2][1])
            fds += [pipes[0][1], pipes[1][0], pipes[2][0]]
        return time.perf_counter() - t0
    finally:
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        for pid in pids:
            os.waitpid(pid, 0)
        for fd in fds:
            os.close(fd)


def run(reps: int, n: int, log, tmp_parent=None) -> dict:
    """reps measurements of each floor for n programs (files created under tmp_parent)."""
    sleep = os.path.realpath(shutil.which("sleep") or "/bin/sleep")
    # Three pipe ends stay open per child while the n children run.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or hard > soft:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    out = {"n": n, "create_files_s": [], "spawn_s": []}
    for r in range(reps):
        log(f"floors: round {r + 1}/{reps}")
        out["create_files_s"].append(create_files(2 * n, tmp_parent))
        out["spawn_s"].append(spawn_processes(n, sleep))
    return out
