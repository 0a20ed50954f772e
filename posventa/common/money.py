"""Amounts in Bolivianos (Bs): Decimal with two places, rounded half up."""

from decimal import ROUND_HALF_UP, Decimal

CENTS = Decimal("0.01")


def bs(value) -> Decimal:
    """Round any number to Bolivianos and cents."""
    return Decimal(str(value)).quantize(CENTS, rounding=ROUND_HALF_UP)


def format_bs(value) -> str:
    """Bs 1.234,50 — the way amounts are written in Bolivia."""
    text = f"{bs(value):,.2f}".replace(",", "_").replace(".", ",").replace("_", ".")
    return f"Bs {text}"
