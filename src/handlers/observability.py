"""Powertools set up once for every handler: JSON logs with correlation ids, EMF metrics."""

from aws_lambda_powertools import Logger, Metrics

logger = Logger(service="movie-library")
metrics = Metrics(namespace="MovieLibrary", service="movie-library")
