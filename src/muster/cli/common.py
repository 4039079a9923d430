"""What every CLI command shares: the database, one transaction, the account acting, errors
as plain messages.

Every command that changes the record acts as an authenticated account (P5):

- with ``MUSTER_USER`` set, that account, signed in with its password from
  ``MUSTER_PASSWORD`` or, when that is unset, from a hidden prompt;
- otherwise the local administrator's own account, ``admin`` (created on first run like
  ``muster serve`` does; whoever may run commands on the database is its administrator).

The record names that account. ``--as NAME`` (steps taken in person, e.g. ``muster welfare
interview``) exists only on an exercise database, and every event it writes says so.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import NoReturn

import typer
from rich.console import Console
from sqlalchemy.orm import Session

from muster.db import Database
from muster.errors import DomainError, Forbidden
from muster.policy.actor import Actor

console = Console()
err_console = Console(stderr=True, soft_wrap=True)  # paths and ids stay whole

DATABASE_URL_ENV = "MUSTER_DATABASE_URL"
USER_ENV = "MUSTER_USER"
PASSWORD_ENV = "MUSTER_PASSWORD"
LOCAL_ADMIN = "admin"
CLI_ADDRESS = "cli"  # where a command-line sign-in comes from, for the sign-in throttle
_ACTOR_KEY = "cli_actor"
_CREDENTIALS_KEY = "cli_credentials"
_WRITE_KEY = "cli_write"


def open_database(url: str | None = None) -> Database:
    """The database named by ``url`` or ``MUSTER_DATABASE_URL``.

    The variable is read as it is when set (as at every post): building the settings loads
    pydantic-settings, a tenth of a simple command's start, so they are read only for the
    default (``muster.config``).
    """
    if not url:
        url = os.environ.get(DATABASE_URL_ENV)
    if not url:
        from muster.config import get_settings

        url = get_settings().database_url
    return Database(url)


@contextmanager
def domain_errors() -> Iterator[None]:
    """End the command with the message of any domain error raised inside."""
    try:
        yield
    except DomainError as exc:
        fail(exc.message)


@contextmanager
def cli_session(*, write: bool = True) -> Iterator[Session]:
    """One transaction for a command; domain errors end the command with their message.

    The command may act (``cli_actor``): the password of ``MUSTER_USER`` is asked for
    first, before the transaction takes any lock, and the account signs in before the
    command reads anything, so a wrong password learns nothing of what is on record.
    Every authorization in the command runs on the policy activated last, as in the API.
    """
    from muster.access.policy_active import sync_active_engine

    credentials = _credentials()
    db = open_database()
    try:
        with db.session_scope(write=write) as session:
            session.info[_CREDENTIALS_KEY] = credentials
            session.info[_WRITE_KEY] = write
            sync_active_engine(session)
            if credentials[0]:
                cli_actor(session)
            yield session
    except DomainError as exc:
        fail(exc.message)
    finally:
        db.dispose()


def _credentials() -> tuple[str, str]:
    username = os.environ.get(USER_ENV, "").strip()
    if not username:
        return "", ""
    password = os.environ.get(PASSWORD_ENV)
    if password is None:
        password = typer.prompt(f"Password of {username}", hide_input=True, err=True)
    return username, password


def cli_actor(session: Session) -> Actor:
    """The authenticated account this command acts as (a ``cli_session``):
    ``MUSTER_USER`` signed in with its password, else the local administrator's account."""
    actor = session.info.get(_ACTOR_KEY)
    if isinstance(actor, Actor):
        return actor
    credentials = session.info.get(_CREDENTIALS_KEY)
    if credentials is None:
        raise RuntimeError("cli_actor(session) needs a session from cli_session()")
    username, password = credentials
    actor = _signed_in(session, username, password) if username else _local_admin(session)
    session.info[_ACTOR_KEY] = actor
    return actor


def _signed_in(session: Session, username: str, password: str) -> Actor:
    from muster.auth import service  # the auth service imports most of the model layer

    outcome = service.sign_in(session, username=username, password=password, address=CLI_ADDRESS)
    if outcome.account is not None:
        return service.actor_for(outcome.account)
    # The command ends here, but the failed attempt must count for the throttle: drop what
    # the command did so far and record the attempt alone (a read-only command cannot).
    session.rollback()
    if session.info.get(_WRITE_KEY):
        outcome = service.sign_in(
            session, username=username, password=password, address=CLI_ADDRESS
        )
        session.commit()
    if outcome.retry_after_seconds:
        raise Forbidden(
            f"sign-in as {username} refused: too many failed attempts; try again in "
            f"{outcome.retry_after_seconds} s"
        )
    raise Forbidden(
        f"sign-in as {username} refused: wrong username or password "
        f"(set {PASSWORD_ENV} or type the password when asked)"
    )


def _local_admin(session: Session) -> Actor:
    from muster.auth.accounts import actor_for, get_account_by_username

    password = None
    if session.info.get(_WRITE_KEY):
        from muster.auth.service import ensure_first_admin  # imports most of the model layer

        password = ensure_first_admin(session)
    if password:
        err_console.print(
            f"First run: account [bold]{LOCAL_ADMIN}[/] created, password [bold]{password}[/] "
            f"(shown once; change it with: muster user passwd {LOCAL_ADMIN})"
        )
    try:
        account = get_account_by_username(session, LOCAL_ADMIN)
    except DomainError:
        account = None
    if account is None or not account.active:
        raise Forbidden(
            f"there is no active {LOCAL_ADMIN!r} account to act as; sign in with your own: "
            f"{USER_ENV}=<username> (password from {PASSWORD_ENV} or a prompt)"
        )
    return actor_for(account)


def acting_in_person(session: Session, username: str | None) -> Actor:
    """The officer taking a step in person: the signed-in account, or on an exercise
    database the account named with ``--as`` (every event then marked as an exercise's)."""
    actor = cli_actor(session)
    if username is None:
        return actor
    from muster.auth.service import actor_for, get_account_by_username
    from muster.scenario.exercise import is_exercise_database, mark_session_exercise

    if not is_exercise_database(session):
        raise Forbidden(
            "--as records a step in another officer's name and exists only for exercises "
            "(MUSTER_MODE=dev or demo, or a database made for an exercise). The officer "
            f"signs in for it: {USER_ENV}={username} muster ..."
        )
    mark_session_exercise(session, entered_by=actor.label)
    return actor_for(get_account_by_username(session, username))


def fail(message: str, code: int = 1) -> NoReturn:
    """Print an error a person can act on and exit non-zero."""
    err_console.print(f"[bold red]Error:[/] {message}")
    raise typer.Exit(code)
