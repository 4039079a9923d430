"""Exact quantities: Decimal in, Decimal stored, plain text out."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from muster.errors import Invalid
from muster.logistics.models import QUANTITY_PRECISION, QUANTITY_SCALE, Item

ZERO = Decimal(0)
MAX_QUANTITY = Decimal(10) ** (QUANTITY_PRECISION - QUANTITY_SCALE) - 1


def quantity_text(value: Decimal) -> str:
    """A quantity written without trailing zeros or exponent: ``12``, ``0.25``."""
    text = format(value.normalize(), "f")
    return text if text != "-0" else "0"


def parse_quantity(value: str | int | Decimal, *, what: str = "quantity") -> Decimal:
    """A Decimal from text or a number; floats are refused so nothing is rounded unseen."""
    if isinstance(value, float):
        raise Invalid(f"{what} must be given exactly (as text or an integer), not as a float")
    try:
        number = Decimal(str(value).strip()) if not isinstance(value, Decimal) else value
    except InvalidOperation:
        raise Invalid(f"{what} {value!r} is not a number") from None
    if not number.is_finite():
        raise Invalid(f"{what} {value!r} is not a finite number")
    return number


def check_quantity(item: Item, quantity: Decimal, *, allow_zero: bool = False) -> Decimal:
    """Refuse a quantity this item cannot have: negative, too precise, or a part of a unit."""
    if not quantity.is_finite():
        raise Invalid(f"the quantity of {item.name} must be a finite number")
    if quantity < ZERO or (quantity == ZERO and not allow_zero):
        raise Invalid(f"the quantity of {item.name} must be more than zero, not {quantity}")
    if quantity > MAX_QUANTITY:
        raise Invalid(f"the quantity of {item.name} must be at most {MAX_QUANTITY}")
    exponent = quantity.normalize().as_tuple().exponent
    if isinstance(exponent, int) and -exponent > QUANTITY_SCALE:
        raise Invalid(
            f"the quantity of {item.name} has more than {QUANTITY_SCALE} decimal places: {quantity}"
        )
    if item.tracked and quantity != quantity.to_integral_value():
        raise Invalid(f"{item.name} is counted in whole units; {quantity} is not a whole number")
    return quantity
