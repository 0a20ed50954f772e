"""The preventive review list as an Excel file: the page's executive and
kind filters, the user's scope, 403 for the roles the page refuses."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils.translation import gettext as _

from posventa.accounts.roles import Role
from posventa.cases.models import Case
from posventa.common.tests.xlsx import (
    assert_layout,
    headers,
    no_writes,
    records,
    sheet_of,
    values,
)
from posventa.factories import CompanyFactory, ProductFactory
from posventa.reviews.exports import REVIEW_COLUMNS
from posventa.reviews.models import ItemKind, ReviewItem

pytestmark = pytest.mark.django_db

URL = reverse("reviews:worklist")


@pytest.fixture
def items(team, other_executive):
    clinic = CompanyFactory(executive=team[Role.EXECUTIVE], legal_name="Clínica Cala Cala")
    hotel = CompanyFactory(executive=other_executive, legal_name="Hotel Muyurina")

    def item(company, kind, service_number, **fields):
        return ReviewItem.objects.create(
            kind=kind,
            company=company,
            product=ProductFactory(company=company, service_number=service_number),
            found_on=date(2026, 11, 20),
            **fields,
        )

    worked = item(clinic, ItemKind.SERVICE, "44100009")
    worked.case = Case.objects.create(
        number="PV-K-1",
        company=clinic,
        procedure="K",
        channel="phone",
        received_at=datetime(2026, 11, 21, 10, 0, tzinfo=ZoneInfo("America/La_Paz")),
        subject="Revisión",
    )
    worked.save(update_fields=["case"])
    return {
        "migration": item(
            clinic, ItemKind.MIGRATION, "44100001", detail="Cobre con fibra en la zona"
        ),
        "opportunity": item(clinic, ItemKind.OPPORTUNITY, "44100002", offered_type="pay_tv"),
        "hotel": item(hotel, ItemKind.MIGRATION, "44200001"),
    }


def test_the_review_list_downloads_as_the_executive_sees_it(client, team, items):
    client.force_login(team[Role.EXECUTIVE])
    with no_writes():
        response = client.get(URL, {"formato": "xlsx"})
    assert response["Content-Disposition"].startswith('attachment; filename="revision-preventiva-')
    sheet = sheet_of(response)
    assert headers(sheet) == [str(c.header) for c in REVIEW_COLUMNS]
    assert_layout(sheet)
    rows = {r[_("Product")].value: r for r in records(sheet)}
    # Her portfolio's items still to be worked: not the hotel's, not the one with a case.
    assert set(rows) == {"44100001", "44100002"}
    migration = rows["44100001"]
    assert migration[_("Kind")].value == str(ItemKind.MIGRATION.label)
    assert migration[_("Detail")].value == "Cobre con fibra en la zona"
    assert migration[_("Found on")].value == datetime(2026, 11, 20)
    assert migration[_("Found on")].number_format == "dd/mm/yyyy"
    assert rows["44100002"][_("Product to offer")].value == _("Pay TV")


def test_the_file_keeps_the_executive_and_kind_filters(client, team, other_executive, items):
    client.force_login(team[Role.TECHNICAL_ANALYST])
    sheet = sheet_of(client.get(URL, {"formato": "xlsx", "executive": other_executive.pk}))
    assert values(sheet, _("Product")) == ["44200001"]
    sheet = sheet_of(client.get(URL, {"formato": "xlsx", "kind": "opportunity", "page": "4"}))
    assert values(sheet, _("Product")) == ["44100002"]


def test_an_executive_does_not_get_another_portfolio_by_filtering(
    client, team, other_executive, items
):
    client.force_login(team[Role.EXECUTIVE])
    sheet = sheet_of(client.get(URL, {"formato": "xlsx", "executive": other_executive.pk}))
    assert records(sheet) == []


@pytest.mark.parametrize(
    "params", [{"executive": "x", "kind": "lasers"}, {"executive": "9" * 30}, {"kind": "\u00a0"}]
)
def test_bad_filters_filter_nothing_as_on_the_page(client, team, items, params):
    client.force_login(team[Role.TEAM_LEAD])
    assert client.get(URL, params).status_code == 200
    assert len(records(sheet_of(client.get(URL, {"formato": "xlsx", **params})))) == 3


@pytest.mark.parametrize("role", [Role.TECHNICAL_MANAGER, Role.COMMERCIAL_MANAGER])
def test_a_role_that_does_not_see_the_review_list_gets_403(client, team, items, role):
    client.force_login(team[role])
    assert client.get(URL, {"formato": "xlsx"}).status_code == 403


def test_the_page_links_to_its_file(client, team, items):
    client.force_login(team[Role.TEAM_LEAD])
    page = client.get(URL, {"kind": "migration"}).content.decode()
    assert 'href="/revision-preventiva/?kind=migration&amp;formato=xlsx"' in page
