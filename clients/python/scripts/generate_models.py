"""Generate movie_library/models.py from the API's OpenAPI document.

    python clients/python/scripts/generate_models.py          # or: make client-models

Every component schema and every inline object response becomes a frozen dataclass with
`from_dict` (API JSON → model; unknown keys are ignored so an older client keeps working) and
`to_dict` (model → API JSON). tests/client/test_openapi_models.py fails when the checked-in file
differs from what this script writes, so a field added to the API cannot be missing here.
"""

from __future__ import annotations

import json
import keyword
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
PACKAGE_ROOT = HERE.parent
DEFAULT_SPEC = PACKAGE_ROOT.parent.parent / "src" / "api" / "openapi.json"
DEFAULT_OUT = PACKAGE_ROOT / "src" / "movie_library" / "models.py"
REGENERATE = "make client-models  (python clients/python/scripts/generate_models.py)"


def snake(name: str) -> str:
    name = re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).replace("-", "_").lower()
    return f"{name}_" if keyword.iskeyword(name) else name


def pascal(name: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[^A-Za-z0-9]", name) if part)


@dataclass
class Codec:
    type: str
    decode: str  # format string over {v}
    encode: str  # format string over {v}


@dataclass
class Model:
    name: str
    doc: str
    fields: list[tuple[str, str, Codec, bool, bool]] = field(default_factory=list)  # api, py, codec, required, nullable


class Generator:
    def __init__(self, spec: dict):
        self.spec = spec
        self.models: dict[str, Model] = {}

    def codec(self, schema: dict, owner: str, prop: str) -> tuple[Codec, bool]:
        """(codec, nullable) for one schema; inline objects become their own models."""
        if "$ref" in schema:
            name = schema["$ref"].rsplit("/", 1)[-1]
            return Codec(name, f"{name}.from_dict({{v}})", "{v}.to_dict()"), False
        types = schema.get("type")
        types = list(types) if isinstance(types, list) else [types] if types else []
        nullable = "null" in types
        types = [t for t in types if t != "null"]
        kind = types[0] if len(types) == 1 else None
        if "const" in schema:
            return Codec(f"Literal[{schema['const']!r}]", "{v}", "{v}"), nullable
        if "enum" in schema:
            values = ", ".join(repr(v) for v in schema["enum"] if v is not None)
            return Codec(f"Literal[{values}]", "{v}", "{v}"), nullable
        if kind == "string":
            return Codec("str", "{v}", "{v}"), nullable
        if kind == "integer":
            return Codec("int", "{v}", "{v}"), nullable
        if kind == "number":
            return Codec("float", "float({v})", "{v}"), nullable
        if kind == "boolean":
            return Codec("bool", "{v}", "{v}"), nullable
        if kind == "array":
            item, _ = self.codec(schema.get("items", {}), owner, prop)
            if item.decode == "{v}" and item.encode == "{v}":
                return Codec(f"list[{item.type}]", "list({v})", "list({v})"), nullable
            decode = item.decode.replace("{v}", "x")
            encode = item.encode.replace("{v}", "x")
            return Codec(f"list[{item.type}]", f"[{decode} for x in {{v}}]", f"[{encode} for x in {{v}}]"), nullable
        if kind == "object" and schema.get("properties"):
            name = owner + pascal(prop)
            self.model(name, schema)
            return Codec(name, f"{name}.from_dict({{v}})", "{v}.to_dict()"), nullable
        if kind == "object":
            return Codec("dict[str, Any]", "dict({v})", "dict({v})"), nullable
        return Codec("Any", "{v}", "{v}"), nullable

    def model(self, name: str, schema: dict) -> None:
        if name in self.models:
            return
        model = Model(name, (schema.get("description") or "").strip())
        self.models[name] = model  # before the fields: a schema may refer to itself
        required = set(schema.get("required", []))
        for api_name, prop in schema.get("properties", {}).items():
            codec, nullable = self.codec(prop, name, api_name)
            model.fields.append((api_name, snake(api_name), codec, api_name in required, nullable))

    def run(self) -> str:
        for name, schema in self.spec.get("components", {}).get("schemas", {}).items():
            if schema.get("type") == "object" or "properties" in schema:
                self.model(name, schema)
        operations: list[tuple[str, str, str]] = []
        for path, item in self.spec.get("paths", {}).items():
            for method, op in item.items():
                if method not in {"get", "post", "put", "patch", "delete"}:
                    continue
                operations.append((op["operationId"], method.upper(), path))
                for response in op.get("responses", {}).values():
                    schema = response.get("content", {}).get("application/json", {}).get("schema", {})
                    if schema.get("properties") and "$ref" not in schema:
                        self.model(pascal(op["operationId"]) + "Response", schema)
        return self.render(operations)

    def render(self, operations: list[tuple[str, str, str]]) -> str:
        out = [
            '"""Models of the Movie Library API, GENERATED from src/api/openapi.json: do not edit.',
            "",
            f"Regenerate with: {REGENERATE}",
            '"""',
            "# ruff: noqa: E501",
            "",
            "from __future__ import annotations",
            "",
            "from dataclasses import dataclass",
            "from typing import Any, Literal",
            "",
            f"API_VERSION = {self.spec.get('info', {}).get('version', '')!r}",
            "",
            "# operationId → (HTTP method, path): every operation the client must offer a method for.",
            "OPERATIONS: dict[str, tuple[str, str]] = {",
            *[f"    {op!r}: ({method!r}, {path!r})," for op, method, path in operations],
            "}",
        ]
        for model in self.models.values():
            out += ["", "", "@dataclass(frozen=True)", f"class {model.name}:"]
            if model.doc:
                out.append(f'    """{model.doc}"""')
                out.append("")
            ordered = [f for f in model.fields if f[3]] + [f for f in model.fields if not f[3]]
            for _api, py, codec, required, nullable in ordered:
                typ = f"{codec.type} | None" if nullable or not required else codec.type
                out.append(f"    {py}: {typ}" + ("" if required else " = None"))
            if not ordered:
                out.append("    pass")
            out += [
                "",
                "    @classmethod",
                f"    def from_dict(cls, data: dict[str, Any]) -> {model.name}:",
                "        return cls(",
            ]
            for api, py, codec, required, nullable in ordered:
                if required and not nullable:
                    value = codec.decode.format(v=f"data[{api!r}]")
                elif codec.decode == "{v}":
                    value = f"data.get({api!r})"
                else:
                    value = f"None if data.get({api!r}) is None else {codec.decode.format(v=f'data[{api!r}]')}"
                out.append(f"            {py}={value},")
            out += ["        )", "", "    def to_dict(self) -> dict[str, Any]:", "        out: dict[str, Any] = {}"]
            for api, py, codec, required, nullable in model.fields:
                value = codec.encode.format(v=f"self.{py}")
                if required and (not nullable or value == f"self.{py}"):
                    out.append(f"        out[{api!r}] = {value}")
                elif required:
                    out.append(f"        out[{api!r}] = None if self.{py} is None else {value}")
                else:
                    out.append(f"        if self.{py} is not None:")
                    out.append(f"            out[{api!r}] = {value}")
            out.append("        return out")
        return "\n".join(out) + "\n"


def generate(spec_path: Path = DEFAULT_SPEC) -> str:
    return Generator(json.loads(spec_path.read_text())).run()


def main(argv: list[str]) -> int:
    spec = Path(argv[1]) if len(argv) > 1 else DEFAULT_SPEC
    out = Path(argv[2]) if len(argv) > 2 else DEFAULT_OUT
    out.write_text(generate(spec))
    print(f"wrote {out} from {spec}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
