"""Central bodies a vessel may orbit, with their gravitational parameters and radii."""

from __future__ import annotations

from dataclasses import dataclass

from muster.errors import Invalid


@dataclass(frozen=True)
class Body:
    """A central body: ``mu`` in km^3/s^2, mean ``radius`` in km."""

    name: str
    mu: float
    radius: float


# Gravitational parameters: IAU 2015 / JPL DE440 values; Earth's matches WGS-84.
BODIES: dict[str, Body] = {
    "earth": Body("earth", 398600.4418, 6378.137),
    "venus": Body("venus", 324858.592, 6051.8),
    "mars": Body("mars", 42828.37, 3389.5),
    "moon": Body("moon", 4902.800, 1737.4),
}


def body_named(name: str) -> Body:
    """The body called ``name``, or Invalid naming the known ones."""
    found = BODIES.get(name.strip().lower())
    if found is None:
        raise Invalid(f"unknown central body {name!r}; use one of: {', '.join(sorted(BODIES))}")
    return found
