"""`make destroy ENV=… [CONFIRM=<stack name>]`: delete a stack completely, and safely run it again.

- prod (EnvironmentType=prod) needs CONFIRM=<its stack name>; then the database's deletion protection
  is turned off after a manual snapshot (kept after the stack is gone, as is the final snapshot that
  the Database's DeletionPolicy takes), and the retained user pool and tables are kept and named.
- other environments also delete the user pool and the DynamoDB tables that the template retains.
- the UI buckets are emptied (all versions) right before the delete, and again if CloudFront's log
  delivery refilled one and the delete failed on it; resources already gone are skipped.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable

import boto3
from botocore.exceptions import ClientError, WaiterError

from deploy import stack

BUCKETS = ("UiBucket", "UiLogsBucket")
RETAINED_TABLES = ("RequestsTable", "ConnectionsTable")
DELETE_ATTEMPTS = 3


def _gone(error: ClientError) -> bool:
    code = error.response.get("Error", {}).get("Code", "")
    return code in {
        "NoSuchBucket",
        "ResourceNotFoundException",
        "DBInstanceNotFound",
        "DBInstanceNotFoundFault",
        "404",
        "ValidationError",
    }


def describe(cfn, name: str) -> dict | None:
    try:
        return cfn.describe_stacks(StackName=name)["Stacks"][0]
    except ClientError as error:
        if "does not exist" in str(error):
            return None
        raise


def physical_ids(cfn, name: str) -> dict[str, str]:
    ids: dict[str, str] = {}
    for page in cfn.get_paginator("list_stack_resources").paginate(StackName=name):
        for resource in page["StackResourceSummaries"]:
            if resource.get("PhysicalResourceId") and resource["ResourceStatus"] != "DELETE_COMPLETE":
                ids[resource["LogicalResourceId"]] = resource["PhysicalResourceId"]
    return ids


def empty_bucket(s3, bucket: str) -> int:
    """Delete every object version and delete marker; 0 when the bucket is already gone."""
    deleted = 0
    try:
        for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket):
            keys = [
                {"Key": v["Key"], "VersionId": v["VersionId"]} for v in page.get("Versions", []) + page.get("DeleteMarkers", [])
            ]
            for start in range(0, len(keys), 1000):
                s3.delete_objects(Bucket=bucket, Delete={"Objects": keys[start : start + 1000], "Quiet": True})
            deleted += len(keys)
    except ClientError as error:
        if not _gone(error):
            raise
    return deleted


def unprotect_database(rds, instance: str, stack_name: str) -> str | None:
    """Snapshot the database, then turn its deletion protection off. Returns the snapshot id."""
    try:
        db = rds.describe_db_instances(DBInstanceIdentifier=instance)["DBInstances"][0]
    except ClientError as error:
        if _gone(error):
            return None
        raise
    snapshot = f"{stack_name}-before-destroy-{time.strftime('%Y%m%d-%H%M%S')}"
    print(f"snapshotting {instance} as {snapshot} …", flush=True)
    rds.create_db_snapshot(DBInstanceIdentifier=instance, DBSnapshotIdentifier=snapshot)
    rds.get_waiter("db_snapshot_available").wait(DBSnapshotIdentifier=snapshot, WaiterConfig={"Delay": 15, "MaxAttempts": 240})
    if db.get("DeletionProtection"):
        rds.modify_db_instance(DBInstanceIdentifier=instance, DeletionProtection=False, ApplyImmediately=True)
        print(f"turned off deletion protection on {instance}", flush=True)
    return snapshot


def delete_stack(cfn, s3, name: str, buckets: list[str], wait: Callable[[], None]) -> None:
    """Empty the buckets and delete the stack; retry while a refilled bucket is what failed."""
    for attempt in range(1, DELETE_ATTEMPTS + 1):
        for bucket in buckets:
            count = empty_bucket(s3, bucket)
            if count:
                print(f"emptied {bucket} ({count} objects)", flush=True)
        cfn.delete_stack(StackName=name)
        try:
            wait()
            return
        except WaiterError:
            current = describe(cfn, name)
            if current is None:
                return
            failed = [
                r["LogicalResourceId"]
                for r in cfn.describe_stack_resources(StackName=name)["StackResources"]
                if r["ResourceStatus"] == "DELETE_FAILED"
            ]
            print(f"delete attempt {attempt} failed on {', '.join(failed) or current['StackStatus']}", flush=True)
            if attempt == DELETE_ATTEMPTS or not set(failed) <= set(BUCKETS):
                raise SystemExit(
                    f"{name} could not be deleted ({current.get('StackStatusReason', '')}); see the CloudFormation console"
                ) from None


def delete_retained(env: str, ids: dict[str, str]) -> None:
    dynamodb = boto3.client("dynamodb", region_name=stack.region(env))
    for logical_id in RETAINED_TABLES:
        if logical_id in ids:
            try:
                dynamodb.delete_table(TableName=ids[logical_id])
                print(f"deleted table {ids[logical_id]}", flush=True)
            except ClientError as error:
                if not _gone(error):
                    raise
    if "UserPool" in ids:
        idp = boto3.client("cognito-idp", region_name=stack.region(env))
        try:
            idp.delete_user_pool(UserPoolId=ids["UserPool"])
            print(f"deleted user pool {ids['UserPool']}", flush=True)
        except ClientError as error:
            if not _gone(error):
                raise


def delete_service_logs(env: str, ids: dict[str, str]) -> None:
    """The log groups RDS, API Gateway and Container Insights created for the stack (make deploy set their retention)."""
    from deploy.deploy import service_log_group_names

    logs = boto3.client("logs", region_name=stack.region(env))
    for name in service_log_group_names(
        ids.get("Database", ""), ids.get("RestApi", ""), stack.parameters(env).get("Stage", "v1"), ids.get("EtlCluster", "")
    ):
        try:
            logs.delete_log_group(logGroupName=name)
            print(f"deleted log group {name}", flush=True)
        except ClientError as error:
            if not _gone(error):
                raise


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="make destroy", description=__doc__.splitlines()[0])
    parser.add_argument("env")
    parser.add_argument("--confirm", default="", help="the stack's name; required for a prod stack")
    args = parser.parse_args(argv)
    name, region = stack.stack_name(args.env), stack.region(args.env)
    cfn = boto3.client("cloudformation", region_name=region)
    current = describe(cfn, name)
    if current is None:
        print(f"{name} does not exist in {region}: nothing to delete")
        return 0
    parameters = {p["ParameterKey"]: p.get("ParameterValue", "") for p in current.get("Parameters", [])}
    prod = parameters.get("EnvironmentType") == "prod"
    if prod and args.confirm != name:
        print(
            f"{name} is a prod stack. Deleting it deletes the database (a snapshot is kept) and the site.\n"
            f"Run again with: make destroy ENV={args.env} CONFIRM={name}",
            file=sys.stderr,
        )
        return 2
    ids = physical_ids(cfn, name)
    if prod and "Database" in ids:
        snapshot = unprotect_database(boto3.client("rds", region_name=region), ids["Database"], name)
        if snapshot:
            print(f"kept snapshot {snapshot}")
    s3 = boto3.client("s3", region_name=region)
    waiter = cfn.get_waiter("stack_delete_complete")
    delete_stack(
        cfn,
        s3,
        name,
        [ids[b] for b in BUCKETS if b in ids],
        lambda: waiter.wait(StackName=name, WaiterConfig={"Delay": 10, "MaxAttempts": 180}),
    )
    print(f"deleted stack {name}")
    delete_service_logs(args.env, ids)
    if prod:
        kept = ", ".join(f"{k} {ids[k]}" for k in ("UserPool", *RETAINED_TABLES) if k in ids)
        if kept:
            print(f"kept (DeletionPolicy Retain, deletion protection on): {kept}")
    else:
        delete_retained(args.env, ids)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
