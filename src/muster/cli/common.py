"""What every CLI command shares: the database, one transaction, errors as plain messages."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import NoReturn

import typer
from rich.console import Console
from sqlalchemy.orm import Session

from muster.config import get_settings
from muster.db import Database
from muster.errors import DomainError
from muster.policy.actor import Actor

console = Console()
err_console = Console(stderr=True, soft_wrap=True)  # paths and ids stay whole

CLI_ACTOR = Actor.system("cli")


def open_database(url: str | None = None) -> Database:
    """The database named by ``url`` or ``MUSTER_DATABASE_URL``."""
    return Database(url or get_settings().database_url)


@contextmanager
def domain_errors() -> Iterator[None]:
    """End the command with the message of any domain error raised inside."""
    try:
        yield
    except DomainError as exc:
        fail(exc.message)


@contextmanager
def cli_session(*, write: bool = True) -> Iterator[Session]:
    """One transaction for a command; domain errors end the command with their message."""
    db = open_database()
    try:
        with db.session_scope(write=write) as session:
            yield session
    except DomainError as exc:
        fail(exc.message)
    finally:
        db.dispose()


def fail(message: str, code: int = 1) -> NoReturn:
    """Print an error a person can act on and exit non-zero."""
    err_console.print(f"[bold red]Error:[/] {message}")
    raise typer.Exit(code)
