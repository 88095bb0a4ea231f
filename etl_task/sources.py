"""Where movie files come from. Each source yields SourceFile items; the Drive source is added beside this one."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class SourceFile:
    file_id: str        # stable id (Drive file id, or path relative to the folder)
    path: str           # human-readable location for reports
    modified: str       # changes when the content changes (checkpoint key)
    location: str       # how the source fetches it


def is_json_name(name: str) -> bool:
    return name.lower().endswith(".json")


class FolderSource:
    """A local folder, walked recursively; files named *.json in any case."""

    def __init__(self, root: str | Path):
        self.root = Path(root)
        if not self.root.is_dir():
            raise FileNotFoundError(f"source folder {self.root} does not exist")

    def list_files(self) -> Iterator[SourceFile]:
        for path in sorted(self.root.rglob("*")):
            if path.is_file() and is_json_name(path.name):
                rel = path.relative_to(self.root).as_posix()
                yield SourceFile(rel, rel, str(path.stat().st_mtime_ns), str(path))

    def fetch(self, item: SourceFile) -> bytes:
        return Path(item.location).read_bytes()
