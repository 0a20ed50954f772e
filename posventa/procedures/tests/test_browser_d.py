"""Procedure D in a real browser, across the inboxes: the executive receives a
suspension, the commercial manager is refused a fifth month and enters four,
the product is suspended, the quality call closes the case; then the customer
of another, suspended product asks for it back, the commercial manager
reconnects it today and the executive tells how it comes back."""

from datetime import timedelta

import pytest
from django.utils import timezone

from posventa.accounts.roles import Role
from posventa.cases.models import Case, CaseStatus
from posventa.cases.tests.test_browser import open_pending, submit
from posventa.factories import ProductFactory, SuspensionFactory
from posventa.inventory.models import ProductStatus, Suspension
from posventa.inventory.rules import last_allowed_suspension_day
from posventa.inventory.services import product_suspend
from posventa.web.tests.browser import choose_procedure, log_in, other_person, serious_violations

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data", "procedures"),
]


def open_d_case(page, product, subject):
    page.goto(f"/clientes/{product.company.pk}/casos/nuevo/")
    choose_procedure(page, "D")
    page.select_option("#id_channel", "letter")
    page.select_option("#id_product", str(product.pk))
    page.fill("#id_subject", subject)
    submit(page)
    page.wait_for_url("**/casos/PV-**")
    return Case.objects.latest("received_at")


def quality_call(page, summary):
    open_pending(page, "Llamada de control de calidad")
    page.check("input[name=conform][value=yes]")
    page.fill("#id_interaction_summary", summary)
    submit(page)
    page.wait_for_url("**/bandeja/")


def test_suspension_then_reconnection_across_the_inboxes(page, live_server, team, customer_product):
    today = timezone.localdate()
    last_day = last_allowed_suspension_day(today)
    executive = team[Role.EXECUTIVE].username
    log_in(page, executive)

    # 1. The executive receives the request with its dates.
    case = open_d_case(page, customer_product, "Suspensión temporal por remodelación")
    open_pending(page, "Recibe la solicitud")
    assert serious_violations(page) == []
    page.check("input[name=request_kind][value=suspension]")
    page.fill("#id_starts_on", today.isoformat())
    page.fill("#id_ends_on", last_day.isoformat())
    submit(page)
    page.wait_for_url("**/bandeja/")

    # 3-4. The commercial manager tries a day more than four months: refused
    # with the rule's reason, nothing recorded; then enters the four months.
    manager = other_person(page, live_server, team[Role.COMMERCIAL_MANAGER].username)
    open_pending(manager, "Registra la suspensión")
    assert manager.input_value("#id_ends_on") == last_day.isoformat()
    manager.fill("#id_ends_on", (last_day + timedelta(days=1)).isoformat())
    submit(manager)
    assert "como máximo 4 meses" in manager.locator("main").inner_text()
    assert not Suspension.objects.filter(product=customer_product).exists()
    manager.fill("#id_ends_on", last_day.isoformat())
    submit(manager)
    manager.wait_for_url("**/bandeja/")
    customer_product.refresh_from_db()
    assert customer_product.status == ProductStatus.SUSPENDED
    case.refresh_from_db()
    assert case.attended_at is not None
    assert case.documents.filter(kind="order_request").count() == 1

    quality_call(page, "El cliente está conforme con la suspensión.")
    case.refresh_from_db()
    assert (case.status, case.outcome) == (CaseStatus.CLOSED, "fulfilled")

    # 5. Another product, suspended for a month now: the customer wants it back today.
    earlier = ProductFactory(company=customer_product.company, plan=customer_product.plan)
    suspension = SuspensionFactory(
        product=earlier, starts_on=today - timedelta(days=30), ends_on=today + timedelta(days=30)
    )
    product_suspend(product=earlier, on=suspension.starts_on)
    reconnection = open_d_case(page, earlier, "Reconexión anticipada")
    open_pending(page, "Recibe la solicitud")
    page.check("input[name=request_kind][value=reconnection]")
    page.fill("#id_reconnect_on", today.isoformat())
    submit(page)
    page.wait_for_url("**/bandeja/")
    open_pending(manager, "Registra la fecha de reconexión")
    submit(manager)
    manager.wait_for_url("**/bandeja/")
    manager.context.close()
    earlier.refresh_from_db()
    assert earlier.status == ProductStatus.ACTIVE
    suspension.refresh_from_db()
    assert suspension.reconnected_on == today

    # 8. The executive tells how it comes back (the DMN's answer for fiber).
    open_pending(page, "Informa la reconexión y gestiona el cobro")
    assert "automáticamente" in page.locator("main").inner_text()
    page.fill("#id_interaction_summary", "Se le explicó que el servicio vuelve solo.")
    submit(page)
    page.wait_for_url("**/bandeja/")
    quality_call(page, "Servicio restituido.")
    reconnection.refresh_from_db()
    assert (reconnection.status, reconnection.outcome) == (CaseStatus.CLOSED, "fulfilled")
    page.goto(f"/casos/{reconnection.number}/")
    page.locator("#diagram[data-rendered=true]").wait_for()
    assert page.locator("#diagram [data-element-id=enter_reconnection].step-done").count() == 1
