"""XML-RPC with 1000 processes: call latency, and getState throughput under load.

Latency: sequential `getAllProcessInfo` and `getState` calls on one keep-alive connection, each
timed from send to the whole raw answer (the client does not parse it, see rpc.RawClient), up to
settings.rpc_calls per method or rpc_max_s seconds. Throughput: settings.rps_clients processes
each hammer `getState` on their own keep-alive connection for rps_seconds; the daemon's CPU over
that window divided by the requests is what one request costs it, whatever bounds the rate (with
a fast daemon, the Python clients on the same cores do).
"""

from __future__ import annotations

import multiprocessing
import time

import procfs
import rpc
from daemon import BenchError, sleepers


def _timed_calls(client, req: bytes, count: int, max_s: float, what: str) -> list:
    out = []
    stop_at = time.perf_counter() + max_s
    for _ in range(count):
        t0 = time.perf_counter()
        body = client.call(req)
        t1 = time.perf_counter()
        if rpc.is_fault(body):
            raise BenchError(f"{what} answered a fault: {body[:300]!r}")
        out.append(t1 - t0)
        if t1 > stop_at:
            break
    return out


def _hammer(sock: str, start_at: float, stop_at: float, results) -> None:
    """A client process: getState in a loop on one connection from start_at to stop_at (monotonic
    clock, shared by all clients), then (requests answered, errors) to results."""
    client, req = rpc.RawClient(sock, 30.0), rpc.request("supervisor.getState")
    done = errors = 0
    client.call(req)  # connected before the window opens
    while time.monotonic() < start_at:
        time.sleep(0.0005)
    while time.monotonic() < stop_at:
        try:
            if rpc.is_fault(client.call(req)):
                errors += 1
            else:
                done += 1
        except (OSError, RuntimeError):  # a dropped connection or a non-200 answer
            errors += 1
            client.close()
    results.put((done, errors))


def _requests_per_second(d, clients: int, seconds: float) -> dict:
    # fork: the clients need nothing but the socket path, and start in milliseconds.
    mp = multiprocessing.get_context("fork")
    results = mp.Queue()
    start_at = time.monotonic() + 0.5  # time for every client to fork and connect
    stop_at = start_at + seconds
    procs = [mp.Process(target=_hammer, args=(d.sock, start_at, stop_at, results), daemon=True)
             for _ in range(clients)]
    for p in procs:
        p.start()
    time.sleep(max(0.0, start_at - time.monotonic()))
    cpu0 = procfs.cpu_seconds(d.pid)
    time.sleep(max(0.0, stop_at - time.monotonic()))
    daemon_cpu = procfs.cpu_seconds(d.pid) - cpu0
    counts = [results.get(timeout=60) for _ in procs]
    for p in procs:
        p.join(10)
    done = sum(c[0] for c in counts)
    return {"requests": done, "errors": sum(c[1] for c in counts), "seconds": seconds,
            "rps": done / seconds, "daemon_cpu_s": daemon_cpu}


def launch(ctx, impl) -> dict:
    """One daemon with settings.rpc_procs processes, all RUNNING: latencies, then req/s."""
    s = ctx.settings
    n = s.rpc_procs
    with ctx.daemon(impl, sleepers(ctx.tools.sleep, "many", n, startsecs=0), "rpc") as d:
        d.launch()
        d.wait_ready()
        d.wait_all(n, {"RUNNING"})
        client = rpc.RawClient(d.sock)
        all_info, state = rpc.request("supervisor.getAllProcessInfo"), rpc.request("supervisor.getState")
        listed = len(rpc.statenames(client.call(all_info)))  # also the warm-up
        if listed != n:
            raise BenchError(f"getAllProcessInfo listed {listed} processes, not {n}")
        client.call(state)
        rec = {"all_info_s": _timed_calls(client, all_info, s.rpc_calls, s.rpc_max_s, "getAllProcessInfo"),
               "state_s": _timed_calls(client, state, s.rpc_calls, s.rpc_max_s, "getState")}
        client.close()
        rec["rps"] = _requests_per_second(d, s.rps_clients, s.rps_seconds)
        d.check_alive()
        return rec
