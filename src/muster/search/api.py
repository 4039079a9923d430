"""``GET /api/v1/search?q=``: one search over persons, cases, casualties and orders."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from muster.schemas import ReadModel
from muster.search.service import MAX_QUERY, search
from muster.web.deps import CurrentActor, SessionDep

router = APIRouter(prefix="/api/v1/search", tags=["search"])


class HitRead(ReadModel):
    """One thing found: its kind, id, name, why it matched and its console page."""

    kind: str
    id: str
    title: str
    detail: str
    href: str


class SearchRead(ReadModel):
    """What was found, by kind; a kind the caller may not read is absent."""

    query: str
    total: int
    groups: dict[str, list[HitRead]]


@router.get("")
def search_all(
    session: SessionDep,
    actor: CurrentActor,
    q: Annotated[
        str, Query(min_length=1, max_length=MAX_QUERY, description="Name, badge, number or words")
    ],
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
) -> SearchRead:
    """Persons (name or badge), consent cases, casualties and orders matching ``q``."""
    found = search(session, q=q, actor=actor, limit=limit)
    groups = {
        kind: [HitRead.model_validate(hit, from_attributes=True) for hit in hits]
        for kind, hits in found.groups.items()
    }
    return SearchRead(query=found.query, total=found.total, groups=groups)
