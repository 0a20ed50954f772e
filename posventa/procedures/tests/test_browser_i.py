"""Procedure I in a real browser: the executive works through her debtors
list — overdue invoices only, the most overdue first, with its ageing; she
searches it and filters it by ageing band — calls one, records a payment
promise (a promise beyond the week is refused first), and the list shows it;
then the team lead produces the month's proformas and watches the progress
bar fill."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from posventa.accounts.roles import Role
from posventa.billing.rules import ageing_bucket
from posventa.cases.models import Case
from posventa.cases.tests.test_browser import submit
from posventa.collections.models import PaymentPromise, ProformaSending
from posventa.engine import runtime
from posventa.factories import CompanyFactory, ContactFactory, InvoiceFactory, ProductFactory
from posventa.procedures.tests.fixtures import deploy_only
from posventa.web.tests.browser import log_in, other_person, serious_violations

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data", "procedures"),
]


@pytest.fixture
def procedures(db, media):
    """Only I's model."""
    yield deploy_only("i_collections.bpmn")
    runtime.specs.clear()


def month_start(day: date, back: int) -> date:
    for _ in range(back):
        day = (day.replace(day=1) - timedelta(days=1)).replace(day=1)
    return day.replace(day=1)


def test_the_executive_calls_a_debtor_and_records_a_promise(
    page, live_server, team, customer_product, settings
):
    today = timezone.localdate()
    company = customer_product.company
    ContactFactory(company=company, is_primary=True)
    two_months = month_start(today, 2)
    InvoiceFactory(
        product=customer_product, period=two_months, due_date=two_months + timedelta(days=19)
    )
    late = CompanyFactory(executive=team[Role.EXECUTIVE], legal_name="Recién Vencida S.A.")
    one_month = month_start(today, 1)
    InvoiceFactory(
        product=ProductFactory(company=late, plan=customer_product.plan),
        period=one_month,
        due_date=min(one_month + timedelta(days=19), today - timedelta(days=1)),
    )

    due_today = CompanyFactory(executive=team[Role.EXECUTIVE], legal_name="Vence Hoy S.A.")
    InvoiceFactory(
        product=ProductFactory(company=due_today, plan=customer_product.plan),
        period=today.replace(day=1),
        due_date=today,
    )

    log_in(page, team[Role.EXECUTIVE].username)
    page.goto("/cobranza/")
    debtors = page.locator("[data-debtor]")
    assert debtors.count() == 2  # due today is not overdue: not a debtor
    assert "Vence Hoy S.A." not in page.locator("main").inner_text()
    assert debtors.first.get_attribute("data-debtor") == str(company.pk)  # the most overdue first
    assert customer_product.service_number in debtors.first.inner_text()
    assert serious_violations(page) == []

    # The search box finds a debtor by name; a band's link shows its debtors only.
    page.fill("#q", "Recién")
    page.get_by_role("button", name="Buscar").click()
    page.wait_for_url("**q=Reci*")
    assert page.locator("[data-debtor]").count() == 1
    assert "Recién Vencida S.A." in page.locator("[data-debtor]").first.inner_text()
    band = ageing_bucket((today - (two_months + timedelta(days=19))).days)
    page.goto("/cobranza/")
    page.locator(f"a[data-bucket='{band.code}']").click()
    page.wait_for_url("**bucket=*")
    shown = {
        d.get_attribute("data-ageing") for d in page.locator("[data-debtor] [data-ageing]").all()
    }
    assert shown == {band.code}
    assert page.locator(f"[data-debtor='{company.pk}']").count() == 1
    assert page.locator("#bucket").input_value() == band.code
    page.goto("/cobranza/")

    # 5. She calls the first one: the case opens at the call, with the debts and how to pay.
    debtors.first.get_by_role("button").click()
    page.wait_for_url("**/tareas/**")
    case = Case.objects.get(company=company, procedure="I")
    text = page.locator("main").inner_text()
    assert "Página web de Comteco" in text and f"{two_months:%m/%Y}" in text
    # The team's own rules the call applies, named as such.
    assert "Regla del equipo (no del manual): promesa de pago de hasta 7 días." in text
    page.check("input[name=call_result][value=promise]")
    page.fill("#id_promised_on", (today + timedelta(days=10)).isoformat())
    page.fill("#id_promised_amount", "250.00")
    page.fill("#id_interaction_summary", "Pagará por la banca.")
    submit(page)
    page.locator("#id_promised_on_errors").wait_for()  # refused: beyond the week
    assert not PaymentPromise.objects.exists()
    page.fill("#id_promised_on", (today + timedelta(days=3)).isoformat())
    submit(page)
    page.wait_for_url("**/bandeja/")
    promise = PaymentPromise.objects.get(case=case)
    assert (promise.amount, promise.promised_on) == (Decimal("250.00"), today + timedelta(days=3))
    case.refresh_from_db()
    assert case.attended_at is not None

    page.goto("/cobranza/")
    first = page.locator(f"[data-debtor='{company.pk}']")
    assert "Bs 250,00" in first.inner_text() and case.number in first.inner_text()

    # 1–2. The team lead produces the month's proformas; the bar reaches 100 %.
    settings.Q_CLUSTER = {**settings.Q_CLUSTER, "sync": True}
    lead = other_person(page, live_server, team[Role.TEAM_LEAD].username)
    lead.goto("/cobranza/proformas/")
    submit(lead)
    lead.locator("[data-run-status=done]").first.wait_for()
    assert lead.locator(".progress-bar").first.inner_text().strip() == "100 %"
    assert ProformaSending.objects.filter(company=company).exists()
    lead.context.close()
