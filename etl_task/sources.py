"""Where movie files come from: a local folder here, a Google Drive folder in drive.py."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol


@dataclass(frozen=True)
class SourceFile:
    file_id: str        # stable id (Drive file id, or the path relative to the folder)
    path: str           # human-readable location for reports
    modified: str       # changes when the content changes (part of the checkpoint key)
    size: int | None    # bytes, when the listing says
    location: str = ""  # how the source fetches it (local path; empty for Drive)


class Source(Protocol):
    name: str

    def list_files(self) -> Iterator[SourceFile]: ...
    def fetch(self, item: SourceFile) -> bytes: ...


def is_json_name(name: str) -> bool:
    return name.lower().endswith(".json")


class FolderSource:
    """A local folder, walked recursively; files named *.json in any case."""

    def __init__(self, root: str | Path):
        self.root = Path(root)
        if not self.root.is_dir():
            raise FileNotFoundError(f"source folder {self.root} does not exist")
        self.name = f"folder:{self.root.resolve()}"

    def list_files(self) -> Iterator[SourceFile]:
        for path in sorted(self.root.rglob("*")):
            if path.is_file() and is_json_name(path.name):
                rel = path.relative_to(self.root).as_posix()
                stat = path.stat()
                yield SourceFile(rel, rel, str(stat.st_mtime_ns), stat.st_size, str(path))

    def fetch(self, item: SourceFile) -> bytes:
        return Path(item.location).read_bytes()
