"""The call campaigns and a campaign's calls as Excel files: the campaigns
the user manages with their progress, a campaign's calls with the page's
result filter, another executive's campaign not found, 403 for the roles
the pages refuse."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils.translation import gettext as _

from posventa.accounts.roles import Role
from posventa.campaigns.exports import CALL_COLUMNS, CAMPAIGN_COLUMNS
from posventa.campaigns.models import CallResult, CampaignKind
from posventa.campaigns.services import campaign_create
from posventa.cases.models import Case
from posventa.common.tests.xlsx import (
    assert_layout,
    headers,
    no_writes,
    records,
    sheet_of,
    values,
)
from posventa.factories import CompanyFactory, ContactFactory, ProductFactory

pytestmark = pytest.mark.django_db

LA_PAZ = ZoneInfo("America/La_Paz")
LIST = reverse("campaigns:list")
START = date(2026, 11, 23)


@pytest.fixture
def campaigns(team, other_executive):
    ana = team[Role.EXECUTIVE]
    clinic = CompanyFactory(executive=ana, legal_name="Clínica Cala Cala", nit="1020703023")
    ContactFactory(company=clinic, name="Dra. Rosa Vargas", phone="4-4250000", is_primary=True)
    ContactFactory(company=clinic, name="Juan Soto", is_primary=False)
    ProductFactory(company=clinic, service_number="44100001")
    ProductFactory(company=clinic, service_number="44100002")
    hotel = CompanyFactory(executive=other_executive, legal_name="Hotel Muyurina")
    ProductFactory(company=hotel, service_number="44200001")

    def create(name, executive):
        return campaign_create(
            name=name,
            kind=CampaignKind.LOYALTY,
            executive=executive,
            starts_on=START,
            ends_on=START + timedelta(days=4),
            user=executive,
        )

    mine = create("Fidelización noviembre", ana)
    called = mine.items.get(product__service_number="44100001")
    called.result = CallResult.PROBLEM
    called.called_at = datetime(2026, 11, 24, 9, 15, tzinfo=LA_PAZ)
    called.note = "Corte intermitente"
    # A call made is a J case (the procedure's run is tested in procedures/).
    called.case = Case.objects.create(
        number="PV-J-1",
        company=clinic,
        procedure="J",
        channel="phone",
        received_at=called.called_at,
        subject="Llamada de fidelización",
    )
    called.save(update_fields=["result", "called_at", "note", "case"])
    return {"mine": mine, "others": create("Fidelización hotel", other_executive)}


def test_the_campaigns_download_with_their_progress(client, team, campaigns):
    client.force_login(team[Role.EXECUTIVE])
    with no_writes():
        response = client.get(LIST, {"formato": "xlsx"})
    assert response["Content-Disposition"].startswith('attachment; filename="campanas-')
    sheet = sheet_of(response)
    assert headers(sheet) == [str(c.header) for c in CAMPAIGN_COLUMNS]
    assert_layout(sheet)
    # Hers only: never the other executive's campaign.
    [row] = records(sheet)
    assert row[_("Campaign")].value == "Fidelización noviembre"
    assert row[_("Calls from")].value == datetime(2026, 11, 23)
    assert row[_("Calls from")].number_format == "dd/mm/yyyy"
    assert (row[_("Calls")].value, row[_("Called")].value, row[_("Pending")].value) == (2, 1, 1)
    assert row[_("With problem")].value == 1


def test_the_team_lead_downloads_every_campaign(client, team, campaigns):
    client.force_login(team[Role.TEAM_LEAD])
    sheet = sheet_of(client.get(LIST, {"formato": "xlsx"}))
    assert sorted(values(sheet, _("Campaign"))) == ["Fidelización hotel", "Fidelización noviembre"]


def test_a_campaigns_calls_download_with_the_result_filter(client, team, campaigns):
    client.force_login(team[Role.EXECUTIVE])
    url = reverse("campaigns:detail", args=[campaigns["mine"].pk])
    with no_writes():
        response = client.get(url, {"formato": "xlsx"})
    assert 'filename="llamadas-fidelizacion-noviembre-' in response["Content-Disposition"]
    sheet = sheet_of(response)
    assert headers(sheet) == [str(c.header) for c in CALL_COLUMNS]
    rows = {r[_("Product")].value: r for r in records(sheet)}
    assert set(rows) == {"44100001", "44100002"}
    called = rows["44100001"]
    assert called[_("Contact")].value == "Dra. Rosa Vargas"  # the primary contact
    assert called[_("Phone")].value == "4-4250000"
    assert called[_("Result")].value == str(CallResult.PROBLEM.label)
    assert called[_("Called at")].value == datetime(2026, 11, 24, 9, 15)
    assert called[_("Note")].value == "Corte intermitente"
    assert called[_("Case")].value == "PV-J-1"
    sheet = sheet_of(client.get(url, {"formato": "xlsx", "result": "pending"}))
    assert values(sheet, _("Product")) == ["44100002"]
    # An unknown result filters nothing, as on the page.
    assert len(records(sheet_of(client.get(url, {"formato": "xlsx", "result": "¿?"})))) == 2


def test_another_executives_campaign_is_not_found(client, team, campaigns):
    client.force_login(team[Role.EXECUTIVE])
    url = reverse("campaigns:detail", args=[campaigns["others"].pk])
    assert client.get(url, {"formato": "xlsx"}).status_code == 404


@pytest.mark.parametrize("role", [Role.TECHNICAL_ANALYST, Role.COMMERCIAL_MANAGER])
def test_a_role_that_does_not_manage_campaigns_gets_403(client, team, campaigns, role):
    client.force_login(team[role])
    assert client.get(LIST, {"formato": "xlsx"}).status_code == 403
    url = reverse("campaigns:detail", args=[campaigns["mine"].pk])
    assert client.get(url, {"formato": "xlsx"}).status_code == 403


def test_a_post_to_the_list_with_the_format_in_its_address_is_the_form(client, team, campaigns):
    client.force_login(team[Role.EXECUTIVE])
    response = client.post(f"{LIST}?formato=xlsx", {"name": ""})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/html")


def test_the_pages_link_to_their_files(client, team, campaigns):
    client.force_login(team[Role.EXECUTIVE])
    assert 'href="/campanas/?formato=xlsx"' in client.get(LIST).content.decode()
    url = reverse("campaigns:detail", args=[campaigns["mine"].pk])
    page = client.get(url, {"result": "pending"}).content.decode()
    assert f'href="{url}?result=pending&amp;formato=xlsx"' in page
