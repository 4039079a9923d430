"""Records of the later domains for console tests, made through each domain's services.

Staff with accounts linked to their person records (welfare officers interview and
approve in person), an incident, casualties, a ward, a consent case, an agreement, a
weapons delivery on its way to the South airlock post, and a flash order to the posts.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from muster.agreements.schemas import AgreementCreate, TermCreate
from muster.agreements.service import record_agreement
from muster.auth import service as auth_service
from muster.comms.enums import ChannelKind, Precedence
from muster.comms.groups import PostsRule
from muster.comms.service import create_channel, send_message
from muster.db import Database
from muster.incidents.enums import Severity
from muster.incidents.schemas import IncidentCreate, TaskCreate
from muster.incidents.service import add_task, declare_incident
from muster.logistics.deliveries import pick_delivery
from muster.logistics.enums import ItemKind, LocationKind
from muster.logistics.items import create_item
from muster.logistics.locations import Location
from muster.logistics.request_schemas import RequestCreate, RequestLineIn
from muster.logistics.requests import approve_request, create_request, request_deliveries
from muster.logistics.schemas import ItemCreate, LocationRef
from muster.logistics.stock import receive_stock
from muster.medical.casualties import record_casualty
from muster.medical.enums import Condition
from muster.medical.hospital import add_beds, admit, create_ward
from muster.medical.schemas import AdmissionCreate, CasualtyCreate, TriageFindings
from muster.people.enums import Affiliation
from muster.people.schemas import PersonCreate
from muster.people.service import create_person, find_party, find_person
from muster.places.service import find_post, find_zone
from muster.welfare.cases import open_case
from muster.welfare.texts import publish_consent_text

from .station import PASSWORD, SETUP

STAFF = {
    "mara": ("Mara", "welfare"),
    "nils": ("Nils", "welfare"),
    "oskar": ("Oskar", "welfare"),
    "ines": ("Ines", "medic"),
    "ken": ("Ken", "officer"),
}


@dataclass(frozen=True)
class Records:
    """Ids of the records a test looks at."""

    incident: str
    case: str
    agreement: str
    delivery: str
    message: str
    post: str


def add_staff(db: Database) -> None:
    """Crew with accounts linked to their persons: three welfare officers, a medic, an officer."""
    with db.session_scope() as session:
        for username, (name, role) in STAFF.items():
            person = create_person(
                session,
                data=PersonCreate(name=name, affiliation=Affiliation.CREW, roles=[role]),
                actor=SETUP,
            )
            auth_service.create_account(
                session,
                username=username,
                display_name=name,
                roles=[role],
                password=PASSWORD,
                actor=SETUP,
                person_id=person.id,
            )


def build_records(db: Database) -> Records:
    """Every domain's records on the small station (with staff added first)."""
    add_staff(db)
    with db.session_scope() as session:
        john = find_person(session, "John")
        incident = declare_incident(
            session,
            data=IncidentCreate(
                title="Visiting party at the airlocks",
                kind="security",
                severity=Severity.CRITICAL,
                location="South airlock",
                commander_id=john.id,
            ),
            actor=SETUP,
        )
        add_task(
            session,
            incident_id=incident.id,
            data=TaskCreate(title="Screen the held residents", owner_id=john.id),
            actor=SETUP,
        )
        record_casualty(
            session,
            data=CasualtyCreate(
                person_id=find_person(session, "Warrior 01").id,
                findings=TriageFindings(
                    walks=False,
                    breathing=True,
                    respiratory_rate=20,
                    radial_pulse=True,
                    obeys_commands=True,
                ),
                found_at="South airlock",
                injuries="Laceration, left arm",
            ),
            actor=SETUP,
        )
        ward = create_ward(session, name="Ward A", actor=SETUP)
        beds = add_beds(session, ward_id=ward.id, labels=["A1", "A2"], actor=SETUP)
        admit(
            session,
            data=AdmissionCreate(
                person_id=find_person(session, "Lisa").id,
                bed_id=beds[0].id,
                condition=Condition.FAIR,
                reason="Observation",
            ),
            actor=SETUP,
        )
        vessel = find_party(session, "the visiting vessel")
        publish_consent_text(
            session, title="Transfer consent", body="I ask to live aboard.", actor=SETUP
        )
        case = open_case(
            session,
            person_id=find_person(session, "Lisa").id,
            vessel_party_id=vessel.id,
            statement="I wish to live aboard the vessel.",
            actor=SETUP,
        )
        agreement = record_agreement(
            session,
            data=AgreementCreate(
                title="Terms agreed after the stand-off",
                party=vessel.id,
                signatories=["John", "Bahati"],
                text="The vessel stays in orbit.",
                terms=[
                    TermCreate(
                        text="The vessel does not leave orbit.",
                        station_owner="John",
                        party_owner="Bahati",
                        recurrence="standing",
                    )
                ],
            ),
            actor=SETUP,
        )
        post = find_post(session, "South airlock post")
        delivery = _weapons_delivery(session, post.id)
        channel = create_channel(
            session,
            name="Airlock posts",
            kind=ChannelKind.GROUP,
            rule=PostsRule(portal_kind="airlock"),
            actor=SETUP,
        )
        message = send_message(
            session,
            channel_id=channel.id,
            precedence=Precedence.FLASH,
            text="Residents may not leave with the visitors.",
            actor=SETUP,
        )
        return Records(incident.id, case.id, agreement.id, delivery, message.id, post.id)


def _weapons_delivery(session: object, post_id: str) -> str:
    """Two tracked weapons requested, approved and picked for the post; the delivery id."""
    from sqlalchemy.orm import Session

    assert isinstance(session, Session)
    store = Location(LocationKind.ZONE, find_zone(session, "Residential rings").id)
    item = create_item(
        session,
        data=ItemCreate(name="Stun baton", kind=ItemKind.WEAPON, tracked=True),
        actor=SETUP,
    )
    receive_stock(session, item_id=item.id, location=store, serials=["SB-1", "SB-2"], actor=SETUP)
    request = create_request(
        session,
        data=RequestCreate(
            title="Weapons to the South airlock",
            source=LocationRef(kind=LocationKind.ZONE, id=store.id),
            lines=[
                RequestLineIn(
                    item_id=item.id,
                    quantity=Decimal(2),
                    dest=LocationRef(kind=LocationKind.POST, id=post_id),
                )
            ],
        ),
        actor=SETUP,
    )
    approve_request(session, request_id=request.id, actor=SETUP)
    delivery = request_deliveries(session, request.id)[0]
    pick_delivery(session, delivery_id=delivery.id, actor=SETUP)
    return delivery.id
