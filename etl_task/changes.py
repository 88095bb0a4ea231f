"""A source with a changes feed (Drive), what the feed is matched against and what it answers. Apart from
sources.py, so the Drive source imports the sources and nothing imports it back."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from etl_task.sources import Source, SourceFile


@dataclass
class Tree:
    """The folders under the root (id -> (parent id, path prefix)), the file-shortcut targets (id -> path),
    the folders reached through a folder shortcut (target id -> shortcut id: their own parents are outside
    the tree, so only the shortcut decides whether they stay), and file shortcuts (shortcut id -> target
    id: when the shortcut goes, so does its target). Kept in PostgreSQL between runs."""

    folders: dict[str, tuple[str | None, str]] = field(default_factory=dict)
    targets: dict[str, str] = field(default_factory=dict)
    linked: dict[str, str] = field(default_factory=dict)
    shortcuts: dict[str, str] = field(default_factory=dict)

    def copy(self) -> Tree:
        return Tree(dict(self.folders), dict(self.targets), dict(self.linked), dict(self.shortcuts))


@dataclass
class Changes:
    files: list[SourceFile]
    gone: set[str]  # ids trashed, removed, renamed away from *.json, or moved out of the tree
    token: str  # where the next run starts reading the feed
    requests: int = 0


@runtime_checkable
class FeedSource(Source, Protocol):
    """A source with a changes feed: Drive, which only shows a user's token what was shared with it by link."""

    @property
    def user_token(self) -> bool: ...
    @property
    def feed_reason(self) -> str | None: ...  # why the feed cannot see this source's root (None: it can)
    def start_page_token(self) -> str: ...
    def changes(self, token: str, tree: Tree) -> Changes: ...


def feed(source: Source) -> FeedSource | None:
    """The source, if it has a changes feed that sees its root."""
    if isinstance(source, FeedSource) and source.user_token and source.feed_reason is None:
        return source
    return None
