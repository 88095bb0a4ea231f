"""Python client for the Movie Library Explorer API.

from movie_library import Client, CognitoAuth
client = Client("https://…/v1", auth=CognitoAuth(pool_id, client_id, "you@example.com", password))
"""

__version__ = "1.0.0"

from movie_library.auth import Auth, CognitoAuth
from movie_library.client import AddResult, Client, Versioned
from movie_library.errors import (
    ApiError,
    AuthError,
    Conflict,
    Forbidden,
    MovieLibraryError,
    NotFound,
    PayloadTooLarge,
    PreconditionFailed,
    PreconditionRequired,
    RateLimited,
    ServerError,
    Unauthorized,
    Unavailable,
    ValidationError,
    WaitTimeout,
)
from movie_library.live import AddHandle, ErrorInfo, Outcome
from movie_library.models import AddRequest, AddStatusMessage, AuditEntry, Dashboard, GenreCount, Movie, MovieInput
from movie_library.pages import CursorIterator

__all__ = [
    "AddHandle",
    "AddRequest",
    "AddResult",
    "AddStatusMessage",
    "ApiError",
    "AuditEntry",
    "Auth",
    "AuthError",
    "Client",
    "CognitoAuth",
    "Conflict",
    "CursorIterator",
    "Dashboard",
    "ErrorInfo",
    "Forbidden",
    "GenreCount",
    "Movie",
    "MovieInput",
    "MovieLibraryError",
    "NotFound",
    "Outcome",
    "PayloadTooLarge",
    "PreconditionFailed",
    "PreconditionRequired",
    "RateLimited",
    "ServerError",
    "Unauthorized",
    "Unavailable",
    "ValidationError",
    "Versioned",
    "WaitTimeout",
    "__version__",
]
