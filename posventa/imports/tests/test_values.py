"""A cell read as what its column means (imports/values.py)."""

from datetime import date, datetime
from decimal import Decimal

import pytest

from posventa.imports.values import (
    Invalid,
    a_date,
    a_month,
    amount,
    clean_text,
    whole_number,
    yes_no,
)


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("1.234,50", "1234.50"),
        ("Bs 1.234,50", "1234.50"),
        ("Bs. 1.234,50", "1234.50"),
        ("1234,5", "1234.50"),
        ("1234.50", "1234.50"),
        ("1,234.50", "1234.50"),
        ("1.234", "1234.00"),
        ("1.234.567", "1234567.00"),
        ("250", "250.00"),
        ("0,10", "0.10"),
        ("1 234,50", "1234.50"),
        ("1234,50 Bs", "1234.50"),
        (1234.5, "1234.50"),
        (0.1 + 0.2, "0.30"),
        (250, "250.00"),
    ],
)
def test_an_amount_is_read_the_bolivian_way_or_with_a_decimal_point_never_as_float(cell, expected):
    result = amount(cell)
    assert isinstance(result, Decimal)
    assert str(result) == expected


@pytest.mark.parametrize(
    "cell",
    [
        "-12,50",
        "(12,50)",
        "Bs -5",
        "1234,567",
        "12.3456",
        "USD 100",
        "doce",
        "1.23.4",
        "1,2,3",
        True,
        1.234,
        float("nan"),
        "99999999999,00",
    ],
)
def test_what_is_not_an_amount_in_bs_is_refused(cell):
    with pytest.raises(Invalid):
        amount(cell)


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("05/10/2026", date(2026, 10, 5)),
        ("5/1/2026", date(2026, 1, 5)),
        ("2026-10-05", date(2026, 10, 5)),
        ("05-10-2026", date(2026, 10, 5)),
        ("05.10.2026", date(2026, 10, 5)),
        ("2026-10-05 14:30:00", date(2026, 10, 5)),
        (date(2026, 10, 5), date(2026, 10, 5)),
        (datetime(2026, 10, 5, 9, 0), date(2026, 10, 5)),
        (46300.0, date(2026, 10, 5)),
    ],
)
def test_a_date_is_an_excel_date_dd_mm_yyyy_or_yyyy_mm_dd(cell, expected):
    assert a_date(cell) == expected


@pytest.mark.parametrize(
    "cell",
    ["31/02/2026", "29/02/2025", "10/2026", "05/10/26", "ayer", "2026-13-01", "01/01/1850", True],
)
def test_a_day_that_does_not_exist_is_refused(cell):
    with pytest.raises(Invalid):
        a_date(cell)


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("10/2026", date(2026, 10, 1)),
        ("2026-10", date(2026, 10, 1)),
        ("202610", date(2026, 10, 1)),
        (202610.0, date(2026, 10, 1)),
        ("octubre 2026", date(2026, 10, 1)),
        ("Oct-2026", date(2026, 10, 1)),
        ("setiembre de 2026", date(2026, 9, 1)),
        ("17/10/2026", date(2026, 10, 1)),
        (date(2026, 10, 17), date(2026, 10, 1)),
    ],
)
def test_a_billed_month_is_its_first_day_however_written(cell, expected):
    assert a_month(cell) == expected


@pytest.mark.parametrize("cell", ["13/2026", "2026-00", "brumario 2026", "2026"])
def test_a_month_that_does_not_exist_is_refused(cell):
    with pytest.raises(Invalid):
        a_month(cell)


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("Sí", True),
        ("si", True),
        ("SI", True),
        ("x", True),
        (True, True),
        (1.0, True),
        ("No", False),
        ("n", False),
        (False, False),
        ("0", False),
    ],
)
def test_yes_or_no_in_the_ways_a_spreadsheet_writes_it(cell, expected):
    assert yes_no(cell) is expected


def test_a_whole_number_is_bounded():
    months = whole_number(0, 60)
    assert months(12.0) == 12 and months("60") == 60
    for cell in ("61", "-1", 12.5, "doce"):
        with pytest.raises(Invalid):
            months(cell)


def test_a_cell_as_text_loses_control_characters_and_extra_spaces():
    assert clean_text("  Av.\u00a0Ballivián\x00   123 \n") == "Av. Ballivián 123"
    assert clean_text(1020304050.0) == "1020304050"
    assert clean_text(date(2026, 10, 5)) == "05/10/2026"


def test_a_date_cell_in_an_amount_column_is_no_amount():
    with pytest.raises(Invalid):
        amount(date(2026, 10, 5))
