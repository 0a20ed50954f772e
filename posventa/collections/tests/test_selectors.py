"""The debtors list reads only what is overdue: who owes past a due date, how
much is still owed, since when, in which ageing band — searched, filtered and
scoped by the user."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from posventa.accounts.roles import Role
from posventa.billing.services import invoice_mark_paid
from posventa.collections import selectors
from posventa.factories import CompanyFactory, InvoiceFactory, ProductFactory

pytestmark = pytest.mark.django_db

TODAY = date(2026, 3, 2)


def owing(company, *, days: int, amount="100.00", period=date(2025, 1, 1), **kwargs):
    """An invoice of the company due `days` before TODAY (0: due today)."""
    return InvoiceFactory(
        product=ProductFactory(company=company),
        period=period,
        due_date=TODAY - timedelta(days=days),
        amount=Decimal(amount),
        **kwargs,
    )


def names(rows) -> list[str]:
    return [d.company.legal_name for d in selectors.debtors_of(rows, today=TODAY)]


@pytest.fixture
def ages(team):
    """One customer of the executive per edge of the ageing bands."""
    companies = {}
    for days in (1, 30, 31, 60, 61, 90, 91):
        company = CompanyFactory(executive=team[Role.EXECUTIVE], legal_name=f"Mora {days:03d}")
        owing(company, days=days)
        companies[days] = company
    return companies


def rows(user, **filters):
    return selectors.debtor_rows(user=user, today=TODAY, **filters)


@pytest.mark.parametrize(
    ("bucket", "expected"),
    [
        ("", ["Mora 091", "Mora 090", "Mora 061", "Mora 060", "Mora 031", "Mora 030", "Mora 001"]),
        ("1-30", ["Mora 030", "Mora 001"]),
        ("31-60", ["Mora 060", "Mora 031"]),
        ("61-90", ["Mora 090", "Mora 061"]),
        ("90+", ["Mora 091"]),
        (
            "nonsense",
            ["Mora 091", "Mora 090", "Mora 061", "Mora 060", "Mora 031", "Mora 030", "Mora 001"],
        ),
    ],
)
def test_the_ageing_band_filter_at_its_edges(team, ages, bucket, expected):
    assert names(rows(team[Role.EXECUTIVE], bucket=bucket)) == expected


def test_the_ageing_summary_counts_each_debtor_once_in_its_band(team, ages):
    summary = selectors.ageing_summary(rows(team[Role.EXECUTIVE]), today=TODAY)
    assert [(b.bucket.code, b.debtors, b.owed) for b in summary] == [
        ("1-30", 2, Decimal("200.00")),
        ("31-60", 2, Decimal("200.00")),
        ("61-90", 2, Decimal("200.00")),
        ("90+", 1, Decimal("100.00")),
    ]


def test_a_debtors_band_is_that_of_its_oldest_overdue_invoice(team):
    company = CompanyFactory(executive=team[Role.EXECUTIVE])
    product = ProductFactory(company=company)
    for period, days in [(date(2025, 11, 1), 70), (date(2025, 12, 1), 40), (date(2026, 1, 1), 5)]:
        InvoiceFactory(product=product, period=period, due_date=TODAY - timedelta(days=days))
    [debtor] = selectors.debtors_for(user=team[Role.EXECUTIVE], today=TODAY)
    assert (debtor.days_overdue, debtor.bucket.code, debtor.overdue_invoices) == (70, "61-90", 3)
    assert selectors.debtors_for(user=team[Role.EXECUTIVE], today=TODAY, bucket="1-30") == []


def test_only_what_is_overdue_and_still_owed_makes_a_debtor(team):
    executive = team[Role.EXECUTIVE]
    due_today = CompanyFactory(executive=executive, legal_name="Vence Hoy")
    owing(due_today, days=0)
    not_due = CompanyFactory(executive=executive, legal_name="No Vence")
    owing(not_due, days=-10)
    paid_late = CompanyFactory(executive=executive, legal_name="Pagó Tarde")
    invoice = owing(paid_late, days=20)
    invoice_mark_paid(invoice=invoice, paid_on=TODAY)
    partly = CompanyFactory(executive=executive, legal_name="Pagó Una Parte")
    owing(partly, days=1, amount="300.00", amount_paid=Decimal("120.50"))
    owing(partly, days=-5, amount="999.00", period=date(2025, 2, 1))  # not due: left out

    [debtor] = selectors.debtors_for(user=executive, today=TODAY)
    assert debtor.company == partly
    assert (debtor.owed, debtor.overdue_invoices, debtor.days_overdue) == (
        Decimal("179.50"),
        1,
        1,
    )
    [line] = debtor.products
    assert (line.owed, line.overdue_invoices, line.days_overdue) == (Decimal("179.50"), 1, 1)
    # Tomorrow, the invoice due today is overdue.
    tomorrow = selectors.debtors_for(user=executive, today=TODAY + timedelta(days=1))
    assert due_today in [d.company for d in tomorrow]


def test_search_by_name_trade_name_or_nit(team):
    executive = team[Role.EXECUTIVE]
    andes = CompanyFactory(executive=executive, legal_name="Transportes Andes S.A.", nit="3012345")
    valle = CompanyFactory(
        executive=executive, legal_name="Comercial V S.R.L.", trade_name="Valle Verde"
    )
    for company in (andes, valle):
        owing(company, days=10)
    assert names(rows(executive, search="andes")) == [andes.legal_name]
    assert names(rows(executive, search="  valle ")) == [valle.legal_name]
    assert names(rows(executive, search="301")) == [andes.legal_name]
    assert names(rows(executive, search="301-23")) == [andes.legal_name]  # separators ignored
    assert names(rows(executive, search="nadie")) == []


def test_each_user_sees_the_debtors_of_the_portfolios_she_sees(team, other_executive):
    mine = CompanyFactory(executive=team[Role.EXECUTIVE], legal_name="Mía")
    theirs = CompanyFactory(executive=other_executive, legal_name="Ajena")
    for company in (mine, theirs):
        owing(company, days=10)
    assert names(rows(team[Role.EXECUTIVE])) == ["Mía"]
    # The executive filter cannot reach another portfolio.
    assert names(rows(team[Role.EXECUTIVE], executive_id=other_executive.pk)) == []
    lead = team[Role.TEAM_LEAD]
    assert sorted(names(rows(lead))) == ["Ajena", "Mía"]
    assert names(rows(lead, executive_id=other_executive.pk)) == ["Ajena"]


def test_the_most_overdue_first_then_the_largest_debt(team):
    executive = team[Role.EXECUTIVE]
    for name, days, amount in [("B", 10, "50"), ("A", 10, "80"), ("C", 40, "10")]:
        owing(CompanyFactory(executive=executive, legal_name=name), days=days, amount=amount)
    assert names(rows(executive)) == ["C", "A", "B"]


@pytest.mark.parametrize("size", [2, 7])
def test_a_page_of_debtors_costs_the_same_queries_however_long(
    team, ages, size, django_assert_num_queries
):
    # The rows, the companies, the products' debts, the products, the open
    # cases, the promises.
    with django_assert_num_queries(6):
        debtors = selectors.debtors_of(rows(team[Role.EXECUTIVE])[:size], today=TODAY)
        shown = [
            (d.company.executive.pk, [p.product.plan.name for p in d.products]) for d in debtors
        ]
    assert len(shown) == size


def test_a_proforma_carries_what_earlier_invoices_still_owe(team):
    """Due or not yet due, partly paid: its remainder; paid: nothing."""
    company = CompanyFactory(executive=team[Role.EXECUTIVE])
    owing(company, days=-5, amount="250.00", amount_paid=Decimal("100.00"))
    product = owing(company, days=10, amount="80.00").product
    InvoiceFactory(product=product, period=date(2025, 2, 1), amount=Decimal("80.00"))
    paid = owing(company, days=20)
    invoice_mark_paid(invoice=paid, paid_on=TODAY)
    ids = list(company.products.values_list("pk", flat=True))
    assert sorted(selectors.pending_by_product(ids).values()) == [
        Decimal("150.00"),
        Decimal("160.00"),
    ]
