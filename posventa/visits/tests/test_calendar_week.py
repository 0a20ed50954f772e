"""The calendar opens on the week of the user's next visit, has "Hoy" and,
on a wide screen, a grid of the week by hours. (Conftest: Monday 23 Nov 2026.)"""

import re

import pytest
import time_machine
from django.urls import reverse

from posventa.accounts.roles import Role
from posventa.factories import CompanyFactory, UserFactory
from posventa.visits import selectors, services
from posventa.visits.models import Visit
from posventa.visits.tests.helpers import at


@pytest.fixture
def company(team):
    return CompanyFactory(executive=team[Role.EXECUTIVE], legal_name="Minera Andina S.A.")


def schedule(team, company, start, hours=1, analyst=None) -> Visit:
    return services.visit_schedule(
        company=company,
        analyst=analyst or team[Role.TECHNICAL_ANALYST],
        starts_at=start,
        ends_at=start.replace(hour=start.hour + hours),
        person="Ing. Rocío Mamani",
        location="Av. Blanco Galindo km 4",
        user=team[Role.TEAM_LEAD],
    )


def shown_week(html: str) -> str:
    """The period the page shows, as it reads it: "dd/mm/yyyy – dd/mm/yyyy"."""
    return re.search(r"<strong>(\d\d/\d\d/\d{4} – \d\d/\d\d/\d{4})</strong>", html).group(1)


def test_the_calendar_opens_on_the_week_of_the_next_visit(client, team, company):
    schedule(team, company, at(1, 10).replace(month=12, day=9))  # Wednesday 9 December
    client.force_login(team[Role.TEAM_LEAD])
    html = client.get(reverse("visits:calendar")).text
    assert shown_week(html) == "07/12/2026 – 13/12/2026"
    assert "Minera Andina" in html


def test_without_a_visit_ahead_the_calendar_opens_on_this_week(client, team, company):
    past = schedule(team, company, at(23, 9))
    with time_machine.travel(at(25, 8), tick=False):  # the visit is behind us
        client.force_login(team[Role.TEAM_LEAD])
        html = client.get(reverse("visits:calendar")).text
    assert shown_week(html) == "23/11/2026 – 29/11/2026"
    assert past.company.legal_name in html  # still in this week


def test_the_analyst_opens_on_her_own_next_visit(client, team, company):
    other = UserFactory(username="analista2", role=Role.TECHNICAL_ANALYST)
    schedule(team, company, at(26, 9), analyst=other)  # someone else's, sooner
    mine = schedule(team, company, at(1, 9).replace(month=12, day=3))  # Thursday 3 December
    analyst = team[Role.TECHNICAL_ANALYST]
    assert selectors.next_visit_day(user=analyst) == mine.starts_at.date()
    client.force_login(analyst)
    assert shown_week(client.get(reverse("visits:calendar")).text) == "30/11/2026 – 06/12/2026"
    # Filtered by an analyst, that analyst's next visit.
    html = client.get(reverse("visits:calendar"), {"analyst": other.pk}).text
    assert shown_week(html) == "23/11/2026 – 29/11/2026"


def test_a_day_asked_for_wins_over_the_next_visit(client, team, company):
    schedule(team, company, at(1, 10).replace(month=12, day=9))
    client.force_login(team[Role.TEAM_LEAD])
    html = client.get(reverse("visits:calendar"), {"day": "2026-11-10"}).text
    assert shown_week(html) == "09/11/2026 – 15/11/2026"


def test_hoy_leads_to_this_week_and_is_marked_when_shown(client, team, company):
    schedule(team, company, at(1, 10).replace(month=12, day=9))
    client.force_login(team[Role.TEAM_LEAD])
    html = client.get(reverse("visits:calendar")).text
    today = re.search(
        r'<a class="btn btn-sm [^"]*" data-testid="calendar-today" href="([^"]+)"', html
    )
    assert today and "day=2026-11-23" in today.group(1).replace("&amp;", "&")
    assert 'aria-current="date"' not in html  # the week shown is not this one
    this_week = client.get(reverse("visits:calendar") + today.group(1).replace("&amp;", "&")).text
    assert shown_week(this_week) == "23/11/2026 – 29/11/2026"
    assert 'aria-current="date"' in this_week
    month = client.get(reverse("visits:calendar"), {"view": "month", "day": "2026-12-09"}).text
    hoy = r'data-testid="calendar-today" href="\?view=month&(amp;)?day=2026-11-23"'
    assert re.search(hoy, month)


def test_the_week_grid_puts_each_visit_in_its_day_and_hour(client, team, company):
    early = schedule(team, company, at(24, 7))  # before the working day: the grid widens
    late = schedule(team, company, at(27, 15), hours=2)
    client.force_login(team[Role.TEAM_LEAD])
    html = client.get(reverse("visits:calendar"), {"day": "2026-11-25"}).text
    grid = html[html.index('data-testid="week-grid"') : html.index("</table>")]
    rows = re.findall(r"<tr>\s*<th scope=\"row\"[^>]*>(\d\d):00</th>(.*?)</tr>", grid, re.S)
    hours = [hour for hour, _cells in rows]
    assert hours[0] == "07" and hours[-1] == "18" and len(hours) == 12
    by_hour = dict(rows)
    cells = re.findall(r"<td[^>]*>(.*?)</td>", by_hour["07"], re.S)
    assert len(cells) == 7 and f'data-grid-visit="{early.pk}"' in cells[1]  # Tuesday
    cells = re.findall(r"<td[^>]*>(.*?)</td>", by_hour["15"], re.S)
    assert f'data-grid-visit="{late.pk}"' in cells[4] and "15:00–17:00" in cells[4]  # Friday
    # Each block leads to the visit's details (and its actions) in the day list.
    assert f'href="#visit-{late.pk}"' in grid and f'id="visit-{late.pk}"' in html


def test_the_month_view_has_no_grid_and_keeps_its_days(client, team, company):
    schedule(team, company, at(25, 10))
    client.force_login(team[Role.TEAM_LEAD])
    html = client.get(reverse("visits:calendar"), {"view": "month", "day": "2026-11-02"}).text
    assert 'data-testid="week-grid"' not in html and "Minera Andina" in html
    assert html.count("data-day=") == 30


def test_the_excel_download_follows_the_week_it_opens_on(client, team, company):
    schedule(team, company, at(1, 10).replace(month=12, day=9))
    client.force_login(team[Role.TEAM_LEAD])
    response = client.get(reverse("visits:calendar"), {"formato": "xlsx"})
    assert response.status_code == 200
    assert "spreadsheetml" in response["Content-Type"]
