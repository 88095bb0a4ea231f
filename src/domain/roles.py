"""Roles from the id token (DESIGN §3 Roles): the Cognito group `librarians` (claim cognito:groups) may
correct any movie and sees ETL details (sources, recorded errors, file reports)."""

from __future__ import annotations

import json
from typing import Any

LIBRARIANS = "librarians"


def parse_groups(claim: Any) -> set[str]:
    """cognito:groups as it reaches a handler: a list, a JSON array, "[a b]" (API Gateway's rendering of an
    array claim) or "a,b"."""
    if isinstance(claim, list):
        return {str(g) for g in claim}
    text = str(claim or "").strip()
    if text.startswith("[") and text.endswith("]"):
        try:
            parsed = json.loads(text)
            if isinstance(parsed, list):
                return {str(g) for g in parsed}
        except ValueError:
            text = text[1:-1]
    return {g for g in text.replace(",", " ").split() if g}


def is_librarian(groups: Any) -> bool:
    return LIBRARIANS in parse_groups(groups)
