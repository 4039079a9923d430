"""Vocabulary of airlocks and doors under policy."""

from enum import StrEnum


class Direction(StrEnum):
    """Which way a person asks to pass a portal. Exit goes from inside to outside."""

    EXIT = "exit"
    ENTER = "enter"


class HoldKind(StrEnum):
    """Why a person is held: a provisional hold by command, or a medical hold by a medic."""

    PROVISIONAL = "provisional"
    MEDICAL = "medical"


def cedar_action(portal_kind: str, direction: Direction) -> str:
    """The Cedar action of a passage: airlocks "exit"/"enter", internal doors "pass"."""
    if portal_kind == "airlock":
        return direction.value
    return "pass"
