"""Powertools set up once for every handler: JSON logs with correlation ids, EMF metrics, X-Ray traces.

Their service name and metrics namespace come from POWERTOOLS_SERVICE_NAME and POWERTOOLS_METRICS_NAMESPACE,
which the template's Globals set for every function (and the local stack sets from the same template).
The tracer switches itself off outside Lambda (locally and in tests).
"""

from aws_lambda_powertools import Logger, Metrics, Tracer

logger = Logger()
metrics = Metrics()
tracer = Tracer()
