"""Procedure L in a real browser: the team lead opens the shared visit
calendar, tries to move a visit onto another of the same analyst (refused,
nothing changes), moves it to a free slot, and sees it in its new place."""

from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone

from posventa.accounts.roles import Role
from posventa.factories import CompanyFactory
from posventa.visits.models import Visit
from posventa.visits.services import visit_schedule
from posventa.web.tests.browser import log_in, serious_violations

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),
]


def test_the_team_lead_moves_a_visit_in_the_calendar(page, live_server, team):
    day = timezone.localdate() + timedelta(days=7)

    def at(hour: int, on=day) -> datetime:
        return timezone.make_aware(datetime.combine(on, time(hour)))

    company = CompanyFactory(executive=team[Role.EXECUTIVE], legal_name="Minera Andina S.A.")
    analyst = team[Role.TECHNICAL_ANALYST]
    visit = visit_schedule(
        company=company,
        analyst=analyst,
        starts_at=at(10),
        ends_at=at(12),
        person="Ing. Rocío Mamani",
        location="Av. Blanco Galindo km 4",
        user=team[Role.TEAM_LEAD],
    )
    visit_schedule(
        company=company,
        analyst=analyst,
        starts_at=at(15),
        ends_at=at(16),
        person="Lic. Ana Pérez",
        location="Calle Jordán 200",
        user=team[Role.TEAM_LEAD],
    )

    log_in(page, team[Role.TEAM_LEAD].username)
    page.goto(f"{live_server.url}/visitas/?day={day:%Y-%m-%d}")
    item = page.locator(f"[data-visit='{visit.pk}']")
    assert "Minera Andina" in item.inner_text()
    assert not serious_violations(page)

    # Onto the analyst's other visit: refused, nothing moves.
    item.locator("input[name=starts_at]").fill(f"{day:%Y-%m-%d}T14:30")
    item.get_by_role("button", name="Mover visita").click()
    page.get_by_text("ya tiene una visita").wait_for()
    visit.refresh_from_db()
    assert visit.starts_at == at(10)

    # To the next day at 9: moved, the work order rescheduled.
    following = day + timedelta(days=1)
    item = page.locator(f"[data-visit='{visit.pk}']")
    item.locator("input[name=starts_at]").fill(f"{following:%Y-%m-%d}T09:00")
    item.get_by_role("button", name="Mover visita").click()
    page.get_by_text("Visita movida").wait_for()
    visit = Visit.objects.select_related("work_order").get(pk=visit.pk)
    assert (visit.starts_at, visit.ends_at) == (at(9, following), at(11, following))
    assert visit.work_order.scheduled_at == at(9, following)
    moved = page.locator(f"[data-day='{following:%Y-%m-%d}'] [data-visit='{visit.pk}']")
    assert "09:00" in moved.inner_text()
