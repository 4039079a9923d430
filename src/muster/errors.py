"""Domain errors. Services raise these; the web layer and the CLI map them in one place."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """Base of every error a service raises on purpose; ``message`` says what to do."""

    status = 400
    title = "Bad request"

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class NotFound(DomainError):
    """The named thing does not exist."""

    status = 404
    title = "Not found"


class Conflict(DomainError):
    """The request clashes with what is stored (a duplicate, a record that must be kept)."""

    status = 409
    title = "Conflict"


class Forbidden(DomainError):
    """The actor may not do this."""

    status = 403
    title = "Forbidden"


class Invalid(DomainError):
    """The input is well-formed but not acceptable."""

    status = 422
    title = "Invalid input"
