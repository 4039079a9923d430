"""Fixtures of the agreement tests: the welfare test station (a vessel, officers, persons)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session

from muster.agreements.models import AgreementTerm
from muster.agreements.schemas import AgreementCreate, TermCreate
from muster.agreements.service import list_terms, record_agreement
from muster.policy.engine import install_engine
from welfare.station import ADMIN, Station, build_station


@pytest.fixture(autouse=True)
def _shipped_policy() -> Iterator[None]:
    """Every test starts and ends on the shipped policy."""
    install_engine(None)
    yield
    install_engine(None)


@pytest.fixture
def station(session: Session) -> Station:
    """The station in the test's session."""
    return build_station(session)


def agreement_terms(station: Station, *terms: TermCreate) -> list[AgreementTerm]:
    """An agreement with the station's vessel, signed by John and Zane; its terms."""
    data = AgreementCreate(
        title="Agreement after the talks",
        party="Vessel",
        signatories=["John", "Zane"],
        text="The commanders agree the terms below.",
        terms=list(terms),
    )
    row = record_agreement(station.session, data=data, actor=ADMIN)
    return list_terms(station.session, row.id)


def new_term(text: str = "The vessel stays in orbit.", **kw: object) -> TermCreate:
    """A standing term owned by John and Zane (``kw`` changes any field)."""
    fields: dict[str, object] = {
        "text": text,
        "station_owner": "John",
        "party_owner": "Zane",
        "recurrence": "standing",
    }
    fields.update(kw)
    return TermCreate.model_validate(fields)
