"""Small statistics and unit helpers shared by the benchmark suite (standard library only)."""

from __future__ import annotations

import math
import os
import statistics

CLK_TCK = os.sysconf("SC_CLK_TCK")
MiB = 1 << 20
GiB = 1 << 30


def quantile(xs, q: float):
    """Linearly interpolated quantile q (0..1) of the values in xs; None if xs is empty."""
    s = sorted(xs)
    if not s:
        return None
    k = (len(s) - 1) * q
    lo = math.floor(k)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def median(xs):
    """Median of xs; None if xs is empty."""
    xs = list(xs)
    return statistics.median(xs) if xs else None


def fmt(v) -> str:
    """A number with about three significant digits and thousands separators."""
    if v is None:
        return "n/a"
    if isinstance(v, float) and math.isinf(v):
        return "∞"
    if v == 0:
        return "0"
    a = abs(v)
    if a >= 1000:
        return f"{v:,.0f}"
    if a >= 100:
        return f"{v:.0f}"
    if a >= 10:
        return f"{v:.1f}"
    if a >= 1:
        return f"{v:.2f}"
    if a >= 0.01:
        return f"{v:.3f}"
    return f"{v:.2g}"
