"""Amounts in Bolivianos (Bs): Decimal with two places, rounded half up.

One way to write numbers for people, the Bolivian one: "." between thousands
and "," before the decimals — "Bs 1.234,50", "1.234,5 m". Every page, PDF,
e-mail, instruction, interaction text and dropdown label writes amounts with
these helpers (in templates, the `bs`, `amount` and `number` filters of
`web`). Numbers for machines — HTML attributes, JavaScript, SVG, CSV — are
never written this way (`unlocalize`), and Excel cells hold numbers with a
number format, not text (`common/exports.py`).
"""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENTS = Decimal("0.01")


def bs(value) -> Decimal:
    """Round any number to Bolivianos and cents."""
    return Decimal(str(value)).quantize(CENTS, rounding=ROUND_HALF_UP)


def format_number(value, places: int | None = None) -> str:
    """1.234,56 — thousands with ".", decimals with ","; `places` rounds
    half up to that many decimals (None keeps the number's own, without
    trailing zeros: 12 → "12", 12.50 → "12,5"). Text that is not a number
    is returned as it came."""
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return str(value)
    if not number.is_finite():
        return str(value)
    if places is None:
        number = number.normalize() if number == number.to_integral_value() else number
        text = f"{number:,f}"
        if "." in text:
            text = text.rstrip("0").rstrip(".")
    else:
        number = number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
        text = f"{number:,.{places}f}"
    if text.startswith("-") and not text.strip("-0.,"):
        text = text[1:]  # no "-0,00"
    return text.replace(",", "_").replace(".", ",").replace("_", ".")


def format_amount(value) -> str:
    """1.234,50 — an amount without its currency, for a column headed "Bs"
    or a sentence that already says "Bs"."""
    return format_number(bs(value), 2)


def format_bs(value) -> str:
    """Bs 1.234,50 — the way amounts are written in Bolivia."""
    return f"Bs {format_amount(value)}"
