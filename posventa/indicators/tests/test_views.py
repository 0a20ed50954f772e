"""The dashboard and the cases behind its numbers, for each role."""

from datetime import timedelta

import pytest
from django.utils import timezone

from posventa.accounts.roles import Role
from posventa.factories import CompanyFactory, UserFactory
from posventa.indicators.definitions import Month
from posventa.indicators.tests.test_definitions import make_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def month_of_cases():
    """This month: two timely cases of one executive, one late of another."""
    now = timezone.now()
    start = Month.of(now).starts_at
    hours = max(int((now - start).total_seconds() // 3600) - 30, 0)
    received = start + timedelta(hours=min(hours, 1))
    mine, theirs = CompanyFactory(), CompanyFactory()
    make_case(mine, received_at=received, closed_after=None)
    make_case(mine, received_at=received, procedure="A", closed_after=None)
    late = make_case(
        theirs, received_at=received, attended_after=timedelta(hours=25), closed_after=None
    )
    return {"mine": mine, "theirs": theirs, "late": late, "month": Month.of(now)}


def test_the_team_lead_sees_the_team_and_every_number_leads_to_its_cases(client, month_of_cases):
    client.force_login(UserFactory(role=Role.TEAM_LEAD))
    page = client.get("/indicadores/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Oportunidad" in html and "Eficacia" in html
    report = page.context["report"]
    assert (report.figures.total, report.figures.timely) == (3, 2)
    assert [title for title, _ in page.context["breakdowns"]] == [
        "Por procedimiento",
        "Por ejecutivo(a)",
        "Por rol que respondió",
        "Por canal",
    ]
    late = client.get(page.context["links"]["not_timely"])
    assert late.status_code == 200
    assert [c.number for c in late.context["page"].object_list] == [month_of_cases["late"].number]


def test_an_executive_sees_her_own_portfolio_only(client, month_of_cases):
    client.force_login(month_of_cases["mine"].executive)
    page = client.get("/indicadores/")
    assert page.context["report"].figures.total == 2
    assert all(title != "Por ejecutivo(a)" for title, _ in page.context["breakdowns"])
    cases = client.get("/indicadores/casos/", {"month": str(month_of_cases["month"])})
    assert {c.company for c in cases.context["page"].object_list} == {month_of_cases["mine"]}
    # Asking for another executive's cases gives none of them.
    other = client.get("/indicadores/casos/", {"executive": month_of_cases["theirs"].executive.pk})
    assert other.context["page"].paginator.count == 0


@pytest.mark.parametrize("role", [Role.COMMERCIAL_MANAGER, Role.TECHNICAL_MANAGER])
def test_roles_without_indicators_are_refused(client, role):
    client.force_login(UserFactory(role=role))
    assert client.get("/indicadores/").status_code == 403
    assert client.get("/indicadores/casos/").status_code == 403


@pytest.mark.parametrize(
    "query",
    [
        {"month": "2026-13"},
        {"month": "noviembre"},
        {"month": "\x00"},
        {"month": "99999-01"},
        {"indicator": "everything", "procedure": "Z", "executive": "x", "channel": "fax"},
        {"page": "999"},
    ],
)
def test_odd_queries_answer_with_a_message_not_an_error(client, query):
    client.force_login(UserFactory(role=Role.DIVISION_HEAD))
    if any("\x00" in value for value in query.values()):
        # No filter reads it: the NUL-byte guard answers a Spanish 400 first.
        assert client.get("/indicadores/", query).status_code == 400
        return
    for url in ("/indicadores/", "/indicadores/casos/"):
        response = client.get(url, query)
        assert response.status_code == 200, (url, query)
    if "month" in query:
        assert "AAAA-MM" in client.get("/indicadores/", query).content.decode()


def test_a_past_month_is_measured_at_its_end(client, month_of_cases):
    client.force_login(UserFactory(role=Role.TEAM_LEAD))
    previous = month_of_cases["month"].previous()
    page = client.get("/indicadores/", {"month": str(previous)})
    assert page.context["month"] == previous
    assert page.context["report"].is_running is False
    assert page.context["report"].figures.total == 0
    assert "Sin solicitudes" in page.content.decode()


def test_the_watch_lists_the_requests_about_to_pass_and_passed(client):
    company = CompanyFactory()
    now = timezone.now()
    at_risk = make_case(
        company, received_at=now - timedelta(hours=20), attended_after=None, closed_after=None
    )
    late = make_case(
        company, received_at=now - timedelta(hours=30), attended_after=None, closed_after=None
    )
    make_case(company, received_at=now - timedelta(hours=2), attended_after=None, closed_after=None)
    make_case(company, received_at=now - timedelta(hours=30))  # answered in time
    client.force_login(UserFactory(role=Role.TEAM_LEAD))
    dashboard = client.get("/indicadores/")
    assert dashboard.context["watch"] == {"at_risk": 1, "late": 1}
    page = client.get("/indicadores/vigilancia/")
    sections = {name: list(cases) for name, _, cases in page.context["sections"]}
    assert sections == {"at_risk": [at_risk], "late": [late]}
    client.force_login(UserFactory(role=Role.EXECUTIVE))  # not her portfolio
    assert client.get("/indicadores/vigilancia/").context["counts"] == {"at_risk": 0, "late": 0}
