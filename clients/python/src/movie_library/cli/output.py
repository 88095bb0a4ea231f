"""Tables for people, JSON for programs, and a progress bar on the terminal."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Sequence
from typing import Any, TextIO

MOVIE_COLUMNS = [("title", "Title"), ("genre", "Genre"), ("rating", "Rating"), ("year", "Year"), ("id", "Id")]


def emit_json(data: Any, out: TextIO = sys.stdout) -> None:
    out.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def _cell(value: Any, width: int | None = None) -> str:
    text = "-" if value is None else f"{value:.1f}" if isinstance(value, float) else str(value)
    return text if width is None or len(text) <= width else text[: width - 1] + "…"


def table(
    rows: Iterable[dict[str, Any]], columns: Sequence[tuple[str, str]], out: TextIO = sys.stdout, max_width: int = 48
) -> int:
    cells = [[_cell(row.get(key), max_width) for key, _ in columns] for row in rows]
    headers = [title for _, title in columns]
    widths = [max([len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(headers)]
    out.write("  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip() + "\n")
    out.write("  ".join("-" * w for w in widths) + "\n")
    for row in cells:
        out.write("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() + "\n")
    return len(cells)


def pairs(items: Sequence[tuple[str, Any]], out: TextIO = sys.stdout) -> None:
    width = max(len(k) for k, _ in items)
    for key, value in items:
        out.write(f"{key.ljust(width)}  {_cell(value)}\n")


class Progress:
    """`[#######-------]  120/200  created 100  duplicate 18 …` redrawn in place; silent when not a terminal."""

    def __init__(self, total: int, out: TextIO = sys.stderr, enabled: bool | None = None, width: int = 30):
        self.total, self.out, self.width = total, out, width
        self.enabled = out.isatty() if enabled is None else enabled
        self.done = 0
        self.counts: dict[str, int] = {}

    def update(self, status: str) -> None:
        self.done += 1
        self.counts[status] = self.counts.get(status, 0) + 1
        if not self.enabled:
            return
        filled = int(self.width * self.done / max(1, self.total))
        counts = "  ".join(f"{k} {v}" for k, v in sorted(self.counts.items()))
        self.out.write(f"\r[{'#' * filled}{'-' * (self.width - filled)}] {self.done:>5}/{self.total}  {counts}\033[K")
        self.out.flush()

    def finish(self) -> None:
        if self.enabled:
            self.out.write("\n")
            self.out.flush()
