"""python -m codegen [--check] [--spec PATH] [--root DIR]

Writes every file generated from the OpenAPI document (`make generate`), or with --check writes nothing and
exits 1 naming the stale files (`make generate-check`, tests/infra/test_generated.py).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from codegen import python, template_model, typescript
from codegen.rules import Contradiction

ROOT = Path(__file__).resolve().parent.parent
SPEC = Path("src/api/openapi.json")
TEMPLATE = Path("template.yaml")
TYPESCRIPT = Path("frontend/src/lib/generated/schema.ts")
PYTHON = Path("src/domain/contract.py")
CLIENT_MODELS = Path("clients/python/src/movie_library/models.py")
CLIENT_GENERATOR = Path("clients/python/scripts/generate_models.py")
REGENERATE = "run: make generate"


def _client_models(root: Path) -> Callable[[Path], str]:
    spec = importlib.util.spec_from_file_location("generate_models", root / CLIENT_GENERATOR)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(spec.name, module)  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    generate: Callable[[Path], str] = module.generate
    return generate


def outputs(spec_path: Path, root: Path = ROOT) -> dict[Path, str]:
    """Every generated file (relative to root) and the text it should have for the document at spec_path."""
    document: dict[str, Any] = json.loads(spec_path.read_text())
    return {
        TEMPLATE: template_model.render((root / TEMPLATE).read_text(), document),
        TYPESCRIPT: typescript.render(document),
        PYTHON: python.render(document),
        CLIENT_MODELS: _client_models(root)(spec_path),
    }


def stale(spec_path: Path, root: Path = ROOT) -> list[Path]:
    """The generated files whose text differs from what the document at spec_path gives."""
    found = []
    for path, text in outputs(spec_path, root).items():
        current = root / path
        if not current.exists() or current.read_text() != text:
            found.append(path)
    return found


def stale_message(paths: list[Path], spec_path: Path) -> str:
    names = ", ".join(str(p) for p in paths)
    return f"Generated files are stale against {spec_path}: {names}\n{REGENERATE}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m codegen", description=__doc__)
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 when a generated file is stale")
    parser.add_argument("--spec", type=Path, help="the OpenAPI document (default: src/api/openapi.json)")
    parser.add_argument("--root", type=Path, default=ROOT, help="the repository root the outputs are relative to")
    args = parser.parse_args(argv)
    root: Path = args.root
    spec_path: Path = args.spec or root / SPEC
    try:
        return _run(spec_path, root, args.check)
    except Contradiction as exc:  # nothing is written from a document that contradicts itself
        print(f"{spec_path}: {exc}", file=sys.stderr)
        return 1


def _run(spec_path: Path, root: Path, check: bool) -> int:
    if check:
        paths = stale(spec_path, root)
        if paths:
            print(stale_message(paths, spec_path), file=sys.stderr)
            return 1
        print("generated files are current")
        return 0
    for path, text in outputs(spec_path, root).items():
        target = root / path
        if not target.exists() or target.read_text() != text:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text)
            print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
