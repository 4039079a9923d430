"""OASIS Common Alerting Protocol 1.2: export a message as an alert, accept alerts as messages.

Every alert written or read is validated against the CAP 1.2 schema shipped beside this
module. Precedence maps to CAP urgency and severity and back.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from lxml import etree  # type: ignore[import-untyped]
from sqlalchemy import select
from sqlalchemy.orm import Session

from muster.comms.channels import ensure_broadcast_channel, find_broadcast_channel, get_channel
from muster.comms.enums import ChannelKind, Precedence
from muster.comms.models import Channel, Message
from muster.comms.service import get_message, record_message
from muster.errors import Forbidden, Invalid
from muster.policy.actor import Actor
from muster.policy.authorize import authorize, authorize_channel

IMPORT = "comms.cap.import"

CAP_NS = "urn:oasis:names:tc:emergency:cap:1.2"
SCHEMA_PATH = Path(__file__).with_name("CAP-v1.2.xsd")
DEFAULT_SENDER = "muster@station"
TO_CAP: dict[Precedence, tuple[str, str]] = {
    Precedence.FLASH: ("Immediate", "Extreme"),
    Precedence.IMMEDIATE: ("Immediate", "Severe"),
    Precedence.PRIORITY: ("Expected", "Moderate"),
    Precedence.ROUTINE: ("Future", "Minor"),
}


@lru_cache(maxsize=1)
def cap_schema() -> Any:
    """The parsed CAP 1.2 XML schema."""
    return etree.XMLSchema(etree.parse(str(SCHEMA_PATH)))


def _parser() -> Any:
    return etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


def validate_cap(xml: bytes) -> Any:
    """Parse and validate a CAP 1.2 alert; Invalid listing the problems if it is not one.

    A document type declaration is refused outright, as defusedxml refuses one: CAP has
    none, and its entities are how a body reads local files or expands a billion times.
    The parser neither resolves entities nor fetches anything, so refusing is safe.
    """
    try:
        root = etree.fromstring(xml, parser=_parser())
    except etree.XMLSyntaxError as exc:
        raise Invalid(f"the alert is not well-formed XML: {exc}") from exc
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None:
        raise Invalid(
            "the alert has a document type declaration (<!DOCTYPE ...>); CAP 1.2 alerts "
            "carry none: remove it and any entities it declares"
        )
    schema = cap_schema()
    try:
        valid = schema.validate(root)
    except etree.XMLSchemaValidateError as exc:
        raise Invalid(f"the alert could not be checked against CAP 1.2: {exc}") from exc
    if not valid:
        problems = [f"line {e.line}: {e.message}" for e in schema.error_log][:10]
        raise Invalid("the alert is not valid CAP 1.2: " + "; ".join(problems), problems=problems)
    return root


def cap_time(moment: datetime) -> str:
    """A time as CAP writes it (CAP 1.2, 3.3.2): to the second, with an explicit offset,
    never 'Z'; UTC, the station's time, is written ``-00:00``."""
    if moment.tzinfo is None:
        raise ValueError("CAP times carry their offset; pass an aware datetime")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S-00:00")


def _sub(parent: Any, name: str, text: str) -> Any:
    node = etree.SubElement(parent, f"{{{CAP_NS}}}{name}")
    node.text = text
    return node


