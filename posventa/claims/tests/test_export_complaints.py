"""The billing complaints as an Excel file: the list's state filter, the
user's scope, money and dates as typed cells."""

from datetime import date, datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils.translation import gettext as _

from posventa.accounts.roles import Role
from posventa.claims.exports import COMPLAINT_COLUMNS
from posventa.claims.models import ComplaintState
from posventa.claims.services import complaint_record_answer, complaint_register
from posventa.common.tests.xlsx import (
    assert_layout,
    assert_money,
    headers,
    no_writes,
    records,
    sheet_of,
    values,
)
from posventa.factories import CompanyFactory, InvoiceFactory, ProductFactory, UserFactory

pytestmark = pytest.mark.django_db

LIST = reverse("claims:list")


@pytest.fixture
def complaints(team):
    mine = CompanyFactory(executive=team[Role.EXECUTIVE], legal_name="Clínica Cala Cala")
    other = CompanyFactory(executive=UserFactory(username="otra"), legal_name="Hotel Muyurina")

    def register(company, period, disputed):
        invoice = InvoiceFactory(
            product=ProductFactory(company=company), period=period, amount=Decimal("1250.00")
        )
        return complaint_register(invoice=invoice, disputed_amount=disputed, reason="Cobro doble.")

    open_one = register(mine, date(2026, 10, 1), "1234.50")
    resolved = register(mine, date(2026, 9, 1), "50")
    complaint_record_answer(
        complaint=resolved,
        state=ComplaintState.RESOLVED,
        resolution="Procede la nota de crédito.",
        user=team[Role.COMMERCIAL_MANAGER],
    )
    others = register(other, date(2026, 10, 1), "10")
    return {"open": open_one, "resolved": resolved, "others": others}


def test_the_open_complaints_download_as_the_executive_sees_them(client, team, complaints):
    client.force_login(team[Role.EXECUTIVE])
    with no_writes():
        response = client.get(LIST, {"formato": "xlsx"})
    assert response["Content-Disposition"].startswith('attachment; filename="reclamos-')
    sheet = sheet_of(response)
    assert headers(sheet) == [str(c.header) for c in COMPLAINT_COLUMNS]
    assert_layout(sheet)
    # At UTAR by default, her portfolio's only: not the resolved one, not the hotel's.
    [row] = records(sheet)
    assert row[_("Number")].value == complaints["open"].number
    assert_money(row[_("Disputed (Bs)")], Decimal("1234.50"))
    assert_money(row[_("Invoice amount (Bs)")], Decimal("1250.00"))
    assert row[_("Invoice period")].value == datetime(2026, 10, 1)
    assert row[_("Invoice period")].number_format == "dd/mm/yyyy"
    assert isinstance(row[_("Registered at")].value, datetime)
    assert row[_("Times the customer disagreed")].value == 0
    assert row[_("Customer accepted the resolution")].value is None


def test_the_file_keeps_the_state_filter(client, team, complaints):
    client.force_login(team[Role.TEAM_LEAD])
    sheet = sheet_of(client.get(LIST, {"formato": "xlsx", "state": "resolved"}))
    [row] = records(sheet)
    assert row[_("Number")].value == complaints["resolved"].number
    assert row[_("UTAR's resolution")].value == "Procede la nota de crédito."
    assert isinstance(row[_("Resolved at")].value, datetime)
    sheet = sheet_of(client.get(LIST, {"formato": "xlsx", "state": "all"}))
    assert len(records(sheet)) == 3


def test_an_executive_gets_no_complaint_of_another_portfolio(client, team, complaints):
    client.force_login(team[Role.EXECUTIVE])
    sheet = sheet_of(client.get(LIST, {"formato": "xlsx", "state": "all"}))
    assert complaints["others"].number not in values(sheet, _("Number"))
    assert len(records(sheet)) == 2


def test_a_bad_state_filters_as_the_page_does(client, team, complaints):
    client.force_login(team[Role.TEAM_LEAD])
    for state in ("closed", "x" * 20000):
        assert client.get(LIST, {"state": state}).status_code == 200
        sheet = sheet_of(client.get(LIST, {"formato": "xlsx", "state": state}))
        assert len(records(sheet)) == 2  # the open ones, the default


def test_a_user_without_a_role_gets_an_empty_file(client, complaints):
    client.force_login(UserFactory(username="nadie", role=""))
    assert records(sheet_of(client.get(LIST, {"formato": "xlsx", "state": "all"}))) == []


def test_the_list_links_to_its_file(client, team, complaints):
    client.force_login(team[Role.TEAM_LEAD])
    page = client.get(LIST, {"state": "all"}).content.decode()
    assert 'href="/reclamos/?state=all&amp;formato=xlsx"' in page
