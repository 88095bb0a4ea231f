"""The variables each function's handler requires at import (settings.require): placeholders, so the unit
layer can import handlers outside a stack. The fakes stand in for every AWS call; the local stack (and
AWS) set the real values, which replace these."""

from __future__ import annotations

import os

for _name, _value in {
    "ADD_QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/000000000000/unit-adds.fifo",
    "REQUESTS_TABLE": "unit-requests",
    "ADD_LIMITS_TABLE": "unit-add-limits",
    "CONNECTIONS_TABLE": "unit-connections",
    "WS_MANAGEMENT_ENDPOINT": "https://unit.execute-api.us-east-1.amazonaws.com/test",
    "COGNITO_CLIENT_ID": "unit-client",
}.items():
    os.environ.setdefault(_name, _value)
