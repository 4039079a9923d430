"""Vocabulary of the vessel watch and the asset board."""

from enum import StrEnum


class VesselStatus(StrEnum):
    """Whether a vessel holds its agreed orbit as far as the watch can tell."""

    WATCHING = "watching"  # no observation yet, or every one matched
    MANOEUVRE = "manoeuvre"  # a departure was detected and not yet reviewed


class ObservationKind(StrEnum):
    """What a sensor or an operator reported."""

    TLE = "tle"  # a two-line element set (Earth orbit, SGP4)
    STATE = "state"  # position and velocity at a time (two-body propagation)


class Readiness(StrEnum):
    """How soon an asset can be used."""

    READY = "ready"
    STANDBY = "standby"
    DEGRADED = "degraded"
    UNAVAILABLE = "unavailable"
