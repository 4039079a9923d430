"""Vocabulary of the places registry."""

from enum import StrEnum


class ZoneKind(StrEnum):
    """What a zone is."""

    INTERNAL = "internal"
    COLLAR = "collar"  # a docking collar outside an airlock


class PortalKind(StrEnum):
    """An airlock to the outside, or a door between two internal zones."""

    AIRLOCK = "airlock"
    DOOR = "door"


class PortalMode(StrEnum):
    """How a portal is run right now."""

    NORMAL = "normal"
    LOCKDOWN = "lockdown"
    EVACUATION = "evacuation"
    MAINTENANCE = "maintenance"
