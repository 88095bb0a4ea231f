"""How titles and genres are cleaned before they are stored or compared (the database's movie_key agrees)."""

from __future__ import annotations

import re

_SPACES = re.compile(r"\s+")


def clean_text(value: str) -> str:
    """Trim and collapse inner whitespace, keeping case."""
    return _SPACES.sub(" ", value).strip()


def genre_key(value: str) -> str:
    return clean_text(value).lower()


def like_pattern(text: str) -> str:
    """A LIKE pattern matching `text` anywhere, with %, _ and \\ taken literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
