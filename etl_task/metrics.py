"""CloudWatch metrics from the ETL task in the embedded metric format: one JSON log line per run, which
CloudWatch Logs turns into metrics (namespace MovieLibrary, dimension service=movie-etl); the alarms
in template.yaml watch EtlRunsFailed and EtlRunsSucceeded."""

from __future__ import annotations

import time
from typing import Any

from etl_task.loader import Summary

NAMESPACE = "MovieLibrary"
SERVICE = "movie-etl"


def emf(summary: Summary | None, state: str) -> dict[str, Any]:
    """state: succeeded, failed, held or interrupted."""
    done = (summary.files_downloaded + summary.quarantined) if summary else 0
    seconds = summary.seconds if summary else 0.0
    values = {
        "EtlRunsSucceeded": int(state == "succeeded"),
        "EtlRunsFailed": int(state == "failed"),
        "EtlRunsHeld": int(state == "held"),  # removals waiting for --allow-deletions
        "EtlMoviesRemoved": (summary.removed + summary.replaced) if summary else 0,
        "EtlFilesPerSecond": round(done / seconds, 2) if seconds > 0 else 0.0,
        "EtlFilesDownloaded": summary.files_downloaded if summary else 0,
        "EtlFilesQuarantined": summary.quarantined if summary else 0,
        "EtlFilesFailed": summary.failed if summary else 0,
    }
    units = {"EtlFilesPerSecond": "Count/Second"}
    return {
        "_aws": {
            "Timestamp": int(time.time() * 1000),
            "CloudWatchMetrics": [
                {
                    "Namespace": NAMESPACE,
                    "Dimensions": [["service"]],
                    "Metrics": [{"Name": name, "Unit": units.get(name, "Count")} for name in values],
                }
            ],
        },
        "service": SERVICE,
        "event": "etl_metrics",
        "mode": summary.mode if summary else None,
        **values,
    }
