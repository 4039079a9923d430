"""Vocabulary of consent cases and check-ups."""

from enum import StrEnum


class CaseStatus(StrEnum):
    """Where a consent case stands.

    open: steps under way; stopped: a step found doubt, coercion, unwillingness, a positive
    screening or a hold; approved: the transfer is authorized; suspended: authorization paused (a
    check-up overdue or of concern); revoked: the person withdrew their consent.
    """

    OPEN = "open"
    STOPPED = "stopped"
    APPROVED = "approved"
    SUSPENDED = "suspended"
    REVOKED = "revoked"


ACTIVE_STATUSES = (CaseStatus.OPEN, CaseStatus.APPROVED, CaseStatus.SUSPENDED)


class Assessment(StrEnum):
    """An interviewer's assessment of the wish the person stated.

    free_choice: the person wishes to go, freely; doubtful: the officer doubts it; coerced:
    someone is pressing the person; unwilling: the person does not wish to go. Coerced and
    unwilling bar a new case for a cooling-off period (``welfare.findings``).
    """

    FREE_CHOICE = "free_choice"
    DOUBTFUL = "doubtful"
    COERCED = "coerced"
    UNWILLING = "unwilling"


class StepKind(StrEnum):
    """A recorded step of a consent case."""

    OPENED = "opened"
    INTERVIEW = "interview"
    SCREENING = "screening"
    APPROVAL = "approval"
    STOPPED = "stopped"
    GRANTED = "granted"
    SUSPENDED = "suspended"
    RENEWED = "renewed"
    REVOKED = "revoked"


class Capacity(StrEnum):
    """In what capacity an approver approves: as a welfare officer or as the commander."""

    WELFARE = "welfare"
    COMMANDER = "commander"


class CheckupStatus(StrEnum):
    """A check-up: due, overdue (authorization suspended), missed (return requested), done,
    or cancelled (the case ended)."""

    DUE = "due"
    OVERDUE = "overdue"
    MISSED = "missed"
    DONE = "done"
    CANCELLED = "cancelled"


PENDING_CHECKUP = (CheckupStatus.DUE, CheckupStatus.OVERDUE, CheckupStatus.MISSED)
