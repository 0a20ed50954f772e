"""Procedure G in a real browser, across the inboxes: the executive receives
a Comteco call-detail request for this month and the previous one, checks
the request letter and tells the fee; the commercial manager queries the
line, the system writes the detail, charges Bs 12 to the line's next invoice
and e-mails it to the executive; the executive sends it to the customer."""

from datetime import datetime, time, timedelta
from decimal import Decimal
from importlib import import_module

import pytest
from django.apps import apps
from django.core import mail
from django.utils import timezone

from posventa.accounts.roles import Role
from posventa.billing.models import Charge
from posventa.calls.models import CallRecord, CallSource
from posventa.cases.models import Case, CaseStatus
from posventa.cases.tests.test_browser import open_pending, submit
from posventa.common.dates import add_months
from posventa.factories import ContactFactory, PlanFactory, ProductFactory, product_type
from posventa.procedures.tests.steps import attach_document, procedure_mail
from posventa.web.tests.browser import choose_procedure, log_in, other_person, serious_violations

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data", "procedures"),
]


@pytest.fixture
def line(reference_data, team):
    # G's checklist (a later data migration than the shared fixture loads).
    import_module(
        "posventa.procedures.migrations.0004_call_detail_and_withdrawal_requirements"
    ).load(apps, None)
    plan = PlanFactory(code="LF-B", product_type=product_type("fixed_line"), monthly_price=70)
    product = ProductFactory(plan=plan, service_number="4431000")
    product.company.executive = team[Role.EXECUTIVE]
    product.company.save(update_fields=["executive"])
    ContactFactory(company=product.company, email="gerencia@cliente.example", is_primary=True)
    today = timezone.localdate()
    zone = timezone.get_current_timezone()
    previous = add_months(today.replace(day=1), -1)
    for day, number, source in [
        (today.replace(day=1), "4432001", CallSource.COMTECO),
        (previous, "4432002", CallSource.COMTECO),
        (previous + timedelta(days=1), "22443003", CallSource.BOLIVIATEL),
    ]:
        CallRecord.objects.create(
            product=product,
            started_at=datetime.combine(day, time(0, 30), tzinfo=zone),
            called_number=number,
            destination="Cochabamba local",
            duration_seconds=75,
            cost=Decimal("0.20"),
            source=source,
        )
    return product


def test_comteco_call_detail_across_the_inboxes(page, live_server, team, line):
    today = timezone.localdate()
    previous = add_months(today.replace(day=1), -1)
    log_in(page, team[Role.EXECUTIVE].username)

    # 1. The executive opens the case on the line and receives the request.
    page.goto(f"/clientes/{line.company.pk}/casos/nuevo/")
    choose_procedure(page, "G")
    page.select_option("#id_channel", "letter")
    page.select_option("#id_product", str(line.pk))
    page.fill("#id_subject", "Detalle de llamadas de la central")
    submit(page)
    page.wait_for_url("**/casos/PV-**")
    case = Case.objects.latest("received_at")

    open_pending(page, "Recibe la solicitud de detalle de llamadas")
    assert serious_violations(page) == []
    assert page.is_checked("input[name=source][value=comteco]")
    assert page.is_checked(f"input[name=lines][value='{line.pk}']")
    page.check(f"input[name=months][value='{previous:%Y-%m}']")
    submit(page)
    page.wait_for_url("**/bandeja/")

    # 4. The request letter and the rest of the checklist.
    open_pending(page, "Solicita los requisitos")
    assert "Bs 12,00 por línea" in page.locator("main").inner_text()
    for requirement in ("request_letter", "nit_copy", "id_copy"):
        attach_document(page, requirement)
    submit(page)
    page.wait_for_url("**/bandeja/")

    # 5. The fee is told; the request goes to the commercial manager.
    open_pending(page, "Informa el costo y deriva al gestor(a) comercial")
    assert "Bs 12,00" in page.input_value("#id_interaction_summary")
    submit(page)
    page.wait_for_url("**/bandeja/")

    # 6–8. The commercial manager queries the line and gets the detail.
    manager = other_person(page, live_server, team[Role.COMMERCIAL_MANAGER].username)
    open_pending(manager, "Consulta las líneas y recaba el detalle")
    text = manager.locator("main").inner_text()
    assert f"4431000 · {previous:%m/%Y}: 1" in text
    manager.check("#id_detail_obtained")
    submit(manager)
    manager.wait_for_url("**/bandeja/")
    manager.context.close()
    [charge] = Charge.objects.all()
    assert (charge.product, charge.amount, charge.invoice) == (line, Decimal("12.00"), None)
    assert case.documents.filter(generated=True).count() == 2  # the detail, PDF and Excel
    assert case.documents.filter(generated=False).count() == 3  # the requirements attached
    [to_executive] = procedure_mail(mail.outbox)
    assert to_executive.to == [team[Role.EXECUTIVE].email] and len(to_executive.attachments) == 2

    # 9. The executive sends it to the customer by e-mail.
    open_pending(page, "Envía el detalle al cliente")
    assert page.input_value("#id_send_to") == "gerencia@cliente.example"
    submit(page)
    page.wait_for_url("**/bandeja/")
    case.refresh_from_db()
    assert (case.status, case.outcome) == (CaseStatus.CLOSED, "fulfilled")
    to_customer = procedure_mail(mail.outbox)[-1]
    assert to_customer.to == ["gerencia@cliente.example"]
    assert sorted(name.rsplit(".", 1)[-1] for name, _c, _t in to_customer.attachments) == [
        "pdf",
        "xlsx",
    ]
    page.goto(f"/casos/{case.number}/")
    page.locator("#diagram[data-rendered=true]").wait_for()
    assert page.locator("#diagram [data-element-id=query_line].step-done").count() == 1
    assert "Detalle de llamadas" in page.locator("main").inner_text()
