"""Group membership rules, resolved when a message is sent."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from comms.station import Station
from muster.comms.groups import (
    AllRule,
    AnyOfRule,
    PersonRule,
    PostsRule,
    RoleRule,
    parse_rule,
    resolve_rule,
)
from muster.errors import Invalid
from muster.people.enums import PersonStatus
from muster.people.models import Person


def names(session: Session, members: list[object]) -> set[str]:
    """Names of resolved members."""
    return {session.get(Person, m.person_id).name for m in members}  # type: ignore[attr-defined,union-attr]


class TestRoleRule:
    """A role rule reaches every living person holding that role."""

    def test_all_officers(self, session: Session, station: Station) -> None:
        """Both officers and no one else."""
        assert names(session, resolve_rule(session, RoleRule(role="officer"))) == {"Dominic", "Ken"}

    def test_deceased_are_left_out(self, session: Session, station: Station) -> None:
        """A medic who died is no longer reached."""
        session.get(Person, station.persons["Mary"]).status = PersonStatus.DECEASED  # type: ignore[union-attr]
        session.flush()
        assert resolve_rule(session, RoleRule(role="medic")) == []


class TestPostsRule:
    """A posts rule reaches the persons assigned to matching posts, with their post."""

    def test_every_airlock_post(self, session: Session, station: Station) -> None:
        """Posts at airlocks include both airlocks' guards and officers, not the hospital."""
        members = resolve_rule(session, PostsRule(portal_kind="airlock"))
        assert names(session, members) == {"Gail", "Sam", "Wes", "Tara", "Dominic", "Ken"}
        assert all(m.post_id for m in members)

    def test_west_airlock_only(self, session: Session, station: Station) -> None:
        """The people assigned to the West airlock, each tagged with the West post."""
        rule = PostsRule(portal_id=station.portals["West airlock"])
        members = resolve_rule(session, rule)
        assert names(session, members) == {"Wes", "Tara", "Dominic", "Ken"}
        assert {m.post_id for m in members} == {station.posts["West airlock post"]}

    def test_resolved_at_send_time(self, session: Session, station: Station) -> None:
        """An assignment made later is seen by the next resolution."""
        from muster import clock
        from muster.places.models import PostAssignment

        rule = PostsRule(post_id=station.posts["South airlock post"])
        before = names(session, resolve_rule(session, rule))
        session.add(
            PostAssignment(
                post_id=station.posts["South airlock post"],
                person_id=station.persons["John"],
                assigned_at=clock.now(),
            )
        )
        session.flush()
        assert names(session, resolve_rule(session, rule)) == before | {"John"}


class TestAllAndUnion:
    """Broadcast reaches crew and residents; unions count each person once."""

    def test_broadcast_leaves_out_visitors(self, session: Session, station: Station) -> None:
        """Bahati, a visitor, is not on the station broadcast, and cannot be asked for."""
        assert "Bahati" not in names(session, resolve_rule(session, AllRule()))
        with pytest.raises(Invalid):
            parse_rule({"kind": "all", "include_visitors": True})

    def test_union_is_deduplicated(self, session: Session, station: Station) -> None:
        """Officers who also stand at a post appear once."""
        rule = AnyOfRule(rules=[RoleRule(role="officer"), PostsRule(portal_kind="airlock")])
        members = resolve_rule(session, rule)
        assert len(members) == len({m.person_id for m in members}) == 6

    def test_direct_to_unknown_person(self, session: Session, station: Station) -> None:
        """A direct rule naming no one known is refused."""
        with pytest.raises(Invalid):
            resolve_rule(session, PersonRule(person_id="nobody"))


class TestParseRule:
    """Stored rules parse back; unknown kinds are refused."""

    def test_round_trip(self) -> None:
        """A posts rule parses to a PostsRule."""
        assert isinstance(parse_rule({"kind": "posts", "portal_kind": "airlock"}), PostsRule)

    def test_unknown_kind(self) -> None:
        """A rule of unknown kind is Invalid."""
        with pytest.raises(Invalid):
            parse_rule({"kind": "everyone-nearby"})
