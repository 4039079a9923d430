"""Vocabulary of logistics and engineering."""

from enum import StrEnum


class ItemKind(StrEnum):
    """What an item is; weapons are signed out only to the roles the policy allows."""

    WEAPON = "weapon"
    EQUIPMENT = "equipment"
    MATERIAL = "material"
    CONSUMABLE = "consumable"
    MEDICAL = "medical"
    TOOL = "tool"
    OTHER = "other"


class LocationKind(StrEnum):
    """Where stock can be: a zone, a post, a person, or on its way in a delivery."""

    ZONE = "zone"
    POST = "post"
    PERSON = "person"
    TRANSIT = "transit"  # picked for a delivery and not yet signed for


class MovementReason(StrEnum):
    """Why stock moved."""

    RECEIVED = "received"
    TRANSFERRED = "transferred"
    ADJUSTED = "adjusted"
    CONSUMED = "consumed"
    PRODUCED = "produced"
    SIGNED_OUT = "signed_out"
    SIGNED_BACK = "signed_back"
    PICKED = "picked"
    DELIVERED = "delivered"
    STOCKTAKE = "stocktake"
    LOST = "lost"  # a unit lost while signed out, written off from its custody chain


class UnitStatus(StrEnum):
    """The state of one tracked unit."""

    AVAILABLE = "available"
    SIGNED_OUT = "signed_out"
    IN_TRANSIT = "in_transit"
    WRITTEN_OFF = "written_off"
    LOST = "lost"  # lost while signed out; its custody chain ends in a loss, not a return


class HolderKind(StrEnum):
    """Who holds a unit signed out: a person or a post."""

    PERSON = "person"
    POST = "post"


class Priority(StrEnum):
    """Precedence of a request, in the words the station's orders use."""

    ROUTINE = "routine"
    PRIORITY = "priority"
    IMMEDIATE = "immediate"
    FLASH = "flash"


class RequestStatus(StrEnum):
    """Where a supply request stands."""

    REQUESTED = "requested"
    APPROVED = "approved"
    REJECTED = "rejected"
    IN_PROGRESS = "in_progress"  # some deliveries picked or confirmed
    DELIVERED = "delivered"
    CANCELLED = "cancelled"


class DeliveryStatus(StrEnum):
    """Where one delivery to one destination stands."""

    PENDING = "pending"
    PICKED = "picked"
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"


class WorkOrderKind(StrEnum):
    """Make something new, or repair a unit."""

    MAKE = "make"
    REPAIR = "repair"


class WorkOrderStatus(StrEnum):
    """Where a work order stands."""

    OPEN = "open"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    CANCELLED = "cancelled"


class Outcome(StrEnum):
    """Outcome of a test of a work order's product."""

    PASSED = "passed"
    FAILED = "failed"
