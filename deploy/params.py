"""`make params [ENV=…]`: every template parameter with the value an environment uses and its one-line help.

`sam deploy --guided` prompts with a parameter's name and default only; this is the help beside those prompts.
"""

from __future__ import annotations

import sys

from deploy import stack


def rows(env: str) -> list[tuple[str, str, str]]:
    """(name, value for this environment, help) for every parameter, in the template's order."""
    from infra import template

    values = stack.parameters(env)
    return [(name, values[name], spec.get("Description", "")) for name, spec in template.load()["Parameters"].items()]


def main(env: str) -> int:
    table = rows(env)
    width = max(len(name) for name, _, _ in table)
    print(f"Parameters of {stack.stack_name(env)} (samconfig.toml [{env}] over the template's defaults):")
    for name, value, help_text in table:
        print(f"  {name:<{width}}  [{value}]\n  {'':<{width}}  {help_text}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "default"))
