"""API shapes of policy proofs and of activation with an override."""

from __future__ import annotations

from pydantic import BaseModel, Field

from muster.access.proofs import ProofResult
from muster.schemas import StrictModel


class ProveIn(StrictModel):
    """A draft policy text to prove against the safety properties in force."""

    policy_text: str = Field(min_length=1, max_length=500_000)


class ActivateIn(StrictModel):
    """Activation options: a commander's written reason to override failed proofs."""

    override_reason: str | None = Field(default=None, max_length=2000)


class ProofResidualOut(BaseModel):
    """A rule that could still decide against a property."""

    rule_id: str
    effect: str
    words: str
    cedar: str


class ProofFailureOut(BaseModel):
    """A case a property is not proved for."""

    action: str
    case: str
    residuals: list[ProofResidualOut]
    errors: list[str]


class ProofResultOut(BaseModel):
    """One property's outcome: proved, failed or not applicable, and why."""

    property_id: str
    says: str
    status: str
    proved: bool
    explanation: str
    failures: list[ProofFailureOut]
    runs: int

    @classmethod
    def of(cls, result: ProofResult) -> ProofResultOut:
        """The API form of a result."""
        return cls(
            property_id=result.property_id,
            says=result.says,
            status=result.status,
            proved=result.proved,
            explanation=result.explanation,
            failures=[
                ProofFailureOut(
                    action=f.action,
                    case=f.case,
                    residuals=[ProofResidualOut(**vars(r)) for r in f.residuals],
                    errors=list(f.errors),
                )
                for f in result.failures
            ],
            runs=result.runs,
        )


class ProofsOut(BaseModel):
    """Every property's outcome for one policy."""

    version: str
    proved: int
    failed: int
    not_applicable: int
    results: list[ProofResultOut]

    @classmethod
    def of(cls, version: str, results: list[ProofResult]) -> ProofsOut:
        """The API form of a proof run."""
        return cls(
            version=version,
            proved=sum(r.proved for r in results),
            failed=sum(r.blocks_activation for r in results),
            not_applicable=sum(not r.proved and not r.blocks_activation for r in results),
            results=[ProofResultOut.of(r) for r in results],
        )
