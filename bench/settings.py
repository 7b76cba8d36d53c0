"""Sizes of every scenario, for the full run and for --quick.

Quick keeps every row of the table but shrinks windows and sample counts so that the whole suite
takes a few minutes; its numbers are noisier, not different in kind.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from stats import GiB, MiB


@dataclass(frozen=True)
class Settings:
    """How big and how long each scenario is. Sample totals are spread over the launches."""

    reps: int = 5                    # launches per scenario and implementation
    budget_s: float = 110.0          # per scenario and implementation: no new round after this
    idle_procs: int = 100
    idle_settle_s: float = 5.0       # after all RUNNING, before measuring
    idle_window_s: float = 10.0
    start_n: tuple = (10, 1000)      # numprocs of the start launches (10 for memory per process)
    crash_kills: int = 50
    # 0.2 ms between polls after a kill: a 1 ms sleep would dominate a ~1 ms restart.
    crash_poll_s: float = 0.0002
    flood_bytes: int = GiB
    rpc_procs: int = 1000
    rpc_calls: int = 200             # per method and launch, up to rpc_max_s
    rpc_max_s: float = 10.0
    rps_clients: int = 4
    rps_seconds: float = 5.0
    ctl_procs: int = 100
    ctl_runs: int = 20
    chatty_children: int = 50
    chatty_lines: int = 40000        # 50 × 4.4 MiB
    floor_reps: int = 3

    def per_launch(self, total: int) -> int:
        """A launch's share of a sample total (at least 1)."""
        return max(1, -(-total // self.reps))


FULL = Settings()
QUICK = Settings(reps=2, budget_s=40.0, idle_settle_s=1.0, idle_window_s=3.0, crash_kills=20,
                 flood_bytes=256 * MiB, rpc_calls=10, rpc_max_s=2.0, rps_seconds=2.0, ctl_runs=10,
                 chatty_lines=10000, floor_reps=2)


def chosen(quick: bool, reps: int | None = None) -> Settings:
    """The settings of a mode, with --reps applied if given."""
    base = QUICK if quick else FULL
    return replace(base, reps=reps) if reps else base
