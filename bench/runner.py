"""Running a scenario on both implementations, launches interleaved.

Each round launches every implementation once, alternating the order between rounds (A B, B A,
...), so that the noise of a shared machine falls on both alike; only ratios from the same run
mean anything. A scenario is a module with `launch(ctx, impl) -> dict`: one fresh daemon, one
record of what was measured.
"""

from __future__ import annotations

import time
import traceback
from dataclasses import dataclass
from typing import Callable

from daemon import Daemon, Impl
from settings import Settings
from tools import Tools


@dataclass(frozen=True)
class Context:
    """What a launch needs besides the implementation under test."""

    settings: Settings
    tools: Tools
    tmp_parent: str | None  # parent of the daemons' temp dirs; None: $TMPDIR or /tmp
    keep: bool              # keep the temp dirs (debugging)
    log: Callable[[str], None]

    def daemon(self, impl: Impl, programs, tag: str) -> Daemon:
        """A daemon of impl in a fresh temp dir under tmp_parent (not launched yet)."""
        return Daemon(impl, programs, self.tmp_parent, self.keep, tag)


def interleaved(name: str, ctx: Context, impls, launch) -> dict:
    """Up to settings.reps rounds of launch(ctx, impl) for every impl.

    A round starts only if one as long as the mean so far still fits in the budget
    (settings.budget_s per implementation). An implementation whose launch fails is left out of
    the later rounds; the others go on. Returns {"records": {label: [...]}, "errors": {label: text}}.
    """
    s = ctx.settings
    records = {impl.label: [] for impl in impls}
    errors = {}
    t0 = time.monotonic()
    budget = s.budget_s * len(impls)
    for r in range(s.reps):
        spent = time.monotonic() - t0
        if r and budget - spent < spent / r:
            ctx.log(f"{name}: time budget spent, rounds {r + 1}..{s.reps} skipped")
            break
        order = impls if r % 2 == 0 else list(reversed(impls))
        for impl in order:
            if impl.label in errors:
                continue
            ctx.log(f"{name}: round {r + 1}/{s.reps}: {impl.label}")
            try:
                records[impl.label].append(launch(ctx, impl))
            # Any failure (a fault, a timeout, a crash) is recorded and the run goes on: one
            # broken scenario must not cost the rest of a ten-minute run.
            except Exception as e:  # noqa: BLE001
                errors[impl.label] = f"{type(e).__name__}: {e}"
                ctx.log(f"{name}: {impl.label} FAILED: {e}\n{traceback.format_exc()}")
        if len(errors) == len(impls):
            break
    return {"records": records, "errors": errors}
