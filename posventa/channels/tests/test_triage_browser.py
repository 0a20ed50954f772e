"""The executive's triage inbox in a real browser, on a desktop and on a
phone: an e-mail from a customer's contact becomes a plan change (B) case
in a few clicks, and the case page leads back to the e-mail."""

from datetime import timedelta

import pytest
from django.utils import timezone

from posventa.accounts.roles import Role
from posventa.cases.models import Case
from posventa.channels.intake import Incoming, message_take
from posventa.channels.models import MessageState
from posventa.common.models import Channel
from posventa.engine import runtime
from posventa.factories import (
    CompanyFactory,
    ContactFactory,
    PlanFactory,
    ProductFactory,
    UserFactory,
    product_type,
)
from posventa.procedures.tests.fixtures import deploy_only
from posventa.web.tests.browser import choose_procedure, log_in, serious_violations

pytestmark = [
    pytest.mark.browser,
    # The live server needs committed data: a transactional database, with
    # the migrations' reference data loaded again after earlier flushes.
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),
]

TEXT = "Solicito cambio de plan a 50 Mbps para la línea INT-3926297."


@pytest.fixture
def setting(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    deploy_only("b_plan_change.bpmn")
    executive = UserFactory(username="ejecutiva", role=Role.EXECUTIVE)
    internet = product_type("internet")
    slow = PlanFactory(
        code="INT-10", name="Internet 10 Mbps", product_type=internet, monthly_price=250
    )
    PlanFactory(code="INT-50", name="Internet 50 Mbps", product_type=internet, monthly_price=520)
    company = CompanyFactory(executive=executive, legal_name="Hotel Muyurina S.R.L.")
    ContactFactory(company=company, name="Carla Méndez", email="gerencia@hotelmuyurina.bo")
    product = ProductFactory(company=company, plan=slow, service_number="INT-3926297")
    message = message_take(
        Incoming(
            channel=Channel.EMAIL,
            external_id="pedido-1@hotelmuyurina.bo",
            received_at=timezone.now() - timedelta(hours=3),
            sender="gerencia@hotelmuyurina.bo",
            sender_name="Carla Méndez",
            subject="Cambio de plan de internet",
            body=f"Buenos días:\n{TEXT}\nSaludos,\nCarla Méndez",
            raw=b"From: gerencia@hotelmuyurina.bo\r\n\r\nSolicito\r\n",
            raw_name="mensaje.eml",
        )
    )
    yield {"product": product, "message": message}
    runtime.specs.clear()


def open_messages(page, *, phone: bool) -> None:
    """From the menu: 'Casos' › 'Mensajes' (behind the menu button on a phone)."""
    page.goto("/bandeja/")
    if phone:
        page.get_by_role("button", name="Abrir el menú").click()
    page.get_by_role("button", name="Casos").click()
    page.get_by_role("link", name="Mensajes 1").click()
    page.wait_for_url("**/mensajes/")


def fits(page, device) -> bool:
    """No sideways scroll: the page is as wide as the screen, on a phone too."""
    width = 390 if device == "phone" else page.viewport_size["width"]
    return page.evaluate("document.documentElement.scrollWidth") <= width


@pytest.mark.parametrize("device", ["page", "phone"])
def test_an_email_becomes_a_plan_change_case_in_a_few_clicks(request, setting, device):
    page = request.getfixturevalue(device)
    product, message = setting["product"], setting["message"]
    log_in(page, "ejecutiva")

    open_messages(page, phone=device == "phone")
    assert serious_violations(page) == []
    assert fits(page, device)
    page.get_by_role("link", name="Carla Méndez").click()
    page.wait_for_url(f"**/mensajes/{message.pk}/")
    assert TEXT in page.get_by_test_id("message-text").inner_text()
    assert serious_violations(page) == []
    assert fits(page, device)
    choose_procedure(page, "B")
    page.select_option("#id_product", str(product.pk))
    assert page.input_value("#id_subject") == "Cambio de plan de internet"
    page.get_by_role("button", name="Abrir el caso").click()
    page.wait_for_url("**/casos/PV-**")

    case = Case.objects.get()
    assert (case.channel, case.received_at) == (Channel.EMAIL, message.received_at)
    message.refresh_from_db()
    assert (message.state, message.case) == (MessageState.OPENED, case)
    see = page.get_by_test_id("see-message")
    assert see.inner_text() == "Ver mensaje"
    see.click()
    page.wait_for_url(f"**/mensajes/{message.pk}/")
    assert TEXT in page.get_by_test_id("message-text").inner_text()
    assert page.get_by_test_id("message-case").inner_text() == case.number
    assert page.get_by_test_id("triage-actions").count() == 0  # sorted: nothing left to do
