"""Live page parts: each is rendered inside its page and alone at ``/fragments/{name}``.

A page marks a part with ``data-fragment`` and ``data-refresh-on`` (event kind prefixes);
the console script fetches the part again when such an event arrives. A part needs the
same right to read as its page, checked on every fetch.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from fastapi import APIRouter, Request
from sqlalchemy.orm import Session
from starlette.responses import HTMLResponse

from muster.errors import NotFound
from muster.web.console.rendering import render
from muster.web.console.viewer import ViewerDep, require
from muster.web.deps import SessionDep

router = APIRouter()

Builder = Callable[[Session, Any, Mapping[str, str]], dict[str, Any]]
B = TypeVar("B", bound=Builder)


@dataclass(frozen=True)
class Fragment:
    """A live part: its template, the action needed to see it, and what fills it."""

    name: str
    template: str
    action: str
    build: Builder


FRAGMENTS: dict[str, Fragment] = {}


def fragment(name: str, *, action: str) -> Callable[[B], B]:
    """Register ``build`` as the live part ``name`` (template ``fragments/{name}.html``)."""

    def register(build: B) -> B:
        FRAGMENTS[name] = Fragment(name, f"fragments/{name}.html", action, build)
        return build

    return register


def fill(
    session: Session, viewer: Any, names: list[str], params: Mapping[str, str]
) -> dict[str, Any]:
    """The context of several parts at once, for the page that shows them; skips hidden ones."""
    context: dict[str, Any] = {}
    for name in names:
        part = FRAGMENTS[name]
        if viewer.can(part.action):
            context.update(part.build(session, viewer, params))
    return context


@router.get("/fragments/{name}", response_class=HTMLResponse)
def read_fragment(
    name: str, request: Request, session: SessionDep, viewer: ViewerDep
) -> HTMLResponse:
    """One live part, fresh, as HTML."""
    part = FRAGMENTS.get(name)
    if part is None:
        raise NotFound(f"no console fragment named {name!r}")
    require(viewer, part.action)
    context = part.build(session, viewer, request.query_params)
    return render(request, part.template, viewer, context)
