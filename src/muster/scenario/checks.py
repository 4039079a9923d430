"""The expectation vocabulary: ``check: <name>`` handlers, registered like actions.

A domain adds its checks in its ``scenario_actions`` module::

    from muster.scenario.checks import CheckContext, CheckResult, CountBounds, register_check

    class HoldCountArgs(CountBounds):
        reason: str | None = None  # and equals / at_least / at_most

    @register_check("medical.hold.count")
    def count_holds(ctx: CheckContext, args: HoldCountArgs) -> CheckResult:
        return args.judge(count_active_holds(ctx.session), "active holds")
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import BaseModel, Field, model_validator
from sqlalchemy.orm import Session

from muster.scenario.actions import args_model
from muster.schemas import StrictModel


class CheckArgs(StrictModel):
    """Base of a check's arguments: unknown fields are refused."""


@dataclass(frozen=True)
class CheckResult:
    """Whether an expectation held, and what was found."""

    held: bool
    detail: str


class CountBounds(CheckArgs):
    """A count compared with ``equals``, ``at_least`` and/or ``at_most`` (at least one)."""

    equals: int | None = Field(default=None, ge=0)
    at_least: int | None = Field(default=None, ge=0)
    at_most: int | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _some_bound(self) -> CountBounds:
        if self.equals is None and self.at_least is None and self.at_most is None:
            raise ValueError("give equals, at_least or at_most")
        return self

    def judge(self, actual: int, what: str) -> CheckResult:
        """Whether ``actual`` is within the bounds, said in words."""
        held = (
            (self.equals is None or actual == self.equals)
            and (self.at_least is None or actual >= self.at_least)
            and (self.at_most is None or actual <= self.at_most)
        )
        wanted = [
            f"{label} {value}"
            for label, value in (
                ("exactly", self.equals),
                ("at least", self.at_least),
                ("at most", self.at_most),
            )
            if value is not None
        ]
        return CheckResult(held, f"{actual} {what}; expected {', '.join(wanted)}")


@dataclass
class CheckContext:
    """What a check gets: a read-only session and the scenario's groups."""

    session: Session
    groups: dict[str, list[str]] = field(default_factory=dict)


A = TypeVar("A", bound=BaseModel)
CheckHandler = Callable[[CheckContext, Any], CheckResult]


@dataclass(frozen=True)
class RegisteredCheck:
    """The handler of ``check: <name>`` and its arguments model."""

    name: str
    handler: CheckHandler
    args: type[BaseModel]


CHECKS: dict[str, RegisteredCheck] = {}


def register_check(
    name: str,
) -> Callable[[Callable[[CheckContext, A], CheckResult]], Callable[[CheckContext, A], CheckResult]]:
    """Register the decorated function as the handler of ``check: name``."""

    def decorate(
        handler: Callable[[CheckContext, A], CheckResult],
    ) -> Callable[[CheckContext, A], CheckResult]:
        known = CHECKS.get(name)
        if known is not None and known.handler.__qualname__ != handler.__qualname__:
            raise ValueError(f"scenario check {name!r} is registered twice")
        CHECKS[name] = RegisteredCheck(name, handler, args_model(handler))
        return handler

    return decorate
