"""What the README must tell an operator, checked by wording (documentation, not behaviour: the behaviour each
line documents is tested in tests/infra and tests/integration). Moved here from the behaviour tests so that a
docs edit fails a docs test, and a broken feature never passes because its prose is still there."""

from __future__ import annotations

from pathlib import Path

import pytest

README = (Path(__file__).resolve().parents[2] / "README.md").read_text()
DEPLOY = README[README.index("## Deploy to AWS") : README.index("## How it works")]


@pytest.mark.parametrize(
    ("topic", "words", "where"),
    [
        (
            "the connection budget (tests/infra/test_deploy_blockers.py::test_2_database_connections…)",
            ["max_connections", "MaximumConcurrency", "read API", "processor", "migrations", "ETL"],
            DEPLOY,
        ),
        ("the optional RDS Proxy (test_2)", ["RDS Proxy"], README),
        ("the guided deploy (test_13)", ["sam deploy --guided", "make deploy"], DEPLOY),
        ("the sign-up modes (test_15)", ["SignUpMode"], README),
        (
            "SES for more than Cognito's 50 e-mails a day (test_deploy_findings.py::test_26)",
            ["SesEmailIdentityArn", "50"],
            README,
        ),
        (
            "sam local invoke with the local stack's variables (test_deploy_findings)",
            ["make invoke", "sam local invoke ReadApiFunction -e events/", "--env-vars .local/sam-env-vars.json"],
            README,
        ),
    ],
)
def test_the_readme_explains(topic: str, words: list[str], where: str) -> None:
    missing = [word for word in words if word not in where]
    assert not missing, f"the README no longer explains {topic}: {missing}"


def test_the_readme_says_the_alarm_topic_key_is_customer_managed() -> None:
    """test_6: the alarm topic's key must be customer-managed for CloudWatch and EventBridge to publish."""
    assert "customer-managed" in README.lower() or "customer managed" in README.lower()
