"""Decisions made at a door controller, landing in the central record exactly once.

A door decides locally and journals the decision before it answers its reader; the
journal is uploaded when the link allows. Each request is keyed by its ``request_id``
(the upload's Idempotency-Key): a retry finds the rows already there and records nothing
more. The decisions are stored as the door made them, with the door's token as their
actor, so a passage reported later finds its permit (``record_passage``) and is refused
there if the central facts changed since.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any, cast

from sqlalchemy import Table, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from muster import clock
from muster.access.api import portal_resource
from muster.access.decisions import ALERT, CedarInput, engine_for, evaluate, log_decision
from muster.access.facts import PortalFacts, load_persons, load_portal
from muster.access.models import Decision
from muster.access.permit_identity import malformed, request_mismatch
from muster.access.portal_rules import authorize_portal_ref
from muster.door.reconcile import Uploaded, recheck
from muster.door.schemas import DoorAlertIn, DoorRequestIn
from muster.errors import Conflict, Forbidden, Invalid
from muster.events.models import Event, EventSubject
from muster.events.service import append_event
from muster.people.models import Person
from muster.places.models import Post
from muster.policy.actor import Actor
from muster.policy.authorize import authorize
from muster.policy.engine import Verdict

_INSERT = insert(cast(Table, Decision.__table__))
# A door's clock may run a little ahead of the server's; more than this is refused.
CLOCK_SKEW = timedelta(seconds=30)
# A door decides offline for days, not years: an older decided_at is a broken clock.
JOURNAL_KEPT_FOR = timedelta(days=366)
# An alert's key is kept as a subject of its event ("door-alert:KEY", at most 64 characters).
ALERT_KEY_MAX = 53


@dataclass(frozen=True)
class Upload:
    """The outcome of one upload: how many decisions it recorded (0 on a retry)."""

    request_id: str
    recorded: int
    seqs: tuple[int, ...] = ()  # the events it appended: they change no replicated row

    @property
    def created(self) -> bool:
        """True when this upload recorded the request (False: it was there already)."""
        return self.recorded > 0


def _check(session: Session, upload: DoorRequestIn, key: str) -> None:
    if key.strip() != upload.request_id:
        raise Invalid("send the request's request_id as its Idempotency-Key")
    if upload.decided_at > clock.now() + CLOCK_SKEW:
        raise Invalid("decided_at is in the future: set the door controller's clock")
    if upload.decided_at < clock.now() - JOURNAL_KEPT_FOR:
        raise Invalid(
            "decided_at is more than a year ago: no door journal is kept that long; "
            "check the door controller's clock"
        )
    ids = [d.decision_id for d in upload.decisions]
    if len(set(ids)) != len(ids):
        raise Invalid("each decision of a request needs its own decision_id")
    named = {d.person_id for d in upload.decisions if d.person_id}
    if named:
        known = set(session.scalars(select(Person.id).where(Person.id.in_(named))))
        if named - known:
            raise Invalid(f"unknown person ids {sorted(named - known)}: not on the register")


def _authorize_before_lookup(actor: Actor, portal_id: str) -> None:
    """Refuse before the portal is looked up, so a refusal says nothing of which portals
    exist: a door's token names its own portals' ids (as its uploader does); others are
    authorized on the reference as given."""
    if actor.door_portal_ids is not None and portal_id not in actor.door_portal_ids:
        raise Forbidden("this door token is not bound to that portal; enrol the door for it")
    authorize_portal_ref(actor, "access.request", portal_id)


def _check_permits(session: Session, upload: DoorRequestIn, portal: PortalFacts) -> None:
    """Refuse an upload whose permit Cedar does not give on the facts it names.

    A door decides with the server's code, so its permit is what Cedar answers on the
    facts it sends: asked again here, the answer is the same. A permit that Cedar denies
    on its own facts (a held person's facts sent with ``allowed``) is forged or corrupt and
    is never stored, since a stored permit lets a passage be recorded (P1, P2). The door
    keeps the refused entry and alerts the post (docs/doors.md).
    """
    engine = None
    for d in upload.decisions:
        if not d.allowed:
            continue
        stored = d.cedar_input
        shape = malformed(stored) or ("" if d.person_id else "it names no person_id")
        if shape:
            raise Invalid(
                f"the permit for {d.person_ref!r} carries no Cedar request to check "
                f"(cedar_input with action, person, portal and context): {shape}"
            )
        wrong = request_mismatch(
            stored,
            person_id=d.person_id or "",
            portal_id=portal.id,
            portal_kind=portal.kind,
            direction=upload.direction,
        )
        if wrong:
            raise Conflict(
                f"the door's permit for {d.person_ref!r} is not a request for this passage "
                f"({wrong}); refused, not recorded"
            )
        request = CedarInput.from_dict(stored)
        engine = engine or engine_for(session, upload.policy_version)
        try:
            allowed = evaluate(engine, request).allowed
        except (KeyError, TypeError, ValueError) as exc:
            raise Invalid(
                f"the permit for {d.person_ref!r} carries a Cedar request that cannot be "
                f"evaluated: {exc}"
            ) from exc
        if not allowed:
            raise Conflict(
                f"the door's permit for {d.person_ref!r} is not what the policy decides on "
                "the facts it sent; refused, not recorded"
            )


def record_door_request(
    session: Session, *, portal_id: str, upload: DoorRequestIn, idempotency_key: str, actor: Actor
) -> Upload:
    """Store a request decided at a door and log its decisions, once per ``request_id``."""
    _authorize_before_lookup(actor, portal_id)
    portal = load_portal(session, portal_id)
    authorize(actor, "access.request", portal_resource(portal))
    _check(session, upload, idempotency_key)
    _check_permits(session, upload, portal)
    stored = session.execute(
        select(
            Decision.id,
            Decision.person_id,
            Decision.allowed,
            Decision.portal_id,
            Decision.direction,
        ).where(Decision.request_id == upload.request_id)
    ).all()
    if stored:
        sent = {
            (d.decision_id, d.person_id, d.allowed, portal.id, upload.direction.value)
            for d in upload.decisions
        }
        if {tuple(row) for row in stored} != sent:
            raise Conflict(
                f"request {upload.request_id} was uploaded before with other decisions; a "
                "retry sends the same request, and a new request needs its own request_id"
            )
        return Upload(upload.request_id, 0)
    persons = load_persons(
        session, [d.person_id for d in upload.decisions if d.person_id], clock.now()
    )
    rows: list[dict[str, Any]] = []
    for d in upload.decisions:
        rows.append(
            {
                "id": d.decision_id,
                "request_id": upload.request_id,
                "person_ref": d.person_ref,
                "person_id": d.person_id,
                "portal_id": portal.id,
                "direction": upload.direction.value,
                "allowed": d.allowed,
                "rule_ids": list(d.rule_ids),
                "explanation": d.explanation,
                "policy_version": upload.policy_version,
                "cedar_input": d.cedar_input,
                "decided_at": upload.decided_at,
                "actor_id": actor.id,
                "actor": actor.label,
                "used_at": None,
            }
        )
    try:
        with session.begin_nested():
            session.execute(_INSERT, rows)
    except IntegrityError as exc:
        raise Conflict(
            "a decision id of this request was already recorded for another request; "
            "the door must send new ids"
        ) from exc
    seqs: list[int] = []
    for row, d in zip(rows, upload.decisions, strict=True):
        verdict = Verdict(d.allowed, tuple(d.rule_ids))
        seqs += log_decision(session, row, persons.get(d.person_id or ""), portal, verdict, actor)
    seqs += recheck(
        session,
        portal=portal,
        direction=upload.direction,
        decisions=[
            Uploaded(d.decision_id, d.person_ref, d.person_id, d.allowed) for d in upload.decisions
        ],
        decided_at=upload.decided_at,
        replica_rows=upload.replica_rows,
        actor=actor,
    )
    if upload.stale:
        alert = append_event(
            session,
            kind=ALERT,
            actor=actor,
            subjects=[portal.id, *[d.person_id or "" for d in upload.decisions]],
            payload={
                "audience": "post",
                "about": "door.stale",
                "portal": portal.name,
                "request_id": upload.request_id,
                "text": f"Door at {portal.name} failed secure: {upload.stale}",
            },
        )
        seqs.append(alert.seq)
    return Upload(upload.request_id, len(rows), tuple(seqs))


def record_door_alert(
    session: Session, *, portal_id: str, alert: DoorAlertIn, idempotency_key: str, actor: Actor
) -> int | None:
    """Raise an alert a door sent for the post at its portal, once per Idempotency-Key;
    the seq of the event it appended (None on a retry)."""
    _authorize_before_lookup(actor, portal_id)
    portal = load_portal(session, portal_id)
    authorize(actor, "access.request", portal_resource(portal))
    key = idempotency_key.strip()
    if not key or len(key) > ALERT_KEY_MAX:
        raise Invalid(
            f"send the alert's journal key (1 to {ALERT_KEY_MAX} characters) as its Idempotency-Key"
        )
    found = session.scalar(
        select(func.count())
        .select_from(EventSubject)
        .join(Event, Event.seq == EventSubject.seq)
        .where(EventSubject.subject == f"door-alert:{key}", Event.kind == ALERT)
    )
    if found:
        return None
    person = session.get(Person, alert.person_id) if alert.person_id else None
    posts = list(session.scalars(select(Post.id).where(Post.portal_id == portal.id)))
    event = append_event(
        session,
        kind=ALERT,
        actor=actor,
        subjects=[
            f"door-alert:{key}",
            portal.id,
            person.id if person else "",
            person.party_id or "" if person else "",
            alert.decision_id or "",
            *posts,
        ],
        payload={
            "audience": "post",
            "about": alert.about,
            "person": person.name if person else "",
            "portal": portal.name,
            "decision_id": alert.decision_id or "",
            "entry_key": alert.entry_key,
            "text": alert.text,
        },
    )
    return event.seq
