"""The month's indicators and their cases through the API."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from posventa.accounts.roles import Role
from posventa.api.services import token_create
from posventa.factories import CompanyFactory, UserFactory
from posventa.indicators.tests.test_definitions import make_case

pytestmark = pytest.mark.django_db
LA_PAZ = ZoneInfo("America/La_Paz")


def get(client, user, path, **params):
    key = token_create(user=user, name="test")[1]
    return client.get(
        f"/api/v1/indicators{path}", params, headers={"Authorization": f"Bearer {key}"}
    )


@pytest.fixture
def october():
    company = CompanyFactory()
    received = datetime(2026, 10, 5, 9, 0, tzinfo=LA_PAZ)
    make_case(company, received_at=received)
    make_case(company, received_at=received, attended_after=timedelta(hours=26))
    make_case(company, received_at=received, outcome="requirements_not_met", channel="phone")
    return company


def test_a_months_figures_and_break_downs(client, october):
    response = get(client, UserFactory(role=Role.TEAM_LEAD), "/2026-10")
    assert response.status_code == 200
    body = response.json()
    assert body["running"] is False
    assert body["figures"]["total"] == 3
    assert (body["figures"]["effective"], body["figures"]["timely"]) == (2, 2)
    assert body["figures"]["efficacy"] == 66.7
    assert body["figures"]["efficacy_verdict"] == "observed"
    channels = {row["key"]: row["figures"]["total"] for row in body["breakdowns"]["channel"]}
    assert channels == {"email": 2, "phone": 1}


def test_the_cases_behind_a_figure(client, october):
    lead = UserFactory(role=Role.TEAM_LEAD)
    late = get(client, lead, "/2026-10/cases", indicator="not_timely").json()
    assert len(late) == 1 and late[0]["attended_at"] is not None
    assert len(get(client, lead, "/2026-10/cases", limit=2).json()) == 2
    assert len(get(client, lead, "/2026-10/cases", offset=2).json()) == 1


def test_bad_months_indicators_and_roles_are_refused_clearly(client, october):
    lead = UserFactory(role=Role.TEAM_LEAD)
    response = get(client, lead, "/octubre")
    assert response.status_code == 422 and "AAAA-MM" in response.json()["detail"]
    response = get(client, lead, "/2026-10/cases", indicator="everything")
    assert response.status_code == 422
    assert get(client, UserFactory(role=Role.TECHNICAL_ANALYST), "/2026-10").status_code == 403
    assert get(client, october.executive, "/2026-10").json()["figures"]["total"] == 3
    assert get(client, UserFactory(role=Role.EXECUTIVE), "/2026-10").json()["figures"]["total"] == 0


def test_the_live_month_gives_the_split_and_the_figures_so_far(client):
    company = CompanyFactory()
    with time_machine.travel(datetime(2026, 11, 4, 10, 0, tzinfo=LA_PAZ), tick=False):
        # Closed on the 1st; open with its 24 hours passed; this morning's, inside them.
        make_case(company, received_at=datetime(2026, 11, 1, 9, 0, tzinfo=LA_PAZ))
        make_case(
            company,
            received_at=datetime(2026, 11, 2, 9, 0, tzinfo=LA_PAZ),
            attended_after=None,
            closed_after=None,
        )
        fresh = make_case(
            company,
            received_at=datetime(2026, 11, 4, 8, 0, tzinfo=LA_PAZ),
            attended_after=None,
            closed_after=None,
        )
        lead = UserFactory(role=Role.TEAM_LEAD)
        body = get(client, lead, "/2026-11").json()
        within = get(client, lead, "/2026-11/cases", indicator="within_time").json()
        failures = get(client, lead, "/2026-11/cases", indicator="not_effective").json()
    figures = body["figures"]
    assert body["running"] is True
    assert (figures["closed"], figures["within_time"], figures["late"]) == (1, 1, 1)
    assert figures["judged"] == 2
    assert (figures["efficacy_so_far"], figures["efficacy_verdict_so_far"]) == (50.0, "observed")
    # The existing fields keep their meaning: every request, open ones failing.
    assert (figures["total"], figures["efficacy"]) == (3, 33.3)
    assert [row["number"] for row in within] == [fresh.number]
    assert fresh.number not in [row["number"] for row in failures] and len(failures) == 1
