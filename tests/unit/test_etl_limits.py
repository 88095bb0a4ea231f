"""The ETL's new-movie limits are the OpenAPI document's MovieInput rules, read where the ETL image ships it."""

from __future__ import annotations

import copy
import json
import re
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from domain import movie_rules as normalize
from etl_task.records import LIMITS, Limits, Rejected, parse

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "src" / "api" / "openapi.json"
DOCKERFILE = ROOT / "etl_task" / "Dockerfile"
MOVIE = b'{"title": "Glass Harbor", "genre": "Drama", "rating": 7.7, "year": 2024}'


def _document(**changes: dict[str, Any]) -> dict[str, Any]:
    document: dict[str, Any] = copy.deepcopy(json.loads(SPEC.read_text()))
    fields = document["components"]["schemas"]["MovieInput"]["properties"]
    for name, rules in changes.items():
        fields[name].update(rules)
    return document


def test_the_limits_are_the_documents_movie_input_rules() -> None:
    fields = json.loads(SPEC.read_text())["components"]["schemas"]["MovieInput"]["properties"]
    assert (LIMITS.max_title, LIMITS.max_genre) == (fields["title"]["maxLength"], fields["genre"]["maxLength"])
    assert (LIMITS.min_rating, LIMITS.max_rating) == (fields["rating"]["minimum"], fields["rating"]["maximum"])
    assert (LIMITS.min_year, LIMITS.max_year) == (fields["year"]["minimum"], fields["year"]["maximum"])


def test_the_api_and_processor_rules_accept_exactly_the_documents_ranges() -> None:
    """domain/movie_rules (the API's and the processor's second check) accepts the document's bounds and refuses
    one step past them."""
    fields = json.loads(SPEC.read_text())["components"]["schemas"]["MovieInput"]["properties"]
    step = Decimal(str(fields["rating"]["multipleOf"]))
    for bound in (fields["rating"]["minimum"], fields["rating"]["maximum"]):
        assert normalize.rating(Decimal(str(bound))) == Decimal(str(bound))
    for outside in (Decimal(str(fields["rating"]["minimum"])) - step, Decimal(str(fields["rating"]["maximum"])) + step):
        with pytest.raises(normalize.Invalid):
            normalize.rating(outside)
    for bound in (fields["year"]["minimum"], fields["year"]["maximum"]):
        assert normalize.year(Decimal(bound)) == bound
    for outside in (fields["year"]["minimum"] - 1, fields["year"]["maximum"] + 1):
        with pytest.raises(normalize.Invalid):
            normalize.year(Decimal(outside))
    for field, limit in (("title", normalize.MAX_TITLE), ("genre", normalize.MAX_GENRE)):
        longest = fields[field]["maxLength"]
        assert normalize.text(field, "x" * longest, limit) == "x" * longest
        with pytest.raises(normalize.Invalid):
            normalize.text(field, "x" * (longest + 1), limit)


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"title": {"maxLength": 5}}, "'title' must be at most 5 characters"),
        ({"genre": {"maxLength": 3}}, "'genre' must be at most 3 characters"),
        ({"rating": {"maximum": 5}}, "'rating' 7.7 is outside 0..5"),
        ({"year": {"minimum": 2030, "maximum": 2040}}, "'year' 2024 is outside 2030..2040"),
    ],
)
def test_a_limit_changed_in_the_document_changes_what_the_etl_loads(changes: dict[str, Any], reason: str) -> None:
    assert len(parse(MOVIE)) == 1
    with pytest.raises(Rejected, match=re.escape(reason)):
        parse(MOVIE, Limits.from_document(_document(**changes)))


def test_ratings_are_rounded_to_the_documents_step() -> None:
    coarse = Limits.from_document(_document(rating={"multipleOf": 0.5}))
    assert parse(b'{"title": "A", "genre": "G", "rating": 7.3}', coarse)[0].rating == 7.5
    assert str(parse(b'{"title": "A", "genre": "G", "rating": 7.26}')[0].rating) == "7.3"


def test_the_etl_image_layout_reads_the_document_it_ships(tmp_path: Path) -> None:
    """Laid out as etl_task/Dockerfile copies it (/app/domain, /app/api/openapi.json, ...), with a changed title limit."""
    app = tmp_path / "app"
    copies = re.findall(r"^COPY (src/[\w/.]+|etl_task) /app/([\w/.]+)$", DOCKERFILE.read_text(), re.MULTILINE)
    assert ("src/api/openapi.json", "api/openapi.json") in copies, "the ETL image must ship the OpenAPI document"
    for source, target in copies:
        if (ROOT / source).is_dir():
            shutil.copytree(ROOT / source, app / target, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            (app / target).parent.mkdir(parents=True, exist_ok=True)
    (app / "api" / "openapi.json").write_text(json.dumps(_document(title={"maxLength": 5})))
    script = (
        "import sys\nfrom etl_task.records import Rejected, parse\ntry:\n    parse(sys.stdin.buffer.read())\n"
        "except Rejected as exc:\n    print(exc)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        input=MOVIE,
        capture_output=True,
        cwd=app,
        timeout=60,
        env={"PYTHONPATH": str(app), "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stderr.decode()
    assert result.stdout.decode().strip() == "'title' must be at most 5 characters"
