"""Just enough of CloudFormation to read a transformed template offline: conditions, Fn::If, Fn::Sub, references."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from tests.infra.conftest import transform

PSEUDO = {
    "AWS::StackName": "movie-library-test",
    "AWS::Region": "us-east-1",
    "AWS::AccountId": "123456789012",
    "AWS::Partition": "aws",
    "AWS::URLSuffix": "amazonaws.com",
}
NO_VALUE = object()


@dataclass
class Stack:
    """A transformed template with one set of parameter values (defaults for the rest)."""

    template: dict
    params: dict[str, str]

    @classmethod
    def with_params(cls, params: dict[str, str] | None = None) -> Stack:
        template = transform(params or {})
        values = {name: str(p.get("Default", "")) for name, p in template.get("Parameters", {}).items()}
        values.update(params or {})
        return cls(template, values)

    @property
    def resources(self) -> dict[str, dict]:
        """Only the resources whose Condition holds."""
        return {k: v for k, v in self.template["Resources"].items() if "Condition" not in v or self.condition(v["Condition"])}

    def of_type(self, kind: str) -> dict[str, dict]:
        return {k: v for k, v in self.resources.items() if v["Type"] == kind}

    def condition(self, name: str) -> bool:
        return bool(self.evaluate(self.template["Conditions"][name]))

    def evaluate(self, value: Any) -> Any:
        """Resolve Ref (parameters, pseudo parameters), Fn::If and the condition functions; leave the rest."""
        if isinstance(value, list):
            return [v for v in (self.evaluate(v) for v in value) if v is not NO_VALUE]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((key, arg),) = value.items()
            if key == "Ref" and arg == "AWS::NoValue":
                return NO_VALUE
            if key == "Ref" and arg in self.params:
                return self.params[arg]
            if key == "Ref" and arg in PSEUDO:
                return PSEUDO[arg]
            if key == "Fn::If":
                return self.evaluate(arg[1] if self.condition(arg[0]) else arg[2])
            if key == "Fn::Equals":
                left, right = (self.evaluate(a) for a in arg)
                return str(left) == str(right)
            if key == "Fn::Not":
                return not self.evaluate(arg[0])
            if key == "Fn::And":
                return all(self.evaluate(a) for a in arg)
            if key == "Fn::Or":
                return any(self.evaluate(a) for a in arg)
            if key == "Condition":
                return self.condition(arg)
        return {k: v for k, v in ((k, self.evaluate(v)) for k, v in value.items()) if v is not NO_VALUE}

    def sub(self, value: Any) -> str:
        """A string after Fn::Sub: parameters and pseudo parameters filled in, ${Res.Attr} as <Res.Attr>."""
        value = self.evaluate(value)
        if isinstance(value, str):
            return value
        text, variables = (value["Fn::Sub"], {}) if isinstance(value["Fn::Sub"], str) else value["Fn::Sub"]

        def fill(match: re.Match) -> str:
            name = match.group(1)
            if name in variables:
                return self.sub(variables[name])
            return self.params.get(name) or PSEUDO.get(name) or f"<{name}>"

        return re.sub(r"\$\{([^}!]+)\}", fill, text)


def references(value: Any) -> set[str]:
    """Logical ids a value points at: Ref, Fn::GetAtt, ${X} / ${X.Attr} in Fn::Sub."""
    found: set[str] = set()
    if isinstance(value, list):
        for item in value:
            found |= references(item)
    elif isinstance(value, dict):
        for key, arg in value.items():
            if key == "Ref" and isinstance(arg, str):
                found.add(arg)
            elif key == "Fn::GetAtt":
                found.add(arg[0] if isinstance(arg, list) else arg.split(".")[0])
            elif key == "Fn::Sub":
                text = arg if isinstance(arg, str) else arg[0]
                found |= {m.split(".")[0] for m in re.findall(r"\$\{([^}!]+)\}", text)}
                found |= references(arg[1] if isinstance(arg, list) else {})
            else:
                found |= references(arg)
    return found


def depends_on(resources: dict[str, dict], start: str, target: str) -> bool:
    """Does CloudFormation create `target` before `start` (DependsOn or a reference, transitively)?"""
    seen, todo = set(), [start]
    while todo:
        name = todo.pop()
        if name in seen or name not in resources:
            continue
        seen.add(name)
        resource = resources[name]
        direct = resource.get("DependsOn", [])
        direct = {direct} if isinstance(direct, str) else set(direct)
        direct |= references({k: v for k, v in resource.items() if k != "DependsOn"})
        if target in direct:
            return True
        todo += list(direct)
    return False
