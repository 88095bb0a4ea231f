"""`make invoke FN=<Function> EVENT=events/<file>.json`: run one handler on one event, like `sam local invoke`.

Uses the running `make run` stack when there is one; otherwise starts PostgreSQL and moto just for this call.
With a running stack it also writes .local/sam-env-vars.json and prints the `sam local invoke` command that
runs the same call in the Lambda container (where Docker is available).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from local import sam_env_vars, template
from local.runtime import LambdaRuntime
from local.stack import LocalStack, running_stack_env


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    function, event_path = argv
    if function not in template.functions():
        print(f"No function {function!r} in template.yaml; there are: {', '.join(template.functions())}", file=sys.stderr)
        return 2
    event = json.loads(Path(event_path).read_text())
    env = running_stack_env()
    stack = None
    if env:
        os.environ.update(env)
        for warning in sam_env_vars.write(env):
            print(f"warning: {warning}", file=sys.stderr)
        print(f"same call in the Lambda container: {sam_env_vars.command(function, event_path)}", file=sys.stderr)
    else:
        stack = LocalStack(serve=False).start()
    try:
        result = LambdaRuntime().invoke(function, event)
    finally:
        if stack:
            stack.stop()
    print(json.dumps(result, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
