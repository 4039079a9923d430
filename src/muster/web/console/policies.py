"""Policies: the active policy and its rules, history, an editor that validates on save,
the policy tests, and a what-if of a draft before it is activated."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Annotated, Any

import cedarpy
import yaml
from fastapi import APIRouter, Form, Request
from sqlalchemy.orm import Session
from starlette.responses import HTMLResponse, Response

from muster.access import policy_checks, policy_store
from muster.access.policy_tests import CaseResult
from muster.access.proofs import ProofResult
from muster.access.whatif import WhatIf
from muster.errors import DomainError, Forbidden, Invalid
from muster.policy.shape import check_policy_shape
from muster.web.console.rendering import redirect, render
from muster.web.console.viewer import FormViewerDep, Viewer, ViewerDep, require
from muster.web.deps import SessionDep

router = APIRouter()
HISTORY = 30
WHATIF_RECENT = 1000
EXAMPLE_CASES = """cases:
  - name: a held resident stays, even with a duty pass
    person: {affiliation: resident, held: true, duty_pass_current: true}
    direction: exit
    expect: deny
  - name: a visitor leaves to their own vessel
    person: {affiliation: visitor, party_id: vessel-1}
    portal: {vessel_party_id: vessel-1}
    direction: exit
    expect: allow
"""


@dataclass(frozen=True)
class Rule:
    """One rule of a policy: its ``@id`` and whether it permits or forbids."""

    id: str
    effect: str


def rules_of(policy_text: str) -> list[Rule]:
    """The rules of a policy in order (empty when it does not parse)."""
    try:
        check_policy_shape(policy_text)
        parsed = json.loads(cedarpy.policies_to_json_str(policy_text))
    except Exception:  # the editor shows the parse error from validation instead
        return []
    return [
        Rule(str(body.get("annotations", {}).get("id", "(no @id)")), str(body.get("effect", "")))
        for body in parsed.get("staticPolicies", {}).values()
    ]


@dataclass
class Draft:
    """What the editor holds: the text, its comment, the cases, and what was found."""

    text: str
    comment: str = ""
    cases: str = EXAMPLE_CASES
    problems: list[str] | None = None
    whatif: WhatIf | None = None
    results: list[CaseResult] | None = None
    proofs: list[ProofResult] | None = None
    locations: list[dict[str, Any]] = field(default_factory=list)

    def refused(self, exc: DomainError) -> Draft:
        """This draft with the refusal's problems and where in the text each one is."""
        problems = exc.details.get("problems")
        places = exc.details.get("locations")
        self.problems = [str(p) for p in problems or [exc.message]]
        self.locations = [p for p in places or [] if isinstance(p, dict)]
        return self

    def excerpts(self) -> list[tuple[dict[str, Any], str, str, str]]:
        """Each located problem with its line of the text cut before, at and after the mark."""
        lines = self.text.split("\n")
        shown = []
        for where in self.locations:
            number = int(where.get("line", 0))
            if not 1 <= number <= len(lines):
                continue
            line = lines[number - 1]
            start = max(int(where.get("column", 1)) - 1, 0)
            same_line = int(where.get("end_line", number)) == number
            end = int(where.get("end_column", start + 2)) - 1 if same_line else len(line)
            end = max(end, start + 1)
            shown.append((where, line[:start], line[start:end] or " ", line[end:]))
        return shown


def _page(
    request: Request,
    session: Session,
    viewer: Viewer,
    draft: Draft | None,
    status: int = 200,
    refusal: DomainError | None = None,
) -> HTMLResponse:
    active_id = policy_store.active_version_id(session)
    shown = request.query_params.get("version", "active")
    version_id, text = policy_store.policy_text_of(session, shown)
    versions, total = policy_store.list_versions(session, limit=HISTORY)
    active = next((v for v in versions if v.id == active_id), None)
    return render(
        request,
        "policies.html",
        viewer,
        {
            "active_id": active_id,
            "active": active,
            "shown_id": version_id,
            "shown_text": text,
            "rules": rules_of(text),
            "versions": versions,
            "versions_total": total,
            "draft": draft or Draft(text=text),
            "may_write": viewer.can("policy.write"),
            "may_activate": viewer.can("policy.activate"),
            "refusal": refusal,
        },
        status_code=status,
    )


