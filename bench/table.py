"""The markdown table of a run: its header (machine, load, date), the rows, the notes; and its
place in README.md between the bench markers."""

from __future__ import annotations

import os
import platform
import subprocess

from rows import OURS, PY
from stats import fmt, median, quantile

README_START = "<!-- bench:start -->"
README_END = "<!-- bench:end -->"


def machine() -> dict:
    """CPU count and model, memory, kernel and Python version of this machine."""
    cpu = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        mem_gib = int(f.readline().split()[1]) / (1 << 20)
    return {"nproc": os.cpu_count(), "cpu": cpu, "kernel": platform.release(), "mem_gib": round(mem_gib),
            "python": platform.python_version()}


def git_describe(repo: str) -> str:
    """The short commit of repo's HEAD, saying if tracked files have uncommitted changes."""
    try:
        def git(*args):
            return subprocess.run(["git", "-C", repo, *args], capture_output=True, text=True,
                                  timeout=10).stdout.strip()
        dirty = git("status", "--porcelain", "--untracked-files=no")
        return git("rev-parse", "--short", "HEAD") + (" with uncommitted changes" if dirty else "")
    except OSError:
        return "unknown"


def _met(row) -> str:
    return {None: "", True: "met", False: "**missed**"}[row.met()] if row.target else ""


def render(rows, meta) -> str:
    """The markdown table with its header lines, its notes and the run's errors."""
    m = meta["machine"]
    out = [
        f"Run of {meta['date']} ({meta['mode']} mode, {meta['elapsed_min']:.0f} min), commit {meta['commit']}, "
        f"on {m['nproc']} × {m['cpu']}, {m['mem_gib']} GiB RAM, Linux {m['kernel']}. Load average "
        f"{meta['load_start']} at the start and {meta['load_end']} at the end; the whole machine was "
        f"{meta['busy_pct']:.0f}% busy during the run (shared with other builds). Temp files on "
        f"{meta['tmp_fs']}. Launches alternate "
        "between the implementations; medians and p95s are over launches, or over calls for latencies.",
        "",
        f"| scenario | metric | unit | {OURS} median | p95 | {PY} median | p95 | gain | target | met |",
        "|---|---|---|---:|---:|---:|---:|---:|---|---|",
    ]
    last = None
    for r in rows:
        g = r.gain()
        out.append("| " + " | ".join([
            r.section if r.section != last else "", r.label, r.unit,
            fmt(median(r.ours)), fmt(quantile(r.ours, 0.95)), fmt(median(r.py)), fmt(quantile(r.py, 0.95)),
            "" if g is None else f"{fmt(g)}×", r.target.text if r.target else "", _met(r),
        ]) + " |")
        last = r.section
    out += ["", "Gain = how many times better " + OURS + " is (Python/ours for lower-is-better rows, "
            "ours/Python for higher-is-better rows). Limit rows are what `cat > file` does on the same "
            "machine without any supervisor."]
    notes = [f"- {r.section} / {r.label}: {r.note}" for r in rows if r.note]
    if notes:
        out += ["", "Notes:"] + notes
    if meta.get("errors"):
        out += ["", "Errors:"] + [f"- {e}" for e in meta["errors"]]
    return "\n".join(out) + "\n"


def rows_json(rows, meta) -> dict:
    """Every sample of every row, with the run's metadata (bench/results/…/rows.json)."""
    return {"meta": meta, "rows": [
        {"section": r.section, "label": r.label, "unit": r.unit, "better": r.better,
         "ours": r.ours, "python": r.py, "gain": r.gain(),
         "target": r.target.text if r.target else None, "met": r.met()} for r in rows]}


def write_readme(repo: str, table: str) -> None:
    """Replaces what README.md holds between the bench markers with table."""
    path = os.path.join(repo, "README.md")
    with open(path) as f:
        text = f.read()
    a, b = text.find(README_START), text.find(README_END)
    if a < 0 or b < a:
        raise SystemExit("bench: README.md has no bench:start/bench:end markers")
    text = text[: a + len(README_START)] + "\n" + table + text[b:]
    with open(path + ".tmp", "w") as f:
        f.write(text)
    os.replace(path + ".tmp", path)
