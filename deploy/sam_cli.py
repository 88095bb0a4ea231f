"""Which `sam` the deploy scripts run: $SAM, else the Makefile's pinned SAM venv, else one on PATH."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PINNED = ROOT / ".local" / "sam" / "bin" / "sam"  # `make install` / requirements/sam.lock


def path() -> str:
    explicit = os.environ.get("SAM")
    if explicit:
        return explicit
    if PINNED.exists():
        return str(PINNED)
    found = shutil.which("sam")
    if found:
        return found
    raise SystemExit(
        "The SAM CLI is missing: run `make install` (it puts the pinned SAM CLI in .local/sam) "
        "or install it and put `sam` on PATH."
    )
