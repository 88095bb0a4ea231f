"""Powertools set up once for every handler."""

from aws_lambda_powertools import Logger

logger = Logger(service="movie-library")
