"""Vocabulary of casualties, the hospital and screening."""

from enum import StrEnum


class Side(StrEnum):
    """Whose person a casualty is: the station's, the visiting party's, or not yet known."""

    STATION = "station"
    VISITING = "visiting"
    UNKNOWN = "unknown"


class Triage(StrEnum):
    """START triage categories."""

    IMMEDIATE = "immediate"
    DELAYED = "delayed"
    MINOR = "minor"
    EXPECTANT = "expectant"
    DECEASED = "deceased"


class BedState(StrEnum):
    """What a hospital bed can take right now."""

    AVAILABLE = "available"
    OCCUPIED = "occupied"
    CLEANING = "cleaning"
    CLOSED = "closed"


class Condition(StrEnum):
    """A patient's condition as the board shows it."""

    GOOD = "good"
    FAIR = "fair"
    SERIOUS = "serious"
    CRITICAL = "critical"
    DECEASED = "deceased"


class ScreeningKind(StrEnum):
    """What a screening looks for."""

    NANITE = "nanite"
    INTOXICATION = "intoxication"


class ScreeningResult(StrEnum):
    """The outcome of a screening."""

    POSITIVE = "positive"
    NEGATIVE = "negative"
    INCONCLUSIVE = "inconclusive"
