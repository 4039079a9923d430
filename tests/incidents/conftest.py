"""Helpers for the medical tests: persons, zones and portals made through their services."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy.orm import Session

from muster.auth.actor import Actor
from muster.people.enums import Affiliation
from muster.people.models import Person
from muster.people.schemas import PersonCreate
from muster.people.service import create_person

MEDIC = Actor(kind="account", id="acct-medic", name="Dr Amara", roles=frozenset({"medic"}))
OFFICER = Actor(kind="account", id="acct-officer", name="Dominic", roles=frozenset({"officer"}))


@pytest.fixture
def make_person(session: Session, actor: Actor) -> Callable[..., Person]:
    """Register a person with the people service."""

    def make(
        name: str, affiliation: Affiliation = Affiliation.RESIDENT, roles: list[str] | None = None
    ) -> Person:
        data = PersonCreate(name=name, affiliation=affiliation, roles=roles or [])
        return create_person(session, data=data, actor=actor)

    return make
