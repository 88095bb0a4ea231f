"""`make etl-remote ENV=…`: run the ETL task on the deployed stack, ids from its outputs, and follow it."""

from __future__ import annotations

import sys
import time

import boto3

from deploy import stack


def main(env: str) -> int:
    outputs = stack.outputs(env)
    ecs = boto3.client("ecs", region_name=stack.region(env))
    task = ecs.run_task(
        cluster=outputs["EtlClusterName"], taskDefinition=outputs["EtlTaskDefinitionArn"], launchType="FARGATE",
        networkConfiguration={"awsvpcConfiguration": {
            "subnets": outputs["EtlSubnets"].split(","), "securityGroups": [outputs["EtlSecurityGroupId"]],
            "assignPublicIp": "ENABLED"}},
    )["tasks"][0]
    print(f"started {task['taskArn']}; logs: make logs ENV={env} FN=etl", flush=True)
    while True:
        described = ecs.describe_tasks(cluster=outputs["EtlClusterName"], tasks=[task["taskArn"]])["tasks"][0]
        if described["lastStatus"] == "STOPPED":
            code = described["containers"][0].get("exitCode")
            print(f"stopped: exit code {code} ({described.get('stoppedReason', '')})")
            return 0 if code == 0 else 1
        time.sleep(10)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "staging"))
