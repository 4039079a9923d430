"""The inject vocabulary: ``action: <name>`` handlers, registered by each domain.

A domain adds its actions in its own module, e.g. ``muster/access/scenario_actions.py``::

    from muster.scenario.actions import ActionArgs, ActionContext, register_action

    class AccessRequestArgs(ActionArgs):
        person: str
        portal: str

    @register_action("access.request", permission="access.request")
    def request_access(ctx: ActionContext, args: AccessRequestArgs) -> str:
        decision = request_passage(ctx.session, ..., actor=ctx.actor)
        return f"{args.portal}: {decision.outcome}"

The arguments model is read from the handler's second parameter; every inject's
arguments are checked against it before anything runs. ``load_extensions`` imports every
module that registers actions and checks.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar, get_type_hints

from pydantic import BaseModel
from sqlalchemy.orm import Session

from muster.errors import NotFound
from muster.policy.actor import Actor
from muster.schemas import StrictModel


class ActionArgs(StrictModel):
    """Base of an action's arguments: unknown fields are refused."""


@dataclass
class ActionContext:
    """What an action handler gets: the inject's transaction, its actor and its time."""

    session: Session
    actor: Actor
    at: datetime
    groups: dict[str, list[str]] = field(default_factory=dict)
    doors: Any = None  # a muster.door.exercise.DoorBank when airlocks are behind doors

    def group(self, name: str) -> list[str]:
        """Names of the persons in a scenario group."""
        if name not in self.groups:
            known = ", ".join(sorted(self.groups)) or "none"
            raise NotFound(f"no group named {name!r} in this scenario (groups: {known})")
        return list(self.groups[name])  # the run's groups serve every step: a copy


A = TypeVar("A", bound=BaseModel)
ActionHandler = Callable[[ActionContext, Any], str | None]


@dataclass(frozen=True)
class RegisteredAction:
    """The handler of ``action: <name>``, its arguments model and the permission it needs."""

    name: str
    handler: ActionHandler
    args: type[BaseModel]
    permission: str | None


ACTIONS: dict[str, RegisteredAction] = {}


def args_model(handler: Callable[..., Any]) -> type[BaseModel]:
    """The pydantic model annotated on a handler's second parameter."""
    hints = get_type_hints(handler)
    hints.pop("return", None)
    params = list(hints.values())
    if len(params) != 2 or not (isinstance(params[1], type) and issubclass(params[1], BaseModel)):
        raise TypeError(f"{handler.__qualname__} must be (ctx, args: <pydantic model>), annotated")
    return params[1]


def register_action(
    name: str, *, permission: str | None = None
) -> Callable[[Callable[[ActionContext, A], str | None]], Callable[[ActionContext, A], str | None]]:
    """Register the decorated function as the handler of ``action: name``.

    ``permission`` names an operator action (``muster.policy.authorize``) the inject's actor
    must be allowed; leave it None when the service itself authorizes. The handler returns
    a short line for the run log, or None.
    """

    def decorate(
        handler: Callable[[ActionContext, A], str | None],
    ) -> Callable[[ActionContext, A], str | None]:
        known = ACTIONS.get(name)
        if known is not None and known.handler.__qualname__ != handler.__qualname__:
            raise ValueError(f"scenario action {name!r} is registered twice")
        ACTIONS[name] = RegisteredAction(name, handler, args_model(handler), permission)
        return handler

    return decorate


def load_extensions() -> None:
    """Import every module that registers actions or checks (not at the top: each of them
    imports ``register_action`` from this module)."""
    import muster.access.scenario_actions
    import muster.agreements.scenario_actions
    import muster.comms.scenario_actions
    import muster.incidents.scenario_actions
    import muster.logistics.scenario_actions
    import muster.medical.scenario_actions
    import muster.posts.scenario_actions
    import muster.scenario.builtins
    import muster.vessels.scenario_actions
    import muster.welfare.scenario_actions  # noqa: F401
