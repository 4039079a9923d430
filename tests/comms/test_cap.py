"""CAP 1.2: export validated against the schema, import of alerts as messages."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from lxml import etree  # type: ignore[import-untyped]
from sqlalchemy.orm import Session

from comms.station import Station
from muster import clock
from muster.comms.cap import CAP_NS, cap_schema, export_cap, import_cap, precedence_of
from muster.comms.enums import Precedence
from muster.comms.service import ensure_broadcast_channel, send_message
from muster.errors import Invalid
from muster.policy.actor import Actor

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
INCOMING = b"""<?xml version="1.0" encoding="UTF-8"?>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
  <identifier>RELAY-2026-0042</identifier>
  <sender>relay@ground-control</sender>
  <sent>2026-03-01T12:05:00+00:00</sent>
  <status>Actual</status>
  <msgType>Alert</msgType>
  <scope>Public</scope>
  <info>
    <category>Safety</category>
    <event>Debris field</event>
    <urgency>Immediate</urgency>
    <severity>Severe</severity>
    <certainty>Likely</certainty>
    <senderName>Ground control</senderName>
    <headline>Debris crossing station orbit</headline>
    <description>Close all outer hatches within ten minutes.</description>
  </info>
</alert>
"""


def broadcast(session: Session) -> str:
    """A flash broadcast from John; its message id."""
    actor = Actor.system("John")
    channel = ensure_broadcast_channel(session, actor=actor)
    with clock.frozen_at(T0):
        return send_message(
            session,
            channel_id=channel.id,
            precedence=Precedence.FLASH,
            text="All airlocks: visitors may leave, residents stay.",
            actor=actor,
        ).id


class TestExport:
    """Any broadcast exports as a CAP 1.2 alert that the schema accepts."""

    def test_valid_against_schema(self, session: Session, station: Station) -> None:
        """The exported alert validates and carries urgency and severity of a flash."""
        xml = export_cap(session, message_id=broadcast(session))
        root = etree.fromstring(xml)
        assert cap_schema().validate(root)
        ns = {"c": CAP_NS}
        assert root.findtext("c:info/c:urgency", namespaces=ns) == "Immediate"
        assert root.findtext("c:info/c:severity", namespaces=ns) == "Extreme"
        assert root.findtext("c:sent", namespaces=ns) == "2026-03-01T12:00:00+00:00"
        assert root.findtext("c:scope", namespaces=ns) == "Public"

    def test_schema_rejects_bad_alert(self) -> None:
        """The schema is strict: an unknown status does not validate."""
        bad = INCOMING.replace(b"<status>Actual</status>", b"<status>Rumour</status>")
        assert not cap_schema().validate(etree.fromstring(bad))


class TestImport:
    """A posted CAP alert becomes a broadcast message, once."""

    def test_becomes_message(self, session: Session, station: Station) -> None:
        """Immediate and severe map to flash; the text carries headline and description."""
        message, new = import_cap(session, xml=INCOMING, actor=Actor.system("gateway"))
        assert new
        assert message.precedence is Precedence.FLASH
        assert "Close all outer hatches" in message.text
        assert message.sender_name == "Ground control (CAP)"
        assert message.source == "cap"

    def test_repeat_is_the_same_message(self, session: Session, station: Station) -> None:
        """Posting the same alert again returns the first message, not a second one."""
        first, _ = import_cap(session, xml=INCOMING, actor=Actor.system("gateway"))
        again, new = import_cap(session, xml=INCOMING, actor=Actor.system("gateway"))
        assert not new
        assert again.id == first.id

    def test_invalid_refused(self, session: Session, station: Station) -> None:
        """An alert missing its mandatory scope is refused with the schema's reason."""
        with pytest.raises(Invalid, match=r"not valid CAP 1\.2"):
            import_cap(
                session,
                xml=INCOMING.replace(b"<scope>Public</scope>", b""),
                actor=Actor.system("gateway"),
            )

    def test_round_trip(self, session: Session, station: Station) -> None:
        """An exported flash imported elsewhere is flash again."""
        xml = export_cap(session, message_id=broadcast(session))
        message, _ = import_cap(session, xml=xml, actor=Actor.system("gateway"))
        assert message.precedence is Precedence.FLASH

    def test_precedence_mapping(self) -> None:
        """Expected and moderate map to priority; future and minor to routine."""
        assert precedence_of("Expected", "Moderate") is Precedence.PRIORITY
        assert precedence_of("Future", "Minor") is Precedence.ROUTINE
