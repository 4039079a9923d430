"""Consent texts: versioned, published once, never changed."""

from __future__ import annotations

import hashlib

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from muster import clock
from muster.errors import Invalid, NotFound
from muster.events.service import append_event
from muster.policy.actor import Actor
from muster.policy.authorize import authorize
from muster.schemas import number_in
from muster.welfare.models import ConsentText


def text_digest(title: str, body: str) -> str:
    """SHA-256 of a consent text's title and body, to show later it is unchanged."""
    return hashlib.sha256(f"{title}\n\n{body}".encode()).hexdigest()


def publish_consent_text(session: Session, *, title: str, body: str, actor: Actor) -> ConsentText:
    """Publish the next version of the consent text; earlier versions stay as they were."""
    authorize(actor, "consent_text.publish")
    title, body = title.strip(), body.strip()
    if not title or not body:
        raise Invalid("give the consent text a title and a body")
    version = (session.scalar(select(func.max(ConsentText.version))) or 0) + 1
    row = ConsentText(
        version=version,
        title=title,
        body=body,
        sha256=text_digest(title, body),
        published_by=actor.label,
        published_at=clock.now(),
    )
    session.add(row)
    session.flush()
    append_event(
        session,
        kind="welfare.consent_text.published",
        actor=actor,
        subjects=[row.id],
        payload={"version": version, "title": title, "sha256": row.sha256},
    )
    return row


def current_consent_text(session: Session) -> ConsentText:
    """The latest published version."""
    row = session.scalar(select(ConsentText).order_by(ConsentText.version.desc()).limit(1))
    if row is None:
        raise NotFound("no consent text is published yet; publish one first")
    return row


def get_consent_text(session: Session, text_id: str) -> ConsentText:
    """One version by id, or by version number given as text."""
    row = session.get(ConsentText, text_id)
    if row is None and (version := number_in(text_id)) is not None:
        row = session.scalar(select(ConsentText).where(ConsentText.version == version))
    if row is None:
        raise NotFound(f"no consent text {text_id!r}")
    return row


def list_consent_texts(session: Session) -> list[ConsentText]:
    """Every version, newest first."""
    return list(session.scalars(select(ConsentText).order_by(ConsentText.version.desc())).all())
