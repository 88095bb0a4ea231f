"""`make librarian ENV=… EMAIL=…`: add a user to the deployed pool's `librarians` group (issue 22).

The same as `aws cognito-idp admin-add-user-to-group --user-pool-id <UserPoolId output> --username <email>
--group-name librarians`. The group is in the user's next id token: they sign out and in again (or wait up
to an hour for the UI to refresh its token). REMOVE=1 takes them out of the group again.
"""

from __future__ import annotations

import sys

import boto3

from deploy import stack

GROUP = "librarians"


def main(env: str, email: str, remove: bool = False) -> int:
    idp = boto3.client("cognito-idp", region_name=stack.region(env))
    pool_id = stack.outputs(env)["UserPoolId"]
    try:
        if remove:
            idp.admin_remove_user_from_group(UserPoolId=pool_id, Username=email, GroupName=GROUP)
        else:
            idp.admin_add_user_to_group(UserPoolId=pool_id, Username=email, GroupName=GROUP)
    except idp.exceptions.UserNotFoundException:
        print(f"No user {email} in {pool_id}: they sign up first (or an admin creates them).", file=sys.stderr)
        return 1
    groups = [g["GroupName"] for g in idp.admin_list_groups_for_user(UserPoolId=pool_id, Username=email)["Groups"]]
    print(f"{email} in {pool_id}: groups {groups or 'none'}. The change shows in their next id token (sign out and in again).")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2], remove=len(sys.argv) > 3 and sys.argv[3] == "remove"))