def export_cap(
    session: Session, *, message_id: str, sender: str = DEFAULT_SENDER, exercise: bool = False
) -> bytes:
    """A message as a CAP 1.2 alert (validated before it is returned)."""
    message = get_message(session, message_id)
    channel = get_channel(session, message.channel_id)
    urgency, severity = TO_CAP[message.precedence]
    alert = etree.Element(f"{{{CAP_NS}}}alert", nsmap={None: CAP_NS})
    _sub(alert, "identifier", f"muster-{message.id}")
    _sub(alert, "sender", sender)
    _sub(alert, "sent", cap_time(message.sent_at))
    _sub(alert, "status", "Exercise" if exercise else "Actual")
    _sub(alert, "msgType", "Alert")
    _sub(alert, "source", message.sender_name)
    if channel.kind is ChannelKind.BROADCAST:
        _sub(alert, "scope", "Public")
    else:
        _sub(alert, "scope", "Restricted")
        _sub(alert, "restriction", f"Station channel: {channel.name}")
    info = etree.SubElement(alert, f"{{{CAP_NS}}}info")
    _sub(info, "language", "en")
    _sub(info, "category", "Safety")
    _sub(info, "event", "Station order" if message.requires_ack else "Station message")
    _sub(info, "urgency", urgency)
    _sub(info, "severity", severity)
    _sub(info, "certainty", "Observed")
    _sub(info, "senderName", message.sender_name)
    _sub(info, "headline", (message.text or "Voice message")[:160])
    _sub(info, "description", message.text or "Voice message; see the attached clip.")
    for name, value in (("precedence", message.precedence.value), ("channel", channel.name)):
        parameter = etree.SubElement(info, f"{{{CAP_NS}}}parameter")
        _sub(parameter, "valueName", name)
        _sub(parameter, "value", value)
    if message.clip_id:
        resource = etree.SubElement(info, f"{{{CAP_NS}}}resource")
        _sub(resource, "resourceDesc", "Voice message")
        _sub(resource, "mimeType", "audio/webm")
        _sub(resource, "uri", f"/api/v1/comms/clips/{message.clip_id}")
    _sub(etree.SubElement(info, f"{{{CAP_NS}}}area"), "areaDesc", channel.name)
    xml: bytes = etree.tostring(alert, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    validate_cap(xml)
    return xml


def precedence_of(urgency: str, severity: str) -> Precedence:
    """The precedence an incoming alert deserves."""
    if severity == "Extreme" or (urgency == "Immediate" and severity == "Severe"):
        return Precedence.FLASH
    if urgency == "Immediate" or severity == "Severe":
        return Precedence.IMMEDIATE
    if urgency == "Expected" or severity == "Moderate":
        return Precedence.PRIORITY
    return Precedence.ROUTINE


def _text(node: Any, name: str) -> str:
    found = node.find(f"{{{CAP_NS}}}{name}")
    return (found.text or "").strip() if found is not None else ""


def import_cap(
    session: Session, *, xml: bytes, actor: Actor, channel_id: str | None = None
) -> tuple[Message, bool]:
    """Accept a CAP alert as a message (broadcast unless a channel is named).

    Returns the message and whether it is new: the same alert (sender and identifier)
    posted again returns the message it already became. The caller is authorized for
    ``comms.cap.import`` on the target channel before the alert is read.
    """
    authorize(actor, IMPORT)
    if channel_id:
        authorize_channel(actor, IMPORT, channel_id)
    elif actor.channel_ids is not None:
        broadcast = find_broadcast_channel(session)
        if broadcast is None or broadcast.id not in actor.channel_ids:
            raise Forbidden(
                f"{actor.label} may not {IMPORT} to the broadcast channel: this handset token "
                "is bound to other channels. Name one of its channels.",
                action=IMPORT,
            )
    root = validate_cap(xml)
    sender, identifier = _text(root, "sender"), _text(root, "identifier")
    external_id = f"{sender}|{identifier}"[:200]
    existing = session.scalar(
        select(Message).where(Message.source == "cap", Message.external_id == external_id)
    )
    if existing is not None:
        return existing, False
    if _text(root, "msgType") not in ("Alert", "Update"):
        raise Invalid("only CAP alerts and updates become messages; cancels and acks do not")
    info = root.find(f"{{{CAP_NS}}}info")
    if info is None:
        raise Invalid("the alert has no info block, so there is nothing to tell the station")
    parts = [_text(info, "headline"), _text(info, "description"), _text(info, "instruction")]
    text = "\n".join(p for p in parts if p) or _text(info, "event")
    channel: Channel = (
        get_channel(session, channel_id)
        if channel_id
        else ensure_broadcast_channel(session, actor=actor)
    )
    message = record_message(
        session,
        channel=channel,
        precedence=precedence_of(_text(info, "urgency"), _text(info, "severity")),
        text=text[:4000],
        actor=actor,
        source="cap",
        external_id=external_id,
        sender_name=f"{_text(info, 'senderName') or sender} (CAP)"[:200],
    )
    return message, True
