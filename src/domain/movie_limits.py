"""The new-movie rules of the API's MovieInput schema as values, read from the document itself.

The API, the processor and the ETL check new movies with these, so no copy of a limit can drift
from `openapi.json`. Reading needs only the standard library (the ETL image has no jsonschema), and only
the document itself (the ETL image copies src/api/openapi.json to /app/api/openapi.json, no api code).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Limits:
    """The MovieInput rules: the ETL loads nothing the API would refuse."""

    max_title: int
    max_genre: int
    min_rating: Decimal
    max_rating: Decimal
    rating_step: Decimal  # ratings are rounded to it (the API refuses others; files are loaded as near as stored)
    min_year: int
    max_year: int

    @classmethod
    def from_document(cls, document: dict[str, Any]) -> Limits:
        fields: dict[str, dict[str, Any]] = document["components"]["schemas"]["MovieInput"]["properties"]
        rating, year = fields["rating"], fields["year"]
        return cls(
            int(fields["title"]["maxLength"]),
            int(fields["genre"]["maxLength"]),
            Decimal(str(rating["minimum"])),
            Decimal(str(rating["maximum"])),
            Decimal(str(rating.get("multipleOf", 1))),
            int(year["minimum"]),
            int(year["maximum"]),
        )


# The contract beside this package: src/api/openapi.json here, /app/api/openapi.json in the ETL image.
DOCUMENT_PATH = Path(__file__).resolve().parent.parent / "api" / "openapi.json"


def _document() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(DOCUMENT_PATH.read_text())
    return document


LIMITS = Limits.from_document(_document())
