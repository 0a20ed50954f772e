"""Procedure D asks "is the account up to date?"; procedure I, "which product owes?"."""

from datetime import date
from decimal import Decimal

import pytest

from posventa.billing.selectors import (
    account_status,
    debt_by_product,
    is_account_up_to_date,
    overdue_invoices,
    owing_invoices,
)
from posventa.factories import CompanyFactory, InvoiceFactory, PlanFactory, ProductFactory

pytestmark = pytest.mark.django_db

TODAY = date(2025, 6, 10)


@pytest.fixture
def company():
    return CompanyFactory()


def _invoice(product, period, amount, *, paid_on=None, due_date=None, amount_paid=None):
    kwargs = {"product": product, "period": period, "amount": Decimal(amount), "paid_on": paid_on}
    if amount_paid is not None:
        kwargs["amount_paid"] = Decimal(amount_paid)
    if due_date:
        kwargs["due_date"] = due_date
    return InvoiceFactory(**kwargs)


def _both(company, today=TODAY):
    """The two ways of asking must agree."""
    status = account_status(company=company, today=today)
    assert status.up_to_date is is_account_up_to_date(company=company, today=today)
    return status


def test_a_customer_without_invoices_is_up_to_date(company):
    status = _both(company)
    assert status.up_to_date
    assert status.pending_amount == 0
    assert status.pending_invoices == 0
    assert status.oldest_overdue_due_date is None


def test_all_invoices_paid_means_up_to_date(company):
    product = ProductFactory(company=company)
    _invoice(product, date(2025, 3, 1), "250", paid_on=date(2025, 4, 10))
    _invoice(product, date(2025, 4, 1), "250", paid_on=date(2025, 5, 12))
    status = _both(company)
    assert status.up_to_date
    assert status.pending_amount == 0


def test_an_invoice_pending_past_its_due_date_means_not_up_to_date(company):
    product = ProductFactory(company=company)
    _invoice(product, date(2025, 3, 1), "250", paid_on=date(2025, 4, 10))
    _invoice(product, date(2025, 4, 1), "262.50")  # due 20 May 2025, unpaid on 10 June
    status = _both(company)
    assert not status.up_to_date
    assert status.overdue_invoices == 1
    assert status.overdue_amount == Decimal("262.50")
    assert status.oldest_overdue_due_date == date(2025, 5, 20)


def test_pending_but_not_yet_due_is_still_up_to_date(company):
    product = ProductFactory(company=company)
    _invoice(product, date(2025, 5, 1), "250")  # due 20 June 2025
    status = _both(company)
    assert status.up_to_date
    assert status.pending_invoices == 1
    assert status.pending_amount == Decimal("250.00")
    assert status.overdue_invoices == 0
    assert status.overdue_amount == 0


def test_the_due_date_itself_is_still_in_time(company):
    product = ProductFactory(company=company)
    _invoice(product, date(2025, 5, 1), "250")  # due 20 June 2025
    assert _both(company, today=date(2025, 6, 20)).up_to_date
    assert not _both(company, today=date(2025, 6, 21)).up_to_date


def test_paid_late_is_up_to_date(company):
    product = ProductFactory(company=company)
    _invoice(product, date(2025, 2, 1), "250", paid_on=date(2025, 6, 1))  # due 20 March
    assert _both(company).up_to_date


def test_another_customers_debt_does_not_count(company):
    _invoice(ProductFactory(), date(2025, 1, 1), "250")
    assert _both(company).up_to_date


def test_the_account_adds_up_every_product(company):
    line, internet = ProductFactory(company=company), ProductFactory(company=company)
    _invoice(line, date(2025, 3, 1), "100")  # due 20 April: overdue
    _invoice(internet, date(2025, 4, 1), "200.50")  # due 20 May: overdue
    _invoice(internet, date(2025, 5, 1), "200.50")  # due 20 June: pending
    _invoice(internet, date(2025, 2, 1), "999", paid_on=date(2025, 3, 1))
    status = _both(company)
    assert status.pending_invoices == 3
    assert status.pending_amount == Decimal("501.00")
    assert status.overdue_invoices == 2
    assert status.overdue_amount == Decimal("300.50")
    assert status.oldest_overdue_due_date == date(2025, 4, 20)


def test_a_partly_paid_invoice_owes_its_remainder(company):
    product = ProductFactory(company=company)
    _invoice(product, date(2025, 4, 1), "250", amount_paid="100")  # due 20 May: overdue
    _invoice(product, date(2025, 5, 1), "250", amount_paid="50")  # due 20 June: pending
    status = _both(company)
    assert not status.up_to_date
    assert (status.pending_invoices, status.pending_amount) == (2, Decimal("350.00"))
    assert (status.overdue_invoices, status.overdue_amount) == (1, Decimal("150.00"))


def test_the_account_status_is_one_query(company, django_assert_num_queries):
    product = ProductFactory(company=company)
    for month in (2, 3, 4, 5):
        _invoice(product, date(2025, month, 1), "250")
    with django_assert_num_queries(1):
        account_status(company=company, today=TODAY)
    with django_assert_num_queries(1):
        is_account_up_to_date(company=company, today=TODAY)


# --- debt_by_product ------------------------------------------------------------


