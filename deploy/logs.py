"""`make logs ENV=… FN=<Function|etl>`: the last hour of a function's (or the ETL task's) logs."""

from __future__ import annotations

import sys
import time

import boto3

from deploy import stack


def main(env: str, function: str) -> int:
    logs = boto3.client("logs", region_name=stack.region(env))
    name = stack.physical_id(env, "EtlLogs" if function == "etl" else function)
    group = name if function == "etl" else f"/aws/lambda/{name}"
    kwargs = {"logGroupName": group, "startTime": int((time.time() - 3600) * 1000)}
    while True:
        page = logs.filter_log_events(**kwargs)
        for event in page["events"]:
            print(event["message"].rstrip())
        if "nextToken" not in page:
            return 0
        kwargs["nextToken"] = page["nextToken"]


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
