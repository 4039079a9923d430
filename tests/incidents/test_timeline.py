"""The incident timeline shows what was done for the incident; declaring opens its talk group."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from medical.conftest import MEDIC, Station, findings
from muster import clock
from muster.access.decisions import decide_request
from muster.access.enums import Direction, HoldKind
from muster.access.holds import place_hold
from muster.comms.channels import get_channel, incident_channel_ids
from muster.comms.enums import ChannelKind, Precedence
from muster.comms.groups import parse_rule, resolve_rule
from muster.comms.service import send_message
from muster.db import Database
from muster.incidents.enums import CommandRole, IncidentStatus, Severity
from muster.incidents.models import Incident
from muster.incidents.schemas import IncidentCreate, IncidentUpdate
from muster.incidents.service import assign_role, declare_incident, update_incident
from muster.incidents.timeline import incident_timeline
from muster.medical.casualties import record_casualty
from muster.medical.enums import ScreeningKind, ScreeningResult
from muster.medical.flows import screen_person
from muster.medical.schemas import CasualtyCreate, ScreeningCreate
from muster.people.enums import Affiliation
from muster.people.models import Person
from muster.people.schemas import PersonCreate
from muster.people.service import create_person
from muster.policy.actor import Actor

MakePerson = Callable[..., Person]


@pytest.fixture
def incident(session: Session, actor: Actor, make_person: MakePerson) -> Incident:
    """The West airlock incident, commanded by John, Dominic its site officer at West airlock."""
    john, dominic = make_person("John", Affiliation.CREW), make_person("Dominic", Affiliation.CREW)
    data = IncidentCreate(
        title="West airlock confrontation",
        kind="security",
        severity=Severity.CRITICAL,
        location="West airlock",
        commander_id=john.id,
    )
    made = declare_incident(session, data=data, actor=actor)
    assign_role(
        session,
        incident_id=made.id,
        role=CommandRole.SITE_OFFICER,
        person_id=dominic.id,
        site="West airlock",
        actor=actor,
    )
    return made


def texts(session: Session, incident: Incident) -> list[str]:
    """The timeline's lines."""
    return [item.text for item in incident_timeline(session, incident_id=incident.id)]


def screen(session: Session, person: Person) -> None:
    """A positive nanite screening of ``person`` (which holds them medically)."""
    screen_person(
        session,
        data=ScreeningCreate(
            person_id=person.id,
            kind=ScreeningKind.NANITE,
            result=ScreeningResult.POSITIVE,
            method="blood panel",
        ),
        actor=MEDIC,
    )


