"""Procedure L in a real browser: the analyst diagnoses a request and
schedules its visit from her inbox (step 5), and the team lead finds it in
the shared calendar; the team lead tries to move a visit onto another of the
same analyst (refused, nothing changes), moves it to a free slot, and sees it
in its new place. Annex 1: an executive plans a commercial visit on her phone
and prints her schedule with it."""

import io
from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone
from pypdf import PdfReader

from posventa.accounts.roles import Role
from posventa.cases.services import case_open
from posventa.cases.tests.test_browser import open_pending, submit
from posventa.engine import runtime
from posventa.factories import CompanyFactory
from posventa.procedures.tests.fixtures import deploy_only
from posventa.visits.models import Visit, VisitKind
from posventa.visits.services import visit_schedule
from posventa.web.tests.browser import log_in, other_person, serious_violations

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),
]


@pytest.fixture
def procedures(db, media):
    yield deploy_only("l_support_visits.bpmn")
    runtime.specs.clear()


def test_the_analyst_schedules_the_visit_from_her_inbox_and_the_team_lead_sees_it(
    page, live_server, team, procedures
):
    company = CompanyFactory(executive=team[Role.EXECUTIVE], legal_name="Minera Andina S.A.")
    case = case_open(
        company=company,
        procedure="L",
        channel="phone",
        subject="El cliente pide una visita: la red interna falla",
        user=team[Role.EXECUTIVE],
    )
    analyst = team[Role.TECHNICAL_ANALYST]
    day = timezone.localdate() + timedelta(days=3)

    log_in(page, analyst.username)
    open_pending(page, "Diagnostica la solicitud a distancia")
    page.check("input[name=diagnosis][value=visit]")
    page.fill("#id_findings", "Pérdida de paquetes en la red interna")
    page.fill("#id_interaction_summary", "Se revisa con el cliente por teléfono")
    submit(page)
    page.wait_for_url("**/bandeja/")

    # Step 5: her own step, the analyst who diagnosed proposed.
    open_pending(page, "Agenda la visita en el calendario de visitas")
    assert page.locator("#id_analyst").input_value() == str(analyst.pk)
    assert serious_violations(page) == []
    page.fill("#id_starts_at", f"{day:%Y-%m-%d}T10:00")
    page.fill("#id_ends_at", f"{day:%Y-%m-%d}T12:00")
    page.fill("#id_person", "Ing. Rocío Mamani")
    submit(page)
    page.wait_for_url("**/bandeja/")
    visit = Visit.objects.get(case=case)
    assert (visit.analyst, visit.scheduled_by) == (analyst, analyst)

    # The team lead coordinates on the shared calendar: the visit is there,
    # hers to move.
    lead = other_person(page, live_server, team[Role.TEAM_LEAD].username)
    lead.goto(f"/visitas/?day={day:%Y-%m-%d}")
    item = lead.locator(f"[data-visit='{visit.pk}']")
    assert "Minera Andina" in item.inner_text() and case.number in item.inner_text()
    assert item.get_by_role("button", name="Mover visita").is_visible()
    lead.context.close()


def test_an_executive_plans_a_commercial_visit_on_her_phone_and_prints_annex1(
    phone, team, other_executive
):
    executive = team[Role.EXECUTIVE]
    executive.first_name, executive.last_name = "Carla", "Rojas"
    executive.save(update_fields=["first_name", "last_name"])
    company = CompanyFactory(
        executive=executive, legal_name="Minera Andina S.A.", address="Av. Blanco Galindo km 4"
    )
    day = timezone.localdate() + timedelta(days=5)

    log_in(phone, executive.username)
    phone.goto(f"/visitas/?day={day:%Y-%m-%d}")
    plan = phone.locator("a[href^='/visitas/comercial/nueva/']")
    assert plan.is_visible()
    plan.click()
    phone.wait_for_url("**/visitas/comercial/nueva/**")
    assert fits(phone) and serious_violations(phone) == []
    phone.select_option("#id_company", str(company.pk))
    phone.fill("#id_day", f"{day:%Y-%m-%d}")
    phone.fill("#id_start", "16:00")
    phone.fill("#id_end", "15:00")  # before it starts: refused, said on the field
    phone.fill("#id_person", "Lic. Marco Vargas")
    phone.fill("#id_observations", "Ofrecer fibra 100 Mbps")
    submit(phone)
    phone.locator("#id_end_errors").wait_for()
    assert not Visit.objects.exists()
    phone.fill("#id_start", "15:00")
    phone.fill("#id_end", "16:30")
    submit(phone)
    phone.wait_for_url("**/visitas/?day=**")
    visit = Visit.objects.get()
    assert (visit.kind, visit.executive, visit.work_order) == (
        VisitKind.COMMERCIAL,
        executive,
        None,
    )
    item = phone.locator(f"[data-visit='{visit.pk}']")
    assert "Minera Andina" in item.inner_text() and "Lic. Marco Vargas" in item.inner_text()
    assert fits(phone) and serious_violations(phone) == []

    # Annex 1: her commercial schedule, as the manual's form.
    annex = phone.locator("[data-testid=annex1]")
    annex.locator("input[name=start]").fill(f"{day:%Y-%m-%d}")
    annex.locator("input[name=end]").fill(f"{day:%Y-%m-%d}")
    with phone.expect_download() as download:
        annex.locator("button[type=submit]").click()
    with open(download.value.path(), "rb") as handle:
        reader = PdfReader(io.BytesIO(handle.read()))
    text = " ".join(" ".join(p.extract_text() for p in reader.pages).split())
    assert "ofertas de servicio" in text and "Carla Rojas" in text
    assert f"{day:%d/%m/%Y} 15:00–16:30 Minera Andina S.A. Lic. Marco Vargas" in text

    # Another executive does not see it.
    phone.context.clear_cookies()
    log_in(phone, other_executive.username)
    phone.goto(f"/visitas/?day={day:%Y-%m-%d}")
    assert phone.locator(f"[data-visit='{visit.pk}']").count() == 0


def fits(page) -> bool:
    """No sideways scrolling on a 390 px phone."""
    return page.evaluate("document.documentElement.scrollWidth") <= 390


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
