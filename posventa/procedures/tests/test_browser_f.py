"""Procedure F in a real browser, across the roles: the executive receives a
billing complaint and registers it (it goes to UTAR by e-mail); the
commercial manager records UTAR's resolution on the complaint's page; the
case returns to the executive, who calls the customer back and closes it."""

from datetime import date
from decimal import Decimal

import pytest
from django.core import mail

from posventa.accounts.roles import Role
from posventa.cases.models import Case, CaseStatus
from posventa.cases.tests.test_browser import open_pending, submit
from posventa.claims.models import Complaint, ComplaintState
from posventa.factories import InvoiceFactory
from posventa.outbox.models import Mailbox
from posventa.procedures.tests.steps import procedure_mail
from posventa.web.tests.browser import choose_procedure, log_in, other_person, serious_violations

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data", "procedures"),
]


def test_a_billing_complaint_registered_resolved_by_utar_and_told(
    page, live_server, team, customer_product
):
    # The claims unit's address (a transactional test's flush wipes the migration's row).
    Mailbox.objects.get_or_create(
        code="utar", defaults={"name": "UTAR", "address": "utar@posventa.localhost"}
    )
    invoice = InvoiceFactory(
        product=customer_product, period=date(2026, 10, 1), amount=Decimal("250.00")
    )
    log_in(page, team[Role.EXECUTIVE].username)

    # 1–2. The executive opens the case and takes the complaint against the statement.
    page.goto(f"/clientes/{customer_product.company.pk}/casos/nuevo/")
    choose_procedure(page, "F")
    page.select_option("#id_channel", "phone")
    page.select_option("#id_product", str(customer_product.pk))
    page.fill("#id_subject", "Reclamo por cobro de octubre")
    submit(page)
    page.wait_for_url("**/casos/PV-**")
    case = Case.objects.latest("received_at")

    open_pending(page, "Recibe el reclamo de facturación")
    assert serious_violations(page) == []
    page.select_option("#id_invoice", str(invoice.pk))
    page.fill("#id_disputed_amount", "300")
    page.fill("#id_reason", "Llamadas a celulares que no reconoce.")
    page.fill("#id_interaction_summary", "El cliente llamó para reclamar la factura de octubre.")
    submit(page)
    assert "250" in page.locator("main").inner_text()  # refused: more than the invoice
    page.fill("#id_disputed_amount", "80.50")
    submit(page)
    page.wait_for_url("**/bandeja/")

    # 7. No complaint yet: the executive registers it and it goes to UTAR.
    open_pending(page, "Registra el reclamo y lo deriva a UTAR")
    assert page.input_value("#id_disputed_amount") == "80.50"
    submit(page)
    page.wait_for_url("**/bandeja/")
    complaint = Complaint.objects.get()
    assert complaint.state == ComplaintState.REGISTERED
    assert [m.to for m in procedure_mail(mail.outbox)] == [["utar@posventa.localhost"]]

    # UTAR resolves it: the commercial manager records the answer on its page.
    manager = other_person(page, live_server, team[Role.COMMERCIAL_MANAGER].username)
    manager.goto("/reclamos/")
    manager.get_by_role("link", name=complaint.number).click()
    manager.wait_for_url(f"**/reclamos/{complaint.pk}/")
    assert serious_violations(manager) == []
    manager.check("input[name=state][value=resolved]")
    manager.fill("#id_resolution", "Procede: se anulan Bs 80,50 en la próxima factura.")
    manager.locator("form[data-form=answer] button[type=submit]").click()
    manager.wait_for_url(f"**/reclamos/{complaint.pk}/")
    assert "se anulan Bs 80,50" in manager.get_by_test_id("complaint-resolution").inner_text()
    complaint.refresh_from_db()
    assert complaint.state == ComplaintState.RESOLVED
    manager.context.close()

    # 4. Back to the executive: she tells the resolution; the customer accepts.
    open_pending(page, "Informa la resolución de UTAR")
    assert "se anulan Bs 80,50" in page.locator("main").inner_text()
    page.check("input[name=accepted][value=yes]")
    page.fill("#id_interaction_summary", "El cliente está conforme con la anulación.")
    submit(page)
    page.wait_for_url("**/bandeja/")
    case.refresh_from_db()
    assert (case.status, case.outcome) == (CaseStatus.CLOSED, "fulfilled")
    complaint.refresh_from_db()
    assert complaint.customer_accepted is True
    page.goto(f"/casos/{case.number}/")
    page.locator("#diagram[data-rendered=true]").wait_for()
    assert page.locator("#diagram [data-element-id=wait_utar].step-done").count() == 1
