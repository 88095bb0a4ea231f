"""Files that restate src/api/openapi.json are generated from it (`make generate`) and must be current.

The staleness check (`make generate-check`, `python -m codegen --check`) is run here on the real tree and on a
temporary copy of the document with a changed limit; nothing in the tree is written.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft4Validator, Draft202012Validator

from codegen import __main__ as codegen
from codegen import template_model, typescript
from codegen.draft4 import Unsupported, convert
from local.template import _CfnLoader

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "src" / "api" / "openapi.json"


def _document() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(SPEC.read_text())
    return document


def _fingerprints() -> dict[Path, str]:
    return {p: hashlib.sha256((ROOT / p).read_bytes()).hexdigest() for p in codegen.outputs(SPEC)}


def test_generated_files_are_current() -> None:
    stale = codegen.stale(SPEC)
    assert not stale, codegen.stale_message(stale, SPEC)


def test_a_changed_limit_makes_the_check_fail_with_the_command_to_run(tmp_path: Path) -> None:
    document = _document()
    document["components"]["schemas"]["MovieInput"]["properties"]["title"]["maxLength"] = 200
    spec = tmp_path / "openapi.json"
    spec.write_text(json.dumps(document, indent=2))
    before = _fingerprints()
    result = subprocess.run([sys.executable, "-m", "codegen", "--check", "--spec", str(spec)], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stderr.strip().endswith("run: make generate"), result.stderr
    for stale in ("template.yaml", "frontend/src/lib/generated/schema.ts"):
        assert stale in result.stderr, result.stderr
    assert _fingerprints() == before, "the check must not write"


def test_make_generate_check_passes_on_the_tree() -> None:
    result = subprocess.run(["make", "--no-print-directory", "generate-check"], cwd=ROOT, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_template_model_is_the_draft4_form_of_the_document() -> None:
    document = _document()
    document["components"]["schemas"]["MovieInput"]["properties"]["title"]["maxLength"] = 200
    template = (ROOT / "template.yaml").read_text()
    rendered = template_model.render(template, document)
    parsed = yaml.load(rendered, Loader=_CfnLoader)  # noqa: S506 - SafeLoader subclass
    model = parsed["Resources"]["RestApi"]["Properties"]["Models"]["MovieInput"]
    assert model == template_model.models(document)["MovieInput"]
    assert model["properties"]["title"]["maxLength"] == 200
    # Only the block changed: the text before and after it is the template's own, comments included.
    assert rendered.split(template_model.BEGIN)[0] == template.split(template_model.BEGIN)[0]
    assert rendered.split(template_model.END)[1] == template.split(template_model.END)[1]


def test_the_template_needs_its_markers() -> None:
    with pytest.raises(template_model.MarkersMissing):
        template_model.render("Resources: {}\n", _document())


SAMPLES: list[Any] = [None, True, 0, -1, 0.5, 7, 10, 10.5, 11, "", " ", "x", "a" * 6, [], {}]


@pytest.mark.parametrize(
    "schema",
    [
        {"type": ["number", "null"], "minimum": 0, "maximum": 10},
        {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 10},
        {"const": 7},
        {"type": "string", "minLength": 1, "maxLength": 5, "pattern": "\\S", "format": "uuid", "examples": ["x"]},
        {"anyOf": [{"type": "integer"}, {"type": "string", "enum": ["x"]}]},
        {"type": "array", "items": {"$ref": "#/components/schemas/Positive"}, "maxItems": 2},
        {"type": "object", "properties": {"a": {"$ref": "#/components/schemas/Positive"}}, "required": ["a"],
         "additionalProperties": False, "dependentRequired": {"a": ["b"]}},
    ],
)
def test_draft4_conversion_accepts_exactly_what_the_2020_12_schema_accepts(schema: dict[str, Any]) -> None:
    document = {"components": {"schemas": {"Positive": {"type": "number", "exclusiveMinimum": 0}}}}
    converted = convert(schema, document)
    Draft4Validator.check_schema(converted)
    original = Draft202012Validator({**schema, "components": document["components"]})
    samples = [*SAMPLES, *([[s] for s in SAMPLES]), *({"a": s} for s in SAMPLES), *({"a": s, "b": 1} for s in SAMPLES)]
    for sample in samples:
        assert Draft4Validator(converted).is_valid(sample) == original.is_valid(sample), (schema, converted, sample)


@pytest.mark.parametrize("schema", [{"prefixItems": [{}]}, {"if": {}, "then": {}}, {"$ref": "other.json#/x"},
                                    {"unevaluatedProperties": False}])
def test_draft4_conversion_refuses_what_draft4_cannot_say(schema: dict[str, Any]) -> None:
    with pytest.raises(Unsupported):
        convert(schema, {})


def test_the_typescript_limits_and_types_follow_the_document() -> None:
    document = _document()
    fields = document["components"]["schemas"]["MovieInput"]["properties"]
    fields["title"]["maxLength"] = 200
    text = typescript.render(document)
    assert 'title: { minLength: 1, maxLength: 200, pattern: "\\\\S" },' in text
    for name in document["components"]["schemas"]:
        assert f"export interface {typescript.type_name(name)} " in text or f"export type {name} =" in text, name
    assert "export interface Error " not in text, "a type named Error would shadow the global one in the UI"
