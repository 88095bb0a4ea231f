"""`make etl SOURCE=folder|drive|fake-drive [FOLDER=…]`: run the ETL against the local stack's database.

folder      a local folder (default: the bundled sample library)
drive       a real Google Drive folder: DRIVE_FOLDER_ID plus DRIVE_CREDENTIALS_FILE (needs the internet)
fake-drive  the sample library served by the fake Drive, through the real Google client (offline demo)
"""

from __future__ import annotations

import json
import os
import sys

from etl_task.__main__ import main as etl_main
from local.stack import SAMPLE_LIBRARY, STATE_DIR, LocalStack, etl_login, running_stack_env


def main(argv: list[str]) -> int:
    source = argv[0] if argv else "folder"
    folder = argv[1] if len(argv) > 1 and argv[1] else str(SAMPLE_LIBRARY)
    stack = None
    env = running_stack_env()
    if env:
        os.environ["DATABASE_URL"] = etl_login(env["DATABASE_URL"])  # `make run` is up: its database, as movie_etl
        # ... and its moto: progress goes to the ETL events table, whose stream the notifier reads.
        os.environ.update({k: v for k, v in env.items() if k.startswith("AWS_")})
        os.environ.setdefault("ETL_EVENTS_TABLE", "EtlEventsTable")
    else:
        stack = LocalStack(serve=False, sample_library=None).start()
        os.environ["DATABASE_URL"] = stack.etl_database_url
    try:
        if source == "folder":
            return etl_main(["--source", "folder", "--folder", folder])
        if source == "drive":
            return etl_main(["--source", "drive"])
        if source == "fake-drive":
            from pathlib import Path

            from local.fake_drive import FakeDrive

            drive = FakeDrive(latency=0.02)
            endpoint = drive.start()
            top = drive.mirror(Path(folder))
            creds = STATE_DIR / "fake-drive-token.json"
            creds.write_text(json.dumps(drive.user_credentials()))
            os.environ.update(DRIVE_API_ENDPOINT=endpoint, DRIVE_TOKEN_URI=drive.token_uri, DRIVE_CREDENTIALS_FILE=str(creds))
            try:
                return etl_main(["--source", "drive", "--folder-id", top])
            finally:
                drive.stop()
        print(__doc__, file=sys.stderr)
        return 2
    finally:
        if stack:
            stack.stop()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
