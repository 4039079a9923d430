"""Exercise actions and checks for agreements, their terms and return requests."""

from __future__ import annotations

from sqlalchemy import func, select

from muster.agreements import returns, service
from muster.agreements.enums import ReturnStatus, TermStatus
from muster.agreements.models import ReturnRequest
from muster.agreements.schemas import AgreementCreate, TermCreate
from muster.scenario.actions import ActionArgs, ActionContext, register_action
from muster.scenario.checks import CheckArgs, CheckContext, CheckResult, CountBounds, register_check


class AgreementArgs(ActionArgs):
    """An agreement as the API takes it."""

    title: str
    party: str
    signatories: list[str]
    text: str
    terms: list[TermCreate]


@register_action("agreement.record")
def record_agreement(ctx: ActionContext, args: AgreementArgs) -> str:
    """Record an agreement and its terms."""
    data = AgreementCreate.model_validate({**args.model_dump(), "agreed_at": ctx.at})
    row = service.record_agreement(ctx.session, data=data, actor=ctx.actor)
    return f"agreement A-{row.number} recorded with {len(args.terms)} terms"


class TermRef(ActionArgs):
    """A term by its agreement (A-number) and its number."""

    agreement: str
    term: int


@register_action("agreement.term.evaluate")
def evaluate(ctx: ActionContext, args: TermRef) -> str:
    """Check a return term against the airlock and screening records."""
    term = service.find_term(ctx.session, args.agreement, args.term)
    _term, progress = returns.evaluate_return_term(ctx.session, term_id=term.id, actor=ctx.actor)
    back = sum(1 for p in progress if p.passage_id and p.screening_id)
    return f"term {args.term}: {back} of {len(progress)} back and screened; {term.status.value}"


class TermStatusArgs(CheckArgs):
    """The expected status of a term."""

    agreement: str
    term: int
    status: TermStatus


@register_check("agreement.term.status")
def term_status(ctx: CheckContext, args: TermStatusArgs) -> CheckResult:
    """The term is in the expected status."""
    term = service.find_term(ctx.session, args.agreement, args.term)
    return CheckResult(term.status is args.status, f"term {args.term} is {term.status.value}")


class ReturnCountArgs(CountBounds):
    """Return requests, optionally of one status."""

    status: ReturnStatus | None = None


@register_check("agreement.return_request.count")
def return_count(ctx: CheckContext, args: ReturnCountArgs) -> CheckResult:
    """How many return requests there are."""
    query = select(func.count()).select_from(ReturnRequest)
    if args.status is not None:
        query = query.where(ReturnRequest.status == args.status)
    return args.judge(ctx.session.scalar(query) or 0, "return requests")
