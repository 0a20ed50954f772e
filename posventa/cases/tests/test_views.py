"""The inbox, a task, a case and opening a case, through Django's test client."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils.html import escape

from posventa.accounts.roles import Role
from posventa.cases.models import Alert, Case
from posventa.engine import services as engine
from posventa.engine.models import HumanTask
from posventa.factories import PASSWORD, CompanyFactory, UserFactory


def as_user(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def case(plan_change_case):
    return plan_change_case


def pending(case) -> HumanTask:
    return case.instance.human_tasks.get()


def test_the_inbox_shows_my_roles_steps_with_their_24_hours(client, team, case):
    page = as_user(client, team[Role.EXECUTIVE]).get(reverse("cases:inbox")).content.decode()
    assert "Verifica requisitos" in page and case.number in page
    assert "Vence en" in page  # the 24-hour badge
    other = as_user(client, team[Role.COMMERCIAL_MANAGER]).get(reverse("cases:inbox"))
    assert "Verifica requisitos" not in other.content.decode()


def test_an_executive_does_not_see_steps_of_another_portfolio(client, team, case):
    stranger = UserFactory(username="otra", role=Role.EXECUTIVE)
    page = as_user(client, stranger).get(reverse("cases:inbox")).content.decode()
    assert case.number not in page
    task = pending(case)
    # The step's page answers as for a step no longer pending: back to the inbox.
    assert client.get(reverse("cases:task", args=[task.task_id])).url == reverse("cases:inbox")
    assert client.post(reverse("cases:task_claim", args=[task.task_id])).status_code == 404
    assert client.get(reverse("cases:detail", args=[case.number])).status_code == 404


def test_the_inbox_filters_by_procedure_and_customer(client, team, case):
    client = as_user(client, team[Role.EXECUTIVE])
    assert case.number in client.get(reverse("cases:inbox"), {"procedure": "B"}).content.decode()
    assert (
        case.number not in client.get(reverse("cases:inbox"), {"procedure": "D"}).content.decode()
    )
    other = CompanyFactory(executive=team[Role.EXECUTIVE])
    assert (
        case.number
        not in client.get(reverse("cases:inbox"), {"company": other.pk}).content.decode()
    )
    assert client.get(reverse("cases:inbox"), {"company": "x"}).status_code == 200


def test_claim_and_release(client, team, case):
    client = as_user(client, team[Role.EXECUTIVE])
    task = pending(case)
    client.post(reverse("cases:task_claim", args=[task.task_id]))
    task.refresh_from_db()
    assert task.assignee == team[Role.EXECUTIVE]
    client.post(reverse("cases:task_release", args=[task.task_id]))
    task.refresh_from_db()
    assert task.assignee is None


def test_a_claim_is_refused_to_the_wrong_role(client, team, case):
    task = pending(case)
    response = as_user(client, team[Role.COMMERCIAL_MANAGER]).post(
        reverse("cases:task_claim", args=[task.task_id])
    )
    assert response.status_code == 404
    task.refresh_from_db()
    assert task.assignee is None


def test_a_task_page_shows_the_form_the_case_and_the_instructions(client, team, case):
    page = (
        as_user(client, team[Role.EXECUTIVE])
        .get(reverse("cases:task", args=[pending(case).task_id]))
        .content.decode()
    )
    assert "Plan solicitado" in page
    assert "Carta de solicitud firmada" in page
    assert "Indique el plan que pide el cliente" in page
    assert case.company.nit in page


def test_invalid_data_shows_the_errors_and_changes_nothing(client, team, case):
    task = pending(case)
    response = as_user(client, team[Role.EXECUTIVE]).post(
        reverse("cases:task", args=[task.task_id]), {"new_plan": "999"}
    )
    assert response.status_code == 200
    assert "Escoja una opción válida" in response.content.decode()
    assert pending(case).pk == task.pk


def test_completing_routes_the_next_step_and_says_where(client, team, case, internet_plans):
    task = pending(case)
    response = as_user(client, team[Role.EXECUTIVE]).post(
        reverse("cases:task", args=[task.task_id]),
        {
            "new_plan": internet_plans[1].pk,
            "has_request_letter": "on",
            "has_nit_copy": "on",
            "has_id_copy": "on",
        },
        follow=True,
    )
    page = response.content.decode()
    assert "Registra el cambio de plan" in page and "Gestor(a) comercial" in page
    # The same step, posted again (another tab), says it is already done.
    again = client.post(reverse("cases:task", args=[task.task_id]), {}, follow=True)
    assert "ya" in again.content.decode().lower()


def test_the_case_page_draws_the_process(client, team, case):
    page = (
        as_user(client, team[Role.TEAM_LEAD])
        .get(reverse("cases:detail", args=[case.number]))
        .content.decode()
    )
    assert 'id="diagram"' in page and "bpmn-navigated-viewer" in page
    assert "check_requirements" in page  # the pending element, for the highlight


def test_opening_a_case_from_the_customer_page(client, procedures, team, customer_product):
    client = as_user(client, team[Role.EXECUTIVE])
    url = reverse("cases:new", args=[customer_product.company.pk])
    assert "B · Cambio de plan" in client.get(url).content.decode()
    response = client.post(
        url,
        {
            "procedure": "B",
            "channel": "in_person",
            "product": customer_product.pk,
            "subject": "Bajar de plan",
        },
    )
    case = Case.objects.get()
    assert response["Location"] == reverse("cases:detail", args=[case.number])
    assert case.instance.human_tasks.get().bpmn_id == "check_requirements"


def test_opening_a_case_needs_what_the_customer_asks(client, procedures, team, customer_product):
    response = as_user(client, team[Role.EXECUTIVE]).post(
        reverse("cases:new", args=[customer_product.company.pk]),
        {"procedure": "B", "channel": "email", "subject": ""},
    )
    assert "Este campo es obligatorio." in response.content.decode()
    assert not Case.objects.exists()


def test_another_executive_cannot_open_a_case_for_my_customer(client, procedures, customer_product):
    stranger = UserFactory(username="otra", role=Role.EXECUTIVE, password=PASSWORD)
    response = as_user(client, stranger).post(
        reverse("cases:new", args=[customer_product.company.pk]),
        {"procedure": "B", "channel": "email", "subject": "x"},
    )
    assert response.status_code == 404
    assert not Case.objects.exists()


def test_the_team_lead_sees_the_warning_of_a_late_step_and_marks_it_seen(client, team, case):
    with time_machine.travel(case.received_at + timedelta(hours=25), tick=False):
        engine.timers_advance()
    [alert] = case.alerts.all()
    client = as_user(client, team[Role.TEAM_LEAD])
    assert escape(alert.message) in client.get(reverse("cases:inbox")).content.decode()
    client.post(reverse("cases:alert_read", args=[alert.pk]))
    alert.refresh_from_db()
    assert alert.read_at is not None
    assert escape(alert.message) not in client.get(reverse("cases:inbox")).content.decode()


def test_a_warning_for_another_role_cannot_be_marked(client, team, case):
    alert = Alert.objects.create(case=case, role=Role.TEAM_LEAD, message="Tarde")
    response = as_user(client, team[Role.EXECUTIVE]).post(
        reverse("cases:alert_read", args=[alert.pk])
    )
    assert response.status_code == 404
    alert.refresh_from_db()
    assert alert.read_at is None


def test_the_new_case_form_offers_only_the_products_of_the_procedure(
    client, procedures, team, customer_product
):
    from posventa.factories import PlanFactory, ProductFactory, product_type

    line = ProductFactory(
        company=customer_product.company,
        plan=PlanFactory(code="LF-1", name="Línea", product_type=product_type("fixed_line")),
        service_number="4-4000001",
    )
    client = as_user(client, team[Role.EXECUTIVE])
    url = reverse("cases:new", args=[customer_product.company.pk])
    page = client.get(url, {"procedure": "A"}).content.decode()
    assert line.service_number in page and customer_product.service_number not in page
    page = client.get(url, {"procedure": "B"}).content.decode()
    assert line.service_number in page and customer_product.service_number in page
    # Posting a product the procedure is not about is refused.
    response = client.post(
        url, {"procedure": "A", "channel": "email", "subject": "x", "product": customer_product.pk}
    )
    assert "is-invalid" in response.content.decode()
    response = client.post(url, {"procedure": "A", "channel": "email", "subject": "x"})
    assert "Elija el producto" in response.content.decode() or "is-invalid" in (
        response.content.decode()
    )
    assert not Case.objects.exists()
