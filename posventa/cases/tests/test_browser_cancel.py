"""The team lead cancels a case from its page, on a phone: the button, the
confirmation with the reason, the case closed as cancelled with who and why,
and the step gone from the executive's inbox."""

import pytest

from posventa.accounts.roles import Role
from posventa.cases.models import Case, CaseStatus, Outcome
from posventa.cases.services import case_open
from posventa.engine import runtime
from posventa.engine.models import HumanTask
from posventa.procedures.tests.fixtures import deploy_only
from posventa.web.tests.browser import log_in, serious_violations

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),
]

REASON = "El cliente llamó: la solicitud fue un error."


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


def test_the_team_lead_cancels_a_case_from_its_page_on_a_phone(phone, live_server, open_case):
    page = phone
    log_in(page, "team_lead")
    page.goto(f"/casos/{open_case.number}/")
    page.get_by_test_id("case-cancel").click()
    page.wait_for_url(f"**/casos/{open_case.number}/cancelar/")
    assert "Verifica requisitos" in page.get_by_test_id("cancel-pending").inner_text()
    assert serious_violations(page) == []
    # The buttons fit the phone's width: nothing to scroll sideways.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    page.locator("main form button[type=submit]").click()  # no reason: refused
    assert page.locator("#id_reason.is-invalid, #id_reason_errors").count() >= 1
    assert Case.objects.get(pk=open_case.pk).status == CaseStatus.OPEN

    page.fill("#id_reason", REASON)
    page.select_option("#id_channel", "phone")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"**/casos/{open_case.number}/")
    assert REASON in page.get_by_test_id("case-cancelled").inner_text()
    assert page.get_by_test_id("case-cancel").count() == 0

    case = Case.objects.get(pk=open_case.pk)
    assert (case.status, case.outcome, case.cancel_reason) == (
        CaseStatus.CLOSED,
        Outcome.CANCELLED,
        REASON,
    )
    assert not HumanTask.objects.filter(instance=case.instance).exists()
    # The executive's inbox no longer has the step.
    other = page.context.browser.new_context(base_url=live_server.url, locale="es-BO")
    executive = other.new_page()
    log_in(executive, "executive")
    executive.goto("/bandeja/")
    assert executive.get_by_role("link", name="Verifica requisitos").count() == 0
    other.close()
