"""The small programs the scenarios run as children, by absolute path.

Absolute paths keep PATH lookups out of every timed spawn, and fail early, before any daemon is
launched, if the machine lacks one of them.
"""

from __future__ import annotations

import os
import shutil

NEEDED = ("sh", "sleep", "yes", "head", "cat", "awk")


class Tools:
    """Absolute paths of the programs in NEEDED, as attributes (`tools.sleep`)."""

    def __init__(self):
        for name in NEEDED:
            path = shutil.which(name)
            if not path:
                raise SystemExit(f"bench: required tool not found on PATH: {name}")
            setattr(self, name, os.path.realpath(path))
