"""Post reports over the API: what a guard sends, and what the board reads."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from muster.posts.enums import PostStatus
from muster.schemas import ReadModel, StrictModel

# A count is a whole number as sent: "3" or true is refused, not read as 3 or 1.
COUNT = Field(0, ge=0, le=100_000, strict=True)


class ForceCreate(StrictModel):
    """Force used: by whom, against whom, with what, and the outcome."""

    used_by: str = Field(
        min_length=1,
        max_length=200,
        description="The station staff member who used force: account username, person id "
        "or exact name",
    )
    against: list[str] = Field(
        default_factory=list, max_length=100, description="Persons, by id or exact name"
    )
    against_count: int = Field(
        0, ge=0, le=10_000, strict=True, description="How many, when not all are known by name"
    )
    weapon: str | None = Field(
        None,
        max_length=100,
        description="Serial or unit id of a weapon signed out to them (or to their post)",
    )
    means: str = Field("", max_length=200, description="Otherwise: what was used, in words")
    outcome: str = Field(min_length=1, max_length=2000)


class ReportCreate(StrictModel):
    """A post's situation, in a few taps."""

    status: PostStatus
    visitors: int = COUNT
    residents: int = COUNT
    armed: int = COUNT
    station_dead: int = COUNT
    station_wounded: int = COUNT
    visitors_dead: int = COUNT
    visitors_wounded: int = COUNT
    text: str = Field("", max_length=2000)
    force: list[ForceCreate] = Field(default_factory=list, max_length=20)


class HelpCreate(StrictModel):
    """A call for help from a post; the post's last report goes with it."""

    text: str = Field("", max_length=500)


class ForceRead(ReadModel):
    """Force used, as recorded."""

    id: str
    report_id: str
    post_id: str
    incident_id: str | None
    used_by_person_id: str
    against_person_ids: list[str]
    against_count: int
    unit_id: str | None
    custody_id: str | None
    means: str
    outcome: str
    used_at: datetime


class ReportRead(ReadModel):
    """A report as filed."""

    id: str
    post_id: str
    portal_id: str | None
    incident_id: str | None
    status: PostStatus
    visitors_seen: int
    residents_seen: int
    armed_seen: int
    station_dead: int
    station_wounded: int
    visitors_dead: int
    visitors_wounded: int
    text: str
    reported_by: str
    reporter_person_id: str | None
    reported_at: datetime


class FiledReport(ReportRead):
    """A report just filed, with the force it recorded."""

    force: list[ForceRead]


class HelpRead(ReadModel):
    """A call for help and the flash page that carried it."""

    id: str
    post_id: str
    incident_id: str | None
    report_id: str | None
    message_id: str
    requested_by: str
    requested_at: datetime


class BoardRowRead(StrictModel):
    """One post on the commander's board."""

    post_id: str
    post: str
    portal: str
    status: PostStatus | None
    words: str
    colour: str
    reported_at: datetime | None
    age_seconds: int | None
    quiet: bool
    help_open: bool
    report: ReportRead | None


class CustodyForce(StrictModel):
    """A weapon's chain of custody with the force it was used in, side by side."""

    unit_id: str
    serial: str
    item: str
    chain: list[dict[str, object]]
    force: list[ForceRead]
