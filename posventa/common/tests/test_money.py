from decimal import Decimal

import pytest

from posventa.common.money import bs, format_amount, format_bs, format_number


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("10.005"), Decimal("10.01")),  # half up, not banker's rounding
        (Decimal("10.015"), Decimal("10.02")),
        (Decimal("10.004"), Decimal("10.00")),
        (Decimal("-10.005"), Decimal("-10.01")),  # half away from zero
        (2.675, Decimal("2.68")),  # the float's text, not its binary value
        (70, Decimal("70.00")),
        ("1234.5", Decimal("1234.50")),
    ],
)
def test_amounts_are_rounded_half_up_to_cents(value, expected):
    assert bs(value) == expected
    assert bs(value).as_tuple().exponent == -2


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Decimal("1234.5"), "Bs 1.234,50"),
        (Decimal("0"), "Bs 0,00"),
        (Decimal("70"), "Bs 70,00"),
        (Decimal("12.345"), "Bs 12,35"),
        (Decimal("1234567.891"), "Bs 1.234.567,89"),
        (Decimal("999.999"), "Bs 1.000,00"),
        (Decimal("-1234.5"), "Bs -1.234,50"),
    ],
)
def test_amounts_are_written_the_bolivian_way(value, text):
    assert format_bs(value) == text


@pytest.mark.parametrize(
    ("value", "places", "text"),
    [
        (Decimal("1234.5"), None, "1.234,5"),
        (Decimal("50.00"), None, "50"),  # a percentage: no needless decimals
        (1500, None, "1.500"),
        ("35.5", None, "35,5"),
        (Decimal("1234.5"), 2, "1.234,50"),
        (2.675, 2, "2,68"),
        (Decimal("-0.001"), 2, "0,00"),  # never "-0,00"
        (Decimal("1234567"), 0, "1.234.567"),
        ("no es un número", None, "no es un número"),
    ],
)
def test_quantities_are_written_the_bolivian_way(value, places, text):
    assert format_number(value, places) == text


def test_an_amount_without_its_currency_for_a_column_headed_bs():
    assert format_amount("2620") == "2.620,00"
