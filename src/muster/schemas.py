"""Shared API schema pieces, and the numbers a column can hold."""

from __future__ import annotations

from typing import Annotated, Generic, TypeVar

from annotated_types import Interval
from pydantic import BaseModel, ConfigDict

T = TypeVar("T")

INT32_MAX = 2**31 - 1  # an Integer column on PostgreSQL: record numbers (C-7, W-3, sitrep 2)
INT64_MIN = -(2**63)  # a BigInteger column: event sequence numbers
INT64_MAX = 2**63 - 1

# A record's number (a casualty tag, a case, a sitrep version) in a path or a body.
RecordNumber = Annotated[int, Interval(ge=1, le=INT32_MAX)]


def number_in(text: str, *, prefix: str = "", maximum: int = INT32_MAX) -> int | None:
    """The whole number a person typed (``"W-3"`` with ``prefix="W-"``, or ``"3"``), or
    None when it is not one its column can hold.

    Only ASCII digits count (``str.isdigit`` also takes "²", which ``int`` refuses), and
    nothing above ``maximum``: a larger number matches no record, and sent to the database
    it would fail the query on SQLite and PostgreSQL alike.
    """
    digits = text.strip().upper().removeprefix(prefix.upper())
    if not (digits.isascii() and digits.isdigit()):
        return None
    number = int(digits)
    return number if number <= maximum else None


class StrictModel(BaseModel):
    """Input models: unknown fields are refused, not ignored."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ReadModel(BaseModel):
    """Output models, built from ORM rows."""

    model_config = ConfigDict(from_attributes=True)


class Page(BaseModel, Generic[T]):
    """One page of a list."""

    items: list[T]
    total: int
    limit: int
    offset: int
