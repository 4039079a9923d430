"""Finding the parts of Muster installed in this build."""

from __future__ import annotations

from importlib.util import find_spec


def installed(module: str) -> bool:
    """True when ``module`` exists in this build."""
    try:
        return find_spec(module) is not None
    except ModuleNotFoundError:
        return False