class TestWhatWasDone:
    """Orders, holds, screenings and airlock decisions of the incident are on its timeline."""

    def test_orders_on_its_talk_group(
        self, session: Session, actor: Actor, incident: Incident
    ) -> None:
        """An order sent on the incident's talk group is a line naming the channel and text."""
        (channel_id,) = incident_channel_ids(session, incident.id)
        send_message(
            session,
            channel_id=channel_id,
            precedence=Precedence.FLASH,
            text="Seal the West airlock.",
            actor=actor,
        )
        line = next(t for t in texts(session, incident) if "Seal the West airlock." in t)
        assert line.startswith("Order (flash) on Incident 1: West airlock confrontation")

    def test_holds_and_screenings_of_its_casualties(
        self, session: Session, actor: Actor, incident: Incident, make_person: MakePerson
    ) -> None:
        """A casualty's hold and screening appear; a bystander's do not."""
        lena, bystander = make_person("Lena"), make_person("Bystander")
        record_casualty(
            session,
            data=CasualtyCreate(
                person_id=lena.id,
                findings=findings("delayed"),
                found_at="West airlock",
                incident_id=incident.id,
            ),
            actor=MEDIC,
        )
        for person in (lena, bystander):
            place_hold(
                session,
                person_id=person.id,
                kind=HoldKind.PROVISIONAL,
                reason=f"{person.name} held for questioning",
                actor=actor,
            )
            screen(session, person)
        lines = texts(session, incident)
        assert "Provisional hold placed on Lena: Lena held for questioning" in lines
        assert "Nanite screening of Lena recorded." in lines
        assert not [t for t in lines if "Bystander" in t]

    def test_decisions_at_its_airlocks_while_open(
        self,
        session: Session,
        actor: Actor,
        incident: Incident,
        make_person: MakePerson,
        station: Station,
    ) -> None:
        """Decisions at the West airlock (where its site officer is posted) appear while it is
        open; those at another door, or after it closed, do not."""
        ada = make_person("Ada")
        decide_request(
            session,
            portal_id=station.airlock.id,
            person_refs=[ada.id],
            direction=Direction.EXIT,
            actor=actor,
        )
        decide_request(
            session,
            portal_id=station.hospital_door.id,
            person_refs=[ada.id],
            direction=Direction.ENTER,
            actor=actor,
        )
        update_incident(
            session,
            incident_id=incident.id,
            data=IncidentUpdate(status=IncidentStatus.CLOSED),
            actor=actor,
        )
        with clock.frozen_at(clock.now() + timedelta(minutes=5)):
            decide_request(
                session,
                portal_id=station.airlock.id,
                person_refs=[ada.id],
                direction=Direction.ENTER,
                actor=actor,
            )
        at_airlocks = [t for t in texts(session, incident) if "Ada" in t]
        assert len(at_airlocks) == 1, at_airlocks
        assert at_airlocks[0].startswith("West airlock: Ada ")
        assert "(exit)" in at_airlocks[0]


class TestTalkGroup:
    """Declaring an incident opens its talk group: its commander and command roles."""

    def test_declared_incident_has_its_talk_group(
        self, session: Session, actor: Actor, incident: Incident, make_person: MakePerson
    ) -> None:
        """One incident channel; it reaches John and Dominic, then the medical lead named later."""
        (channel_id,) = incident_channel_ids(session, incident.id)
        channel = get_channel(session, channel_id)
        assert channel.kind is ChannelKind.INCIDENT
        assert channel.name == "Incident 1: West airlock confrontation"

        def members() -> set[str]:
            rule = parse_rule(channel.rule)
            return {session.get(Person, m.person_id).name for m in resolve_rule(session, rule)}  # type: ignore[union-attr]

        assert members() == {"John", "Dominic"}
        maria = make_person("Maria", Affiliation.CREW, roles=["medic"])
        assign_role(
            session,
            incident_id=incident.id,
            role=CommandRole.MEDICAL_LEAD,
            person_id=maria.id,
            actor=actor,
        )
        assert members() == {"John", "Dominic", "Maria"}

    def test_declared_over_http(self, db: Database, make_client: Callable[..., TestClient]) -> None:
        """A commander declares over the API; the talk group is listed and its order is on
        the incident's timeline."""
        with db.session_scope() as s:
            john = create_person(
                s,
                data=PersonCreate(name="John", affiliation=Affiliation.CREW),
                actor=Actor.system(),
            ).id
        commander = make_client("commander", person_id=john)
        made = commander.post(
            "/api/v1/incidents",
            json={
                "title": "Hull breach",
                "kind": "safety",
                "severity": "major",
                "location": "Ring 2",
                "commander_id": john,
            },
        )
        assert made.status_code == 201, made.text
        channels = commander.get("/api/v1/comms/channels").json()["items"]
        (group,) = [c for c in channels if c["kind"] == "incident"]
        assert group["name"] == "Incident 1: Hull breach"
        sent = commander.post(
            "/api/v1/comms/messages",
            json={"channel_id": group["id"], "precedence": "immediate", "text": "Suit up."},
        )
        assert sent.status_code == 201, sent.text
        timeline = commander.get(f"/api/v1/incidents/{made.json()['id']}/timeline").json()
        assert any("Suit up." in item["text"] for item in timeline)
