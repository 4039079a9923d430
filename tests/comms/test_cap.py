"""CAP 1.2: export validated against the schema, import of alerts as messages."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone

import pytest
from fastapi.testclient import TestClient
from lxml import etree  # type: ignore[import-untyped]
from sqlalchemy.orm import Session

from comms.station import Station, build_station
from muster import clock
from muster.comms.cap import (
    CAP_NS,
    SCHEMA_PATH,
    cap_schema,
    cap_time,
    export_cap,
    import_cap,
    precedence_of,
)
from muster.comms.enums import Precedence
from muster.comms.service import ensure_broadcast_channel, send_message
from muster.db import Database
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
        assert root.findtext("c:sent", namespaces=ns) == "2026-03-01T12:00:00-00:00"
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


def shipped_schema() -> etree.XMLSchema:
    """The CAP 1.2 schema file shipped with Muster, read afresh (not the module's cache)."""
    return etree.XMLSchema(etree.parse(str(SCHEMA_PATH)))


@pytest.fixture
def crew(db: Database) -> Station:
    """The station, committed."""
    with db.session_scope() as session:
        return build_station(session)


class TestTimes:
    """CAP 1.2 section 3.3.2: UTC is written -00:00, never Z or +00:00."""

    def test_utc_is_minus_zero(self) -> None:
        """A UTC time carries -00:00 and whole seconds."""
        assert cap_time(datetime(2026, 3, 1, 12, 0, 5, 999, tzinfo=UTC)) == (
            "2026-03-01T12:00:05-00:00"
        )

    def test_other_offsets_are_written_in_utc(self) -> None:
        """A time with another offset is the same instant in UTC."""
        moment = datetime(2026, 3, 1, 14, 0, tzinfo=timezone(timedelta(hours=2)))
        assert cap_time(moment) == "2026-03-01T12:00:00-00:00"

    def test_naive_time_is_refused(self) -> None:
        """A time without an offset cannot be written honestly."""
        with pytest.raises(ValueError, match="offset"):
            cap_time(datetime(2026, 3, 1, 12, 0))


class TestOverHttp:
    """The export an operator downloads validates; a hostile alert body is a 422."""

    def test_export_validates_against_shipped_schema(
        self, make_client: Callable[..., TestClient], crew: Station
    ) -> None:
        """Sent time in -00:00; the whole alert valid against CAP-v1.2.xsd."""
        john = make_client("commander", person_id=crew.persons["John"])
        channel = john.post(
            "/api/v1/comms/channels",
            json={
                "name": "Airlock posts",
                "kind": "group",
                "rule": {"kind": "posts", "portal_kind": "airlock"},
            },
        )
        assert channel.status_code == 201, channel.text
        sent = john.post(
            "/api/v1/comms/messages",
            json={"channel_id": channel.json()["id"], "precedence": "flash", "text": "Stay in."},
        )
        assert sent.status_code == 201, sent.text
        answer = john.get(f"/api/v1/comms/messages/{sent.json()['id']}/cap.xml")
        assert answer.status_code == 200, answer.text
        root = etree.fromstring(answer.content)
        schema = shipped_schema()
        assert schema.validate(root), schema.error_log
        sent_text = root.findtext("c:sent", namespaces={"c": CAP_NS})
        assert sent_text.endswith("-00:00")
        assert datetime.fromisoformat(sent_text) == datetime.fromisoformat(
            sent.json()["sent_at"]
        ).replace(microsecond=0)

    @pytest.mark.parametrize(
        "doctype",
        [
            b"<!DOCTYPE alert>",
            b'<!DOCTYPE alert [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]>',
            b'<!DOCTYPE alert [<!ENTITY b SYSTEM "file:///etc/passwd">]>',
        ],
        ids=["bare", "entity-expansion", "external-entity"],
    )
    def test_doctype_is_422(
        self, make_client: Callable[..., TestClient], crew: Station, doctype: bytes
    ) -> None:
        """A DOCTYPE, with or without entities, is refused naming it; nothing is recorded."""
        admin = make_client("admin")
        body = INCOMING.replace(b"<alert", doctype + b"\n<alert", 1)
        if b"ENTITY b" in doctype:
            body = body.replace(b"Close all", b"&b; Close all")
        answer = admin.post(
            "/api/v1/comms/cap", content=body, headers={"content-type": "application/xml"}
        )
        assert answer.status_code == 422, answer.text
        assert "DOCTYPE" in answer.json()["detail"]
        board = admin.get("/api/v1/comms/messages")
        assert all("Debris" not in m["text"] for m in board.json()["items"])

    def test_minus_zero_alert_is_accepted(
        self, make_client: Callable[..., TestClient], crew: Station
    ) -> None:
        """An incoming alert dated the CAP way (-00:00) becomes a message."""
        admin = make_client("admin")
        body = INCOMING.replace(b"12:05:00+00:00", b"12:05:00-00:00")
        assert shipped_schema().validate(etree.fromstring(body))
        answer = admin.post(
            "/api/v1/comms/cap", content=body, headers={"content-type": "application/xml"}
        )
        assert answer.status_code == 201, answer.text