@pytest.fixture
def debts(company):
    plan = PlanFactory(monthly_price=Decimal("180.00"))
    late = ProductFactory(company=company, service_number="4400010", plan=plan)
    later = ProductFactory(company=company, service_number="4400020", plan=plan)
    in_time = ProductFactory(company=company, service_number="4400030", plan=plan)
    paid_up = ProductFactory(company=company, service_number="4400040", plan=plan)
    ProductFactory(company=company, service_number="4400050")  # never invoiced
    # The oldest debt: since 20 March.
    _invoice(late, date(2025, 2, 1), "180")
    _invoice(late, date(2025, 3, 1), "180")
    _invoice(late, date(2025, 5, 1), "180")  # not yet due
    _invoice(later, date(2025, 4, 1), "95.25")  # due 20 May
    _invoice(in_time, date(2025, 5, 1), "180")  # due 20 June: pending, not overdue
    _invoice(paid_up, date(2025, 4, 1), "180", paid_on=date(2025, 5, 2))
    _invoice(ProductFactory(service_number="4400000"), date(2025, 1, 1), "500")  # elsewhere
    return {"late": late, "later": later, "in_time": in_time}


def test_only_products_that_owe_most_overdue_first(company, debts):
    rows = debt_by_product(company=company, today=TODAY)
    assert [d.product for d in rows] == [debts["late"], debts["later"], debts["in_time"]]


def test_each_products_amounts_and_overdue_counts(company, debts):
    late, later, in_time = debt_by_product(company=company, today=TODAY)
    assert (late.pending_invoices, late.pending_amount) == (3, Decimal("540.00"))
    assert (late.overdue_invoices, late.overdue_amount) == (2, Decimal("360.00"))
    assert late.oldest_overdue_due_date == date(2025, 3, 20)
    assert (later.overdue_invoices, later.overdue_amount) == (1, Decimal("95.25"))
    assert (in_time.pending_invoices, in_time.pending_amount) == (1, Decimal("180.00"))
    assert (in_time.overdue_invoices, in_time.overdue_amount) == (0, Decimal("0.00"))
    assert in_time.oldest_overdue_due_date is None


def test_days_overdue_counts_from_the_oldest_due_date(company, debts):
    late, later, in_time = debt_by_product(company=company, today=TODAY)
    assert late.days_overdue(TODAY) == 82  # 20 March → 10 June
    assert later.days_overdue(TODAY) == 21  # 20 May → 10 June
    assert in_time.days_overdue(TODAY) == 0


def test_a_customer_who_owes_nothing_has_no_rows(company):
    product = ProductFactory(company=company)
    _invoice(product, date(2025, 4, 1), "180", paid_on=date(2025, 5, 2))
    assert debt_by_product(company=company, today=TODAY) == []


def test_the_debts_cost_one_aggregate_query_and_one_for_the_products(
    company, debts, django_assert_num_queries
):
    with django_assert_num_queries(2):
        rows = debt_by_product(company=company, today=TODAY)
        # The product, its plan and its type come along: no query per row.
        labels = [(d.product.service_number, d.product.plan.product_type.name) for d in rows]
    assert len(labels) == 3


def test_debt_by_product_agrees_with_the_account_status(company, debts):
    status = account_status(company=company, today=TODAY)
    rows = debt_by_product(company=company, today=TODAY)
    assert sum(d.pending_amount for d in rows) == status.pending_amount
    assert sum(d.overdue_amount for d in rows) == status.overdue_amount
    assert sum(d.overdue_invoices for d in rows) == status.overdue_invoices
    assert min(d.oldest_overdue_due_date for d in rows if d.oldest_overdue_due_date) == (
        status.oldest_overdue_due_date
    )


# --- overdue_invoices: the one selector of what is overdue ---------------------------------


@pytest.fixture
def edges(company):
    """One invoice per edge of the rule, on 10 June 2025."""
    product = ProductFactory(company=company, plan=PlanFactory(monthly_price=Decimal("250.00")))

    def make(period, due, **kwargs):
        return _invoice(product, period, "250", due_date=due, **kwargs)

    return {
        "due_today": make(date(2025, 5, 1), TODAY),
        "due_yesterday": make(date(2025, 4, 1), date(2025, 6, 9)),
        "paid_late": make(date(2025, 3, 1), date(2025, 4, 20), paid_on=date(2025, 6, 1)),
        "partly_paid": make(date(2025, 2, 1), date(2025, 3, 20), amount_paid="80.25"),
        "not_due": make(date(2025, 6, 1), date(2025, 7, 20)),
    }


def test_overdue_invoices_are_those_still_owing_after_their_due_date(company, edges):
    found = list(overdue_invoices(today=TODAY, company=company))
    assert found == [edges["partly_paid"], edges["due_yesterday"]]  # the oldest due first
    assert [i.owed for i in found] == [Decimal("169.75"), Decimal("250.00")]
    assert all(i.is_overdue(TODAY) for i in found)


def test_owing_invoices_add_those_not_yet_due_with_their_remainder(company, edges):
    found = {i.pk: i.owed for i in owing_invoices(company=company)}
    assert found == {
        edges["partly_paid"].pk: Decimal("169.75"),
        edges["due_yesterday"].pk: Decimal("250.00"),
        edges["due_today"].pk: Decimal("250.00"),
        edges["not_due"].pk: Decimal("250.00"),
    }


def test_overdue_invoices_of_everyone_or_of_one_company(company, edges):
    other = _invoice(ProductFactory(), date(2025, 1, 1), "99")  # another customer, overdue
    everyone = set(overdue_invoices(today=TODAY))
    assert everyone == {edges["partly_paid"], edges["due_yesterday"], other}
    assert other not in set(overdue_invoices(today=TODAY, company=company))
    # Tomorrow, the invoice due today is overdue too.
    tomorrow = overdue_invoices(today=date(2025, 6, 11), company=company)
    assert edges["due_today"] in set(tomorrow)
