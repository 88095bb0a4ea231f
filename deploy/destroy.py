"""`make destroy ENV=…`: empty the UI buckets and delete the stack (prod keeps a final database snapshot)."""

from __future__ import annotations

import subprocess
import sys

import boto3

from deploy import stack


def main(env: str) -> int:
    s3 = boto3.resource("s3", region_name=stack.region(env))
    for logical_id in ("UiBucket", "UiLogsBucket"):
        bucket = s3.Bucket(stack.physical_id(env, logical_id))
        bucket.object_versions.delete()
    subprocess.run(["sam", "delete", "--config-env", env, "--no-prompts"], check=True, cwd=stack.ROOT)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