@router.get("/policies", response_class=HTMLResponse)
def policies(request: Request, session: SessionDep, viewer: ViewerDep) -> HTMLResponse:
    """The active policy (or ``?version=N``), its rules, history and the editor."""
    require(viewer, "policy.read")
    return _page(request, session, viewer, None)


@router.post("/policies/save", response_model=None)
def save_policy(
    request: Request,
    session: SessionDep,
    viewer: FormViewerDep,
    policy_text: Annotated[str, Form(max_length=200_000)],
    comment: Annotated[str, Form(max_length=2000)] = "",
    cases: Annotated[str, Form(max_length=100_000)] = EXAMPLE_CASES,
) -> Response:
    """Validate the draft against the schema and store it as a new (inactive) version."""
    try:
        row = policy_store.save_version(
            session, policy_text=policy_text, comment=comment, actor=viewer.actor
        )
    except Forbidden:
        raise  # refused by the use case: 403, as the API answers
    except DomainError as exc:
        session.rollback()
        draft = Draft(policy_text, comment, cases).refused(exc)
        return _page(request, session, viewer, draft, status=422)
    return redirect(
        request,
        f"/policies?version={row.number}",
        f"Saved as version {row.number}. It is not in force until it is activated.",
    )


@router.post("/policies/check", response_model=None)
def check_draft(
    request: Request,
    session: SessionDep,
    viewer: FormViewerDep,
    policy_text: Annotated[str, Form(max_length=200_000)],
    action: Annotated[str, Form(max_length=20)],
    comment: Annotated[str, Form(max_length=2000)] = "",
    cases: Annotated[str, Form(max_length=100_000)] = EXAMPLE_CASES,
) -> Response:
    """Run the policy tests, the proofs or the what-if on the draft, without saving anything."""
    draft = Draft(policy_text, comment, cases)
    try:
        if action == "prove":
            draft.proofs = policy_checks.prove_draft(policy_text=policy_text, actor=viewer.actor)
        elif action == "whatif":
            draft.whatif = policy_checks.whatif_draft(
                session, policy_text=policy_text, actor=viewer.actor, recent=WHATIF_RECENT
            )
        else:
            draft.results = policy_checks.run_draft_tests(
                policy_text=policy_text, cases=_cases(cases), actor=viewer.actor
            )
    except Forbidden:
        raise  # refused by the use case: 403, as the API answers
    except DomainError as exc:
        return _page(request, session, viewer, draft.refused(exc), status=422)
    return _page(request, session, viewer, draft)


def _cases(text: str) -> list[tuple[str, dict[str, Any]]]:
    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        raise Invalid(f"the test cases are not valid YAML: {exc}") from exc
    cases = data.get("cases") if isinstance(data, dict) else None
    if not isinstance(cases, list) or not all(isinstance(c, dict) for c in cases) or not cases:
        raise Invalid("the test cases need a 'cases:' list of mappings")
    return [("editor", case) for case in cases]


@router.post("/policies/{ref}/activate", response_model=None)
def activate(
    ref: str,
    request: Request,
    session: SessionDep,
    viewer: FormViewerDep,
    override_reason: Annotated[str | None, Form(max_length=2000)] = None,
) -> Response:
    """Put a stored version in force (validated and proved again first); a refusal is shown
    whole, with each failed property, and the commander may override it with a reason."""
    try:
        row = policy_store.activate_version(
            session, ref=ref, actor=viewer.actor, override_reason=override_reason
        )
    except Forbidden:
        raise  # refused by the use case: 403, as the API answers
    except DomainError as exc:
        session.rollback()
        exc.details.setdefault("version", ref)
        return _page(request, session, viewer, None, status=exc.status, refusal=exc)
    return redirect(request, "/policies", f"Version {row.number} is now the active policy.")
