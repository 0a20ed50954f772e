"""The debtors list as an Excel file: one row per product of a debtor, the
page's filters (search, band, executive), every page of it, the user's
scope, money as numbers in Bs."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django.utils.translation import gettext as _

from posventa.accounts.roles import Role
from posventa.collections import exports
from posventa.collections.exports import DEBTOR_COLUMNS
from posventa.common.tests.xlsx import (
    assert_layout,
    assert_money,
    headers,
    no_writes,
    records,
    sheet_of,
    values,
)
from posventa.factories import CompanyFactory, InvoiceFactory, ProductFactory

pytestmark = pytest.mark.django_db

TODAY = date(2026, 3, 2)
URL = reverse("collections:debtors")


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(datetime(2026, 3, 2, 10, tzinfo=ZoneInfo("America/La_Paz"))):
        yield


def debtor(executive, name: str, *, days: int, amounts=("100.00",), nit: str | None = None):
    """A customer with one product per amount, each with an invoice `days` overdue."""
    extra = {"nit": nit} if nit else {}
    company = CompanyFactory(executive=executive, legal_name=name, **extra)
    for index, amount in enumerate(amounts):
        InvoiceFactory(
            product=ProductFactory(company=company, service_number=f"{company.pk}-{index}"),
            period=date(2025, 1, 1),
            due_date=TODAY - timedelta(days=days + index),
            amount=Decimal(amount),
        )
    return company


def test_the_debtors_download_one_row_per_product_with_money_in_bs(client, team):
    executive = team[Role.EXECUTIVE]
    debtor(executive, "Transportes Andes S.A.", days=45, amounts=("1234.50", "65.50"))
    debtor(executive, "Hotel Cochabamba", days=10)
    debtor(executive, "Vence Hoy", days=0)  # due today: not overdue yet
    client.force_login(executive)
    with no_writes():
        response = client.get(URL, {"formato": "xlsx"})
    assert response["Content-Disposition"] == 'attachment; filename="deudores-2026-03-02.xlsx"'
    sheet = sheet_of(response)
    assert headers(sheet) == [str(c.header) for c in DEBTOR_COLUMNS]
    assert_layout(sheet)
    rows = records(sheet)
    # The most overdue first, each of its products on a row of its own.
    assert [r[_("Customer")].value for r in rows] == [
        "Transportes Andes S.A.",
        "Transportes Andes S.A.",
        "Hotel Cochabamba",
    ]
    first, second, hotel = rows
    assert_money(first[_("Customer owes past due (Bs)")], Decimal("1300.00"))
    assert_money(first[_("Owed (Bs)")], Decimal("65.50"))  # the older of its two products
    assert_money(second[_("Owed (Bs)")], Decimal("1234.50"))
    assert first[_("Days overdue")].value == 46 and second[_("Days overdue")].value == 45
    assert first[_("Customer's days overdue")].value == 46
    assert first[_("Oldest due date")].value == datetime(2026, 1, 15)
    assert first[_("Oldest due date")].number_format == "dd/mm/yyyy"
    assert first[_("Overdue invoices")].value == 1
    assert first[_("Public institution")].value == "No"
    assert hotel[_("Last promise (Bs)")].value is None


def test_the_file_keeps_the_search_and_the_band(client, team):
    executive = team[Role.EXECUTIVE]
    debtor(executive, "Transportes Andes S.A.", days=45, nit="3012345")
    debtor(executive, "Hotel Cochabamba", days=45)
    debtor(executive, "Andina de Seguros", days=100)
    client.force_login(executive)

    def customers(**params):
        return values(sheet_of(client.get(URL, {"formato": "xlsx", **params})), _("Customer"))

    assert customers(q="3012") == ["Transportes Andes S.A."]
    assert customers(bucket="90+") == ["Andina de Seguros"]
    assert customers(q="and", bucket="31-60", page="7") == ["Transportes Andes S.A."]


def test_every_page_goes_into_the_file(client, team, monkeypatch):
    # Read two debtors at a time: the chunks join without a gap or a repeat.
    monkeypatch.setattr(exports, "CHUNK", 2)
    executive = team[Role.EXECUTIVE]
    for days in range(1, 6):
        debtor(executive, f"Deudor {days}", days=days)
    client.force_login(executive)
    sheet = sheet_of(client.get(URL, {"formato": "xlsx"}))
    assert values(sheet, _("Customer")) == [f"Deudor {d}" for d in range(5, 0, -1)]


def test_the_executive_filter_is_the_team_leads_not_the_executives(client, team, other_executive):
    debtor(team[Role.EXECUTIVE], "De Ana", days=10)
    debtor(other_executive, "De Otra", days=20)
    client.force_login(team[Role.TEAM_LEAD])
    sheet = sheet_of(client.get(URL, {"formato": "xlsx", "executive": other_executive.pk}))
    assert values(sheet, _("Customer")) == ["De Otra"]
    client.force_login(team[Role.EXECUTIVE])
    sheet = sheet_of(client.get(URL, {"formato": "xlsx", "executive": other_executive.pk}))
    assert values(sheet, _("Customer")) == ["De Ana"]


@pytest.mark.parametrize(
    "params",
    [{"bucket": "999"}, {"q": "x" * 500}, {"page": "abc", "executive": "-4"}],
)
def test_bad_filters_are_left_out_as_on_the_page(client, team, params):
    debtor(team[Role.EXECUTIVE], "De Ana", days=10)
    client.force_login(team[Role.EXECUTIVE])
    assert client.get(URL, params).status_code == 200
    assert values(sheet_of(client.get(URL, {"formato": "xlsx", **params})), _("Customer")) == [
        "De Ana"
    ]


@pytest.mark.parametrize("role", [Role.TECHNICAL_MANAGER, Role.TECHNICAL_ANALYST])
def test_a_role_that_does_not_manage_collections_gets_403(client, team, role):
    client.force_login(team[role])
    assert client.get(URL, {"formato": "xlsx"}).status_code == 403


def test_the_page_links_to_its_file(client, team):
    client.force_login(team[Role.EXECUTIVE])
    page = client.get(URL, {"bucket": "90+"}).content.decode()
    assert 'href="/cobranza/?bucket=90%2B&amp;formato=xlsx"' in page
