"""`make etl-remote ENV=…`: run the ETL task on the deployed stack, ids from its outputs, and follow it."""

from __future__ import annotations

import sys
import time

import boto3

from deploy import stack


def start(ecs, outputs: dict[str, str]) -> str | None:
    """Start the task; None (after printing why) when ECS could not place it."""
    response = ecs.run_task(
        cluster=outputs["EtlClusterName"],
        taskDefinition=outputs["EtlTaskDefinitionArn"],
        launchType="FARGATE",
        networkConfiguration={
            "awsvpcConfiguration": {
                "subnets": outputs["EtlSubnets"].split(","),
                "securityGroups": [outputs["EtlSecurityGroupId"]],
                "assignPublicIp": "ENABLED",
            }
        },
    )
    # run_task reports placement problems (capacity, ENI limits, missing resources) in `failures`, not as errors.
    for failure in response.get("failures", []):
        print(
            f"run_task failed: {failure.get('reason', '?')} {failure.get('detail', '')} ({failure.get('arn', '')})",
            file=sys.stderr,
        )
    tasks = response.get("tasks", [])
    if not tasks:
        if not response.get("failures"):
            print("run_task started no task and gave no reason", file=sys.stderr)
        return None
    return tasks[0]["taskArn"]


def main(env: str) -> int:
    outputs = stack.outputs(env)
    if "EtlTaskDefinitionArn" not in outputs:  # deployed without an image (sam deploy --guided, or ETL=off)
        print(f"{stack.stack_name(env)} has no ETL task yet: make deploy ENV={env} builds and pushes its image", file=sys.stderr)
        return 1
    ecs = boto3.client("ecs", region_name=stack.region(env))
    task_arn = start(ecs, outputs)
    if task_arn is None:
        return 1
    print(f"started {task_arn}; logs: make logs ENV={env} FN=etl", flush=True)
    while True:
        described = ecs.describe_tasks(cluster=outputs["EtlClusterName"], tasks=[task_arn])["tasks"][0]
        if described["lastStatus"] == "STOPPED":
            code = described["containers"][0].get("exitCode")
            # A task that never started (image pull, ENI, secret errors) has no exit code, only a stop code.
            print(f"stopped: exit code {code}, {described.get('stopCode', '')}: {described.get('stoppedReason', '')}")
            return 0 if code == 0 else 1
        time.sleep(10)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "staging"))
