"""ETL throughput, measured beside the seed's method (one INSERT and one commit per row)."""

from __future__ import annotations


def run(stack, report) -> None:
    """Filled in by the ETL benchmark; see etl_task."""
    report.note("ETL benchmark: not run in this build.\n")
