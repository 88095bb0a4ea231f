"""Read what the local stack must emulate straight from template.yaml, so the two cannot drift apart."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "template.yaml"


class _CfnLoader(yaml.SafeLoader):
    """SafeLoader that keeps CloudFormation short-form tags (!Ref, !GetAtt, !Sub …) as plain dicts."""


def _tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
    name = "Ref" if suffix == "Ref" else f"Fn::{suffix}"
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
        if suffix == "GetAtt":
            value = value.split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    return {name: value}


_CfnLoader.add_multi_constructor("!", _tag)


@lru_cache(maxsize=1)
def load() -> dict:
    return yaml.load(TEMPLATE.read_text(), Loader=_CfnLoader)  # noqa: S506 - SafeLoader subclass


def resources(kind: str) -> dict[str, dict]:
    return {k: v for k, v in load()["Resources"].items() if v["Type"] == kind}


def function_handler(logical_id: str) -> str:
    return load()["Resources"][logical_id]["Properties"]["Handler"]


def functions() -> dict[str, dict]:
    return resources("AWS::Serverless::Function")


@dataclass(frozen=True)
class Route:
    method: str
    path: str           # template form, e.g. /api/movies/{id}
    function: str       # logical id
    authorized: bool
    pattern: re.Pattern

    def match(self, method: str, path: str) -> dict[str, str] | None:
        if method != self.method:
            return None
        m = self.pattern.match(path)
        return m.groupdict() if m else None


def _compile(path: str) -> re.Pattern:
    regex = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(path))
    return re.compile(f"^{regex}$")


def rest_routes() -> list[Route]:
    default_auth = any(
        api["Properties"].get("Auth", {}).get("DefaultAuthorizer")
        for api in resources("AWS::Serverless::Api").values()
    )
    routes = []
    for name, fn in functions().items():
        for event in fn["Properties"].get("Events", {}).values():
            if event["Type"] != "Api":
                continue
            props = event["Properties"]
            authorizer = props.get("Auth", {}).get("Authorizer")
            routes.append(Route(
                method=props["Method"].upper(),
                path=props["Path"],
                function=name,
                authorized=default_auth and authorizer != "NONE",
                pattern=_compile(props["Path"]),
            ))
    # Literal segments beat path parameters, as in API Gateway (/api/movies/search before /{id}).
    return sorted(routes, key=lambda r: (r.path.count("{"), -len(r.path)))


def cache_ttls() -> dict[tuple[str, str], int]:
    """(method, path) → TTL seconds for every method setting that enables the stage cache."""
    ttls = {}
    for api in resources("AWS::Serverless::Api").values():
        for setting in api["Properties"].get("MethodSettings", []):
            if setting.get("CachingEnabled") and setting.get("CacheTtlInSeconds"):
                path = setting["ResourcePath"][1:].replace("~1", "/")  # "/~1api~1x" is /api/x
                ttls[(setting["HttpMethod"].upper(), path)] = int(setting["CacheTtlInSeconds"])
    return ttls


def stage_name() -> str:
    return load()["Parameters"]["Stage"]["Default"]
