"""template.yaml, read as CloudFormation writes it: the one loader deploy/, local/ and the tests share.

Neutral on purpose: deployment tooling and tests read the template without importing the local emulator."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "template.yaml"


class CfnLoader(yaml.SafeLoader):
    """SafeLoader that keeps CloudFormation short-form tags (!Ref, !GetAtt, !Sub …) as plain dicts."""


def _tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
    name = "Ref" if suffix == "Ref" else f"Fn::{suffix}"
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
        if suffix == "GetAtt":
            value = value.split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    elif isinstance(node, yaml.MappingNode):
        value = loader.construct_mapping(node, deep=True)
    else:
        raise yaml.constructor.ConstructorError(None, None, f"unexpected node for !{suffix}", node.start_mark)
    return {name: value}


CfnLoader.add_multi_constructor("!", _tag)


def parse(text: str) -> dict[str, Any]:
    """A CloudFormation template's text as a dict (short-form tags as their Fn:: forms)."""
    parsed: dict[str, Any] = yaml.load(text, Loader=CfnLoader)  # noqa: S506 - SafeLoader subclass
    return parsed


@lru_cache(maxsize=1)
def load() -> dict[str, Any]:
    return parse(TEMPLATE.read_text())


def resources(kind: str) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in load()["Resources"].items() if v["Type"] == kind}


def functions() -> dict[str, dict[str, Any]]:
    return resources("AWS::Serverless::Function")


def function_handler(logical_id: str) -> str:
    handler: str = load()["Resources"][logical_id]["Properties"]["Handler"]
    return handler
