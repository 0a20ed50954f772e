"""The visit calendar's period as an Excel file: the week or the month the
page shows, its analyst filter, the visits the user may see (an executive:
her portfolio's support visits and her own commercial ones), moments in La
Paz time. The tests live in the week of Monday 23 November 2026 (conftest)."""

from datetime import datetime

import pytest
from django.urls import reverse
from django.utils.translation import gettext as _

from posventa.accounts.roles import Role
from posventa.common.tests.xlsx import (
    assert_layout,
    headers,
    no_writes,
    records,
    sheet_of,
    values,
)
from posventa.factories import CompanyFactory, UserFactory
from posventa.visits import services
from posventa.visits.exports import VISIT_COLUMNS
from posventa.visits.models import VisitKind
from posventa.visits.tests.helpers import at

pytestmark = pytest.mark.django_db

URL = reverse("visits:calendar")


@pytest.fixture
def visits(team, other_executive):
    ana = team[Role.EXECUTIVE]
    analyst = team[Role.TECHNICAL_ANALYST]
    second_analyst = UserFactory(username="analista2", role=Role.TECHNICAL_ANALYST)
    mine = CompanyFactory(executive=ana, legal_name="Minera Andina S.A.", nit="1020703023")
    others = CompanyFactory(executive=other_executive, legal_name="Hotel Muyurina")

    def support(company, person, starts_at, ends_at, **extra):
        return services.visit_schedule(
            company=company,
            analyst=extra.pop("analyst", analyst),
            starts_at=starts_at,
            ends_at=ends_at,
            person=person,
            location="Av. Blanco Galindo km 4",
            reason="Revisión de la red interna",
            user=team[Role.TEAM_LEAD],
            **extra,
        )

    def commercial(executive, company, starts_at, ends_at):
        return services.commercial_visit_plan(
            company=company,
            starts_at=starts_at,
            ends_at=ends_at,
            person="Lic. Marco Vargas",
            observations="Ofrecer fibra 100 Mbps",
            user=executive,
        )

    return {
        "support": support(mine, "Ing. Rocío Mamani", at(25, 10), at(25, 12)),
        "support_other": support(
            others, "Sr. Pedro Rojas", at(26, 9), at(26, 10), analyst=second_analyst
        ),
        "offer": commercial(ana, mine, at(25, 15), at(25, 16)),
        "offer_other": commercial(other_executive, others, at(24, 11), at(24, 12)),
        "next_week": support(mine, "Ing. Rocío Mamani", at(30, 9), at(30, 10)),
        "second_analyst": second_analyst,
    }


def test_the_week_downloads_as_the_executive_sees_it(client, team, visits):
    client.force_login(team[Role.EXECUTIVE])
    with no_writes():
        response = client.get(URL, {"formato": "xlsx"})
    assert (
        response["Content-Disposition"]
        == 'attachment; filename="visitas-2026-11-23-a-2026-11-29.xlsx"'
    )
    sheet = sheet_of(response)
    assert headers(sheet) == [str(c.header) for c in VISIT_COLUMNS]
    assert_layout(sheet)
    rows = records(sheet)
    # Her portfolio's support visit and her own commercial one, by time; not the
    # other executive's agenda, not next week's visit.
    assert [r[_("Person to interview")].value for r in rows] == [
        "Ing. Rocío Mamani",
        "Lic. Marco Vargas",
    ]
    support, offer = rows
    assert support[_("Starts at")].value == datetime(2026, 11, 25, 10, 0)  # La Paz time
    assert support[_("Ends at")].value == datetime(2026, 11, 25, 12, 0)
    assert support[_("Starts at")].number_format == "dd/mm/yyyy hh:mm"
    assert support[_("Kind")].value == str(VisitKind.SUPPORT.label)
    assert support[_("Work order")].value == visits["support"].work_order.number
    assert offer[_("Kind")].value == str(VisitKind.COMMERCIAL.label)
    assert offer[_("Analyst or executive")].value == str(team[Role.EXECUTIVE])
    assert offer[_("Observations")].value == "Ofrecer fibra 100 Mbps"


def test_the_team_lead_gets_every_visit_of_the_week_and_filters_by_analyst(client, team, visits):
    client.force_login(team[Role.TEAM_LEAD])
    sheet = sheet_of(client.get(URL, {"formato": "xlsx", "day": "2026-11-25"}))
    assert values(sheet, _("Starts at")) == [
        datetime(2026, 11, 24, 11, 0),
        datetime(2026, 11, 25, 10, 0),
        datetime(2026, 11, 25, 15, 0),
        datetime(2026, 11, 26, 9, 0),
    ]
    analyst = visits["second_analyst"]
    sheet = sheet_of(client.get(URL, {"formato": "xlsx", "analyst": analyst.pk}))
    assert values(sheet, _("Person to interview")) == ["Sr. Pedro Rojas"]


def test_the_month_view_downloads_the_month(client, team, visits):
    client.force_login(team[Role.TEAM_LEAD])
    response = client.get(URL, {"formato": "xlsx", "view": "month", "day": "2026-11-02"})
    assert 'filename="visitas-2026-11-01-a-2026-11-30.xlsx"' in response["Content-Disposition"]
    assert len(records(sheet_of(response))) == 5  # next Monday's visit too
    sheet = sheet_of(client.get(URL, {"formato": "xlsx", "view": "month", "day": "2026-12-01"}))
    assert records(sheet) == []


@pytest.mark.parametrize(
    "params",
    [
        {"day": "2026-02-30", "analyst": "abc"},
        {"day": "0001-01-01", "view": "year"},
        {"analyst": "9" * 30, "day": "<script>"},
    ],
)
def test_bad_input_is_read_as_the_page_reads_it(client, team, visits, params):
    client.force_login(team[Role.TEAM_LEAD])
    assert client.get(URL, params).status_code == 200
    # This week's four visits: a bad day is today, a bad analyst is everyone.
    assert len(records(sheet_of(client.get(URL, {"formato": "xlsx", **params})))) == 4


def test_a_role_that_does_not_see_the_calendar_gets_403(client, team, visits):
    client.force_login(team[Role.COMMERCIAL_MANAGER])
    assert client.get(URL, {"formato": "xlsx"}).status_code == 403


def test_the_calendar_links_to_its_file(client, team, visits):
    client.force_login(team[Role.TEAM_LEAD])
    page = client.get(URL, {"view": "month", "day": "2026-11-02"}).content.decode()
    assert 'href="/visitas/?view=month&amp;day=2026-11-02&amp;formato=xlsx"' in page
