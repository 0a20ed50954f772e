from datetime import date, timedelta
from decimal import Decimal

import pytest

from posventa.billing.models import Invoice
from posventa.billing.rules import (
    AGEING_BUCKETS,
    AGEING_BY_CODE,
    ageing_bucket,
    amount_owed,
    days_overdue,
    due_date_for,
    is_overdue,
    overdue_q,
    owed_expression,
)
from posventa.factories import InvoiceFactory, ProductFactory


@pytest.mark.parametrize(
    ("period", "due"),
    [
        (date(2025, 1, 1), date(2025, 2, 20)),
        (date(2025, 1, 31), date(2025, 2, 20)),  # any day of the month means the month
        (date(2025, 12, 1), date(2026, 1, 20)),  # December falls due in January
        (date(2024, 2, 1), date(2024, 3, 20)),
    ],
)
def test_a_months_invoice_falls_due_on_the_20th_of_the_next_month(period, due):
    assert due_date_for(period) == due


# --- What is owed, and when it is overdue ---------------------------------------------------

TODAY = date(2025, 6, 10)


@pytest.mark.parametrize(
    ("amount", "amount_paid", "owed"),
    [
        (Decimal("250.00"), Decimal("0.00"), Decimal("250.00")),
        (Decimal("250.00"), Decimal("100.50"), Decimal("149.50")),  # in part: the remainder
        (Decimal("250.00"), Decimal("250.00"), Decimal("0.00")),  # paid, on time or late
        (Decimal("0.00"), Decimal("0.00"), Decimal("0.00")),  # a free month
    ],
)
def test_amount_owed_is_the_amount_less_what_was_paid(amount, amount_paid, owed):
    assert amount_owed(amount=amount, amount_paid=amount_paid) == owed


@pytest.mark.parametrize(
    ("due_date", "owed", "overdue", "days"),
    [
        (TODAY, Decimal("250"), False, 0),  # due today: still in time
        (TODAY + timedelta(days=1), Decimal("250"), False, 0),  # not due yet
        (TODAY - timedelta(days=1), Decimal("250"), True, 1),  # due yesterday: overdue
        (TODAY - timedelta(days=1), Decimal("0.01"), True, 1),  # a cent left is a debt
        (TODAY - timedelta(days=40), Decimal("0"), False, 40),  # paid (even late): owes nothing
    ],
)
def test_is_overdue_when_something_is_owed_after_the_due_date(due_date, owed, overdue, days):
    assert is_overdue(due_date=due_date, owed=owed, today=TODAY) is overdue
    assert days_overdue(due_date=due_date, today=TODAY) == days


@pytest.mark.parametrize(
    ("days", "bucket"),
    [
        (0, None),
        (1, "1-30"),
        (30, "1-30"),
        (31, "31-60"),
        (60, "31-60"),
        (61, "61-90"),
        (90, "61-90"),
        (91, "90+"),
        (4000, "90+"),
    ],
)
def test_ageing_bucket_at_its_edges(days, bucket):
    found = ageing_bucket(days)
    assert (found.code if found else None) == bucket
    if found is not None:
        # The band's due dates hold exactly the invoices that many days overdue.
        earliest, latest = found.due_dates(TODAY)
        due = TODAY - timedelta(days=days)
        assert (earliest is None or earliest <= due) and due <= latest


def test_the_ageing_buckets_cover_every_day_overdue_once():
    for days in range(1, 200):
        assert sum(bucket.holds(days) for bucket in AGEING_BUCKETS) == 1
    assert [b.code for b in AGEING_BUCKETS] == list(AGEING_BY_CODE)


# --- The rule in the database agrees with the rule in Python ---------------------------------


@pytest.mark.django_db
def test_overdue_q_agrees_with_is_overdue():
    product = ProductFactory()
    cases = [
        # period, due date, amount, paid so far, paid on
        (date(2025, 1, 1), TODAY, "250", "0", None),
        (date(2025, 2, 1), TODAY - timedelta(days=1), "250", "0", None),
        (date(2025, 3, 1), TODAY - timedelta(days=1), "250", "100", None),
        (date(2025, 4, 1), TODAY - timedelta(days=30), "250", "250", TODAY),  # paid late
        (date(2025, 5, 1), TODAY - timedelta(days=10), "0", "0", None),
        (date(2024, 12, 1), TODAY + timedelta(days=5), "250", "0", None),
    ]
    for period, due, amount, paid, paid_on in cases:
        InvoiceFactory(
            product=product,
            period=period,
            due_date=due,
            amount=Decimal(amount),
            amount_paid=Decimal(paid),
            paid_on=paid_on,
        )
    in_database = set(Invoice.objects.filter(overdue_q(TODAY)).values_list("pk", flat=True))
    in_python = {i.pk for i in Invoice.objects.all() if i.is_overdue(TODAY)}
    assert in_database == in_python
    assert len(in_python) == 2
    owed = dict(Invoice.objects.annotate(o=owed_expression()).values_list("pk", "o"))
    assert all(Decimal(owed[i.pk]) == i.owed for i in Invoice.objects.all())
