"""Everyone's last place for the roll call: places, unknowns, marks; the dead are left out."""

from __future__ import annotations

from access.station import Station
from muster.access.rollcall import last_places, mark_accounted, start_rollcall
from muster.people.enums import Affiliation, PersonStatus
from muster.policy.actor import Actor

GUARD = Actor(kind="account", id="acc-guard", name="Guard", roles=frozenset({"guard"}))
OFFICER = Actor(kind="account", id="acc-officer", name="Officer", roles=frozenset({"officer"}))


def test_last_places(station: Station) -> None:
    station.add_person("Ana", Affiliation.RESIDENT, zone="south")
    station.add_person("Ken", Affiliation.CREW, zone=None)
    station.add_person("Zane", Affiliation.VISITOR, party=station.vessel, zone="rings")
    station.add_person("Fallen", Affiliation.RESIDENT, status=PersonStatus.DECEASED)
    start_rollcall(station.session, reason="drill", actor=OFFICER)
    assert station.post is not None
    mark_accounted(station.session, person_ref="Zane", post_id=station.post.id, actor=GUARD)
    places = {p.name: p for p in last_places(station.session, batch=2)}
    assert sorted(places) == ["Ana", "Ken", "Zane"]
    assert (places["Ana"].zone_name, places["Ana"].zone_kind) == ("south", "internal")
    assert places["Ana"].affiliation == "resident"
    assert places["Ana"].marked_at_post_id is None
    assert places["Ken"].zone_id is None
    assert places["Ken"].zone_name is None
    assert places["Zane"].marked_at_post_id == station.post.id
    assert places["Zane"].zone_id is not None  # moved to the post's zone by the mark
