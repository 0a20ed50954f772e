"""The team view in a browser: the team lead sees who holds what, hands an
executive's step to another executive, and that executive finds it in her
inbox and opens it; on a phone too. No serious axe finding, no CSP
violation (the fixtures)."""

import pytest

from posventa.accounts.roles import Role
from posventa.cases.models import TaskReassignment
from posventa.cases.services import case_open
from posventa.engine import runtime
from posventa.factories import UserFactory
from posventa.procedures.tests.fixtures import deploy_only
from posventa.web.tests.browser import log_in, other_person, serious_violations

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),
]


@pytest.fixture
def open_case(media, team, customer_product):
    deploy_only("b_plan_change.bpmn")
    case = case_open(
        company=customer_product.company,
        procedure="B",
        channel="email",
        subject="Cambio de plan",
        product=customer_product,
        user=team[Role.EXECUTIVE],
    )
    yield case
    runtime.specs.clear()


@pytest.fixture
def olga(db):
    return UserFactory(username="olga", role=Role.EXECUTIVE, first_name="Olga", last_name="Rojas")


def test_the_team_lead_hands_an_executives_step_to_another_executive(
    page, live_server, open_case, olga, team
):
    task = open_case.instance.human_tasks.get()
    log_in(page, "team_lead")
    page.goto("/equipo/")
    executive = team[Role.EXECUTIVE]
    row = page.locator(f"tr[data-person={executive.username}]")
    # Her one step, on time; Olga has none.
    assert row.locator("td").first.inner_text() == "1"
    assert page.locator("tr[data-person=olga] td").first.inner_text() == "0"
    assert serious_violations(page) == []

    page.locator(f"#person-{Role.EXECUTIVE.value}-{executive.pk} summary").click()
    page.locator(f"a[href='/equipo/tareas/{task.task_id}/']").click()
    page.wait_for_url(f"**/equipo/tareas/{task.task_id}/")
    assert open_case.number in page.locator("main").inner_text()
    assert serious_violations(page) == []
    page.get_by_label("Asignar a").select_option(str(olga.pk))
    page.get_by_role("button", name="Reasignar").click()
    page.wait_for_url("**/equipo/")
    assert "está ahora en la bandeja de Olga Rojas" in page.locator("main").inner_text()
    assert page.locator("tr[data-person=olga] td").first.inner_text() == "1"
    assert row.locator("td").first.inner_text() == "0"

    handed = TaskReassignment.objects.get()
    assert (handed.from_user, handed.to_user, handed.reassigned_by) == (
        executive,
        olga,
        team[Role.TEAM_LEAD],
    )

    # Olga finds it in her inbox, though the customer is another's, and opens it.
    inbox = other_person(page, live_server, "olga")
    inbox.goto("/bandeja/")
    inbox.get_by_role("link", name=task.name).first.click()
    inbox.wait_for_url(f"**/tareas/{task.task_id}/")
    assert open_case.number in inbox.locator("main").inner_text()
    # The case's history says who handed it, to whom.
    inbox.goto(f"/casos/{open_case.number}/")
    assert "Paso reasignado a Olga Rojas" in inbox.locator("main").inner_text()
    inbox.context.close()

    # The executive who had it no longer does.
    before = other_person(page, live_server, executive.username)
    before.goto("/bandeja/")
    assert before.get_by_role("link", name=task.name).count() == 0
    before.context.close()


def test_the_division_head_reads_the_team_on_a_phone(phone, open_case, olga):
    page = phone
    log_in(page, "division_head")
    page.goto("/equipo/")
    assert "Quién tiene qué" in page.locator("h1").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert serious_violations(page) == []
    task = open_case.instance.human_tasks.get()
    page.goto(f"/equipo/tareas/{task.task_id}/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert serious_violations(page) == []


def test_an_executive_is_refused_the_team_view(page, open_case):
    log_in(page, "executive")
    response = page.goto("/equipo/")
    assert response.status == 403
