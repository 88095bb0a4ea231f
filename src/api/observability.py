"""Powertools set up once for every handler: JSON logs with correlation ids, EMF metrics, X-Ray traces.

The tracer switches itself off outside Lambda (locally and in tests).
"""

from aws_lambda_powertools import Logger, Metrics, Tracer

logger = Logger(service="movie-library")
metrics = Metrics(namespace="MovieLibrary", service="movie-library")
tracer = Tracer(service="movie-library")
