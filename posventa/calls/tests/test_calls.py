"""The call records and the detail written from them."""

from datetime import date, datetime
from decimal import Decimal
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
from django.db import IntegrityError
from openpyxl import load_workbook

from posventa.calls import adapters
from posventa.calls.models import CallRecord, CallSource
from posventa.calls.rules import months_offered
from posventa.calls.services import call_detail_collect, call_detail_xlsx, duration_text
from posventa.factories import PlanFactory, ProductFactory, product_type

LA_PAZ = ZoneInfo("America/La_Paz")


@pytest.fixture
def line(db):
    plan = PlanFactory(code="LF-T", product_type=product_type("fixed_line"))
    return ProductFactory(plan=plan, service_number="4427000")


def record(line, started_at, cost="0.50", source=CallSource.COMTECO, **extra):
    return CallRecord.objects.create(
        product=line,
        started_at=started_at,
        called_number=extra.get("called_number", "4421234"),
        destination="Cochabamba local",
        duration_seconds=extra.get("seconds", 60),
        cost=Decimal(cost),
        source=source,
    )


def test_a_month_is_its_local_days_from_the_first_to_the_last(line):
    record(line, datetime(2026, 1, 31, 23, 59, tzinfo=LA_PAZ), called_number="last-of-january")
    record(line, datetime(2026, 2, 1, 0, 0, tzinfo=LA_PAZ), called_number="first-of-february")
    record(line, datetime(2026, 2, 28, 23, 59, tzinfo=LA_PAZ), called_number="last-of-february")
    record(line, datetime(2026, 2, 10, tzinfo=LA_PAZ), source=CallSource.BOLIVIATEL)
    found = adapters.calls(service_number="4427000", source="comteco", month=date(2026, 2, 1))
    assert [c.called_number for c in found] == ["first-of-february", "last-of-february"]


def test_the_database_refuses_a_negative_cost(line):
    with pytest.raises(IntegrityError):
        record(line, datetime(2026, 2, 1, tzinfo=LA_PAZ), cost="-0.10")


def test_the_database_refuses_an_unknown_source(line):
    with pytest.raises(IntegrityError):
        record(line, datetime(2026, 2, 1, tzinfo=LA_PAZ), source="carrier")


def test_the_excel_totals_each_line_and_month_in_bs(line):
    record(line, datetime(2026, 2, 3, tzinfo=LA_PAZ), cost="0.35", seconds=61)
    record(line, datetime(2026, 2, 4, tzinfo=LA_PAZ), cost="1.10", seconds=3600)
    detail = call_detail_collect(products=[line], source="comteco", months=["2026-02", "2026-01"])
    assert [p.month for p in detail.parts] == ["2026-01", "2026-02"]
    assert detail.total_cost == Decimal("1.45") and detail.call_count == 2
    book = load_workbook(BytesIO(call_detail_xlsx(detail)))
    rows = list(book["Resumen"].iter_rows(values_only=True))
    assert rows[1:] == [
        ("4427000", "01/2026", 0, 0, 0),
        ("4427000", "02/2026", 2, 3661, 1.45),
        ("Total", None, 2, 3661, 1.45),
    ]


@pytest.mark.parametrize(
    ("seconds", "text"), [(0, "0:00"), (59, "0:59"), (61, "1:01"), (3661, "1:01:01")]
)
def test_durations_read_as_minutes_and_seconds(seconds, text):
    assert duration_text(seconds) == text


def test_twelve_months_are_offered_the_current_one_first():
    months = months_offered(date(2026, 3, 31))
    assert months[0] == date(2026, 3, 1) and months[-1] == date(2025, 4, 1) and len(months) == 12
