"""The debtors page: overdue invoices only, searched by name or NIT, filtered
by executive and ageing band, a page at a time; a parameter that makes no
sense is told in Spanish and left out, never a server error."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from posventa.accounts.roles import Role
from posventa.collections.views import PAGE_SIZE
from posventa.factories import CompanyFactory, InvoiceFactory, ProductFactory

pytestmark = pytest.mark.django_db

TODAY = date(2026, 3, 2)
URL = reverse("collections:debtors")


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(datetime(2026, 3, 2, 10, tzinfo=ZoneInfo("America/La_Paz"))):
        yield


def debtor(executive, name: str, *, days: int, nit: str | None = None, amount="100.00"):
    extra = {"nit": nit} if nit else {}
    company = CompanyFactory(executive=executive, legal_name=name, **extra)
    InvoiceFactory(
        product=ProductFactory(company=company),
        period=date(2025, 1, 1),
        due_date=TODAY - timedelta(days=days),
        amount=Decimal(amount),
    )
    return company


def shown(response) -> list[str]:
    return [d.company.legal_name for d in response.context["debtors"]]


@pytest.fixture
def executive_client(client, team):
    client.force_login(team[Role.EXECUTIVE])
    return client


def test_the_page_lists_only_customers_with_overdue_invoices(executive_client, team):
    late = debtor(team[Role.EXECUTIVE], "Atrasada", days=1)
    debtor(team[Role.EXECUTIVE], "Vence Hoy", days=0)
    response = executive_client.get(URL)
    assert response.status_code == 200
    assert shown(response) == ["Atrasada"]
    page = response.content.decode()
    assert f'data-debtor="{late.pk}"' in page and "Vence Hoy" not in page
    assert 'data-ageing="1-30"' in page
    assert 'data-bucket="1-30" data-bucket-debtors="1"' in page


def test_search_and_band_filter_the_list(executive_client, team):
    executive = team[Role.EXECUTIVE]
    debtor(executive, "Transportes Andes S.A.", days=45, nit="3012345")
    debtor(executive, "Hotel Cochabamba", days=45)
    debtor(executive, "Andina de Seguros", days=100)
    assert shown(executive_client.get(URL, {"q": "andes"})) == ["Transportes Andes S.A."]
    assert shown(executive_client.get(URL, {"q": "3012"})) == ["Transportes Andes S.A."]
    assert shown(executive_client.get(URL, {"bucket": "90+"})) == ["Andina de Seguros"]
    both = executive_client.get(URL, {"q": "and", "bucket": "31-60"})
    assert shown(both) == ["Transportes Andes S.A."]
    # The bands' links keep the search and change the band.
    assert 'href="?q=and&amp;bucket=90%2B"' in both.content.decode()
    empty = executive_client.get(URL, {"q": "nadie"})
    assert shown(empty) == [] and empty.context["page"].paginator.count == 0


def test_the_team_lead_filters_by_executive(client, team, other_executive):
    debtor(team[Role.EXECUTIVE], "De Ana", days=10)
    debtor(other_executive, "De Otra", days=20)
    client.force_login(team[Role.TEAM_LEAD])
    assert shown(client.get(URL)) == ["De Otra", "De Ana"]
    assert shown(client.get(URL, {"executive": other_executive.pk})) == ["De Otra"]
    assert "De Otra" in client.get(URL).content.decode()


def test_an_executive_sees_only_her_portfolio_whatever_the_filter(
    executive_client, team, other_executive
):
    debtor(team[Role.EXECUTIVE], "Mía", days=10)
    debtor(other_executive, "Ajena", days=10)
    response = executive_client.get(URL, {"executive": other_executive.pk})
    assert response.status_code == 200 and shown(response) == ["Mía"]
    assert "Ajena" not in response.content.decode()


def test_the_list_is_paginated_keeping_the_filters(executive_client, team):
    executive = team[Role.EXECUTIVE]
    for number in range(PAGE_SIZE + 2):
        debtor(executive, f"Deudora {number:02d}", days=10 + number)
    first = executive_client.get(URL, {"bucket": "1-30"})
    assert len(shown(first)) == 21  # 10–30 days overdue
    first = executive_client.get(URL)
    assert shown(first)[0] == f"Deudora {PAGE_SIZE + 1:02d}"  # the most overdue first
    assert len(shown(first)) == PAGE_SIZE
    second = executive_client.get(URL, {"page": 2})
    assert shown(second) == ["Deudora 01", "Deudora 00"]
    assert executive_client.get(URL, {"page": 99}).context["page"].number == 2  # the last
    searched = executive_client.get(URL, {"q": "Deudora"}).content.decode()
    assert "?q=Deudora&amp;page=2" in searched


@pytest.mark.parametrize(
    ("parameters", "field"),
    [
        ({"q": "x" * 101}, "q"),
        ({"q": "a\x00b"}, None),  # refused before the view (input guard)
        ({"bucket": "120+"}, "bucket"),
        ({"page": "dos"}, "page"),
        ({"page": "0"}, "page"),
        ({"page": "9" * 30}, "page"),
        ({"page": "²"}, "page"),
    ],
)
def test_a_bad_parameter_is_told_in_spanish_and_left_out(executive_client, team, parameters, field):
    debtor(team[Role.EXECUTIVE], "Deudora", days=10)
    response = executive_client.get(URL, parameters)
    assert response.status_code in (200, 400)
    if field is None:
        return
    assert response.status_code == 200
    assert shown(response) == ["Deudora"]  # the bad filter filters nothing
    form = response.context["form"]
    assert field in form.errors
    page = response.content.decode()
    assert "data-filter-errors" in page
    for message in form.errors[field]:
        assert message in page
    # Django's own messages come in Spanish.
    assert any(
        word in " ".join(form.errors[field]) for word in ("Asegúrese", "Escoja", "Introduzca")
    )


def test_a_bad_executive_is_told_to_the_team_lead(client, team):
    debtor(team[Role.EXECUTIVE], "Deudora", days=10)
    client.force_login(team[Role.TEAM_LEAD])
    for value in ("999999", "ana", "9" * 40):
        response = client.get(URL, {"executive": value})
        assert response.status_code == 200, value
        assert "executive" in response.context["form"].errors
        assert shown(response) == ["Deudora"]


def test_a_role_without_collections_is_refused(client, team):
    client.force_login(team[Role.TECHNICAL_ANALYST])
    assert client.get(URL).status_code == 403
