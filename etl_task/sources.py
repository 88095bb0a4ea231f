"""Where movie files come from: a local folder here, a Google Drive folder in drive.py."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol


@dataclass(frozen=True)
class SourceFile:
    file_id: str  # stable id (Drive file id, or the path relative to the folder)
    path: str  # human-readable location for reports
    modified: str  # the version: changes when the content changes (part of the checkpoint key);
    # Drive: md5Checksum, else headRevisionId, else modifiedTime
    size: int | None  # bytes, when the listing says
    location: str = ""  # how the source fetches it (local path; empty for Drive)
    skip_reason: str | None = None  # quarantine without downloading (e.g. a Google Doc named *.json)


class Gone(Exception):
    """The file was there when listed and is not any more (deleted, or access lost): treated as gone."""


class Refused(Exception):
    """The source will never hand this version out (e.g. flagged as abusive, download-restricted):
    quarantined by version, so it is not asked for again until it changes."""


class Source(Protocol):
    name: str
    remote: bool  # fetches are network round trips worth running in parallel

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
        self.remote = False

    def list_files(self) -> Iterator[SourceFile]:
        yield from self._walk(str(self.root), "")

    def _walk(self, folder: str, prefix: str) -> Iterator[SourceFile]:
        # scandir hands back each entry's stat with the listing: one system call fewer per file.
        with os.scandir(folder) as listing:
            entries = sorted(listing, key=lambda e: e.name)
        for entry in entries:
            if entry.is_dir():
                yield from self._walk(entry.path, f"{prefix}{entry.name}/")
            elif entry.is_file() and is_json_name(entry.name):
                stat = entry.stat()
                rel = f"{prefix}{entry.name}"
                yield SourceFile(rel, rel, str(stat.st_mtime_ns), stat.st_size, entry.path)

    def fetch(self, item: SourceFile) -> bytes:
        with open(item.location, "rb") as handle:
            return handle.read()
