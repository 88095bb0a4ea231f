"""bench/REPORT.md and its sections: shared by `make bench` (bench/run.py), the ETL benchmark and the soak."""

from __future__ import annotations

from pathlib import Path

REPORT = Path(__file__).resolve().parent / "REPORT.md"
SECTIONS = ["etl", "aggregates", "read", "adds"]  # make bench's sections, in the report's order


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


class Report:
    """Sections keyed by name; saving replaces just the sections this run measured, so one benchmark can be
    re-run alone (`make bench SECTIONS=read`) and each table still comes from one side-by-side run."""

    def __init__(self) -> None:
        self.sections: dict[str, list[str]] = {}
        self.key = "header"

    def section(self, key: str) -> None:
        self.key = key
        self.sections[key] = []

    def table(self, title: str, rows: list[tuple], header: tuple) -> None:
        lines = [f"## {title}", "", "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
        self.sections.setdefault(self.key, []).append("\n".join(lines) + "\n")
        print("\n".join(lines), flush=True)

    def note(self, text: str) -> None:
        self.sections.setdefault(self.key, []).append(text + "\n")
        print(text, flush=True)

    def save(self, path: Path) -> None:
        kept = _sections(path.read_text()) if path.exists() else {}
        kept.update({key: "\n".join(parts) for key, parts in self.sections.items()})
        order = ["header", *SECTIONS, *sorted(set(kept) - {"header", *SECTIONS})]
        path.write_text("\n".join(f"{MARKER.format(key)}\n{kept[key].strip()}\n" for key in order if key in kept))


MARKER = "<!-- bench:{} -->"


def _sections(text: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for block in text.split("<!-- bench:")[1:]:
        key, _, body = block.partition(" -->")
        found[key] = body
    return found
