"""Procedure I, collections, walked branch by branch through the services:
the monthly proformas (produced once per customer and month, sent with their
PDFs, with the interaction), the debtors with their ageing, the call with its
payment promise, the timer that checks it, and the dunning letter."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from posventa.accounts.roles import Role
from posventa.billing.services import invoice_mark_paid
from posventa.cases.models import CaseStatus, DocumentKind
from posventa.cases.services import case_open
from posventa.catalog.models import DunningLetterTrigger, PromiseKept, TeamRuleCode
from posventa.catalog.tests.team_rules import set_team_rule
from posventa.collections import selectors
from posventa.collections.jobs import monthly_proformas
from posventa.collections.models import (
    PaymentPromise,
    Proforma,
    ProformaRun,
    ProformaSending,
    RunStatus,
)
from posventa.collections.services import (
    proforma_run_execute,
    proforma_run_start,
    proformas_for_company,
)
from posventa.customers.models import Interaction
from posventa.engine import runtime
from posventa.engine import services as engine
from posventa.engine.selectors import task_variables
from posventa.engine.templating import render_instructions
from posventa.factories import (
    ChargeFactory,
    CompanyFactory,
    ContactFactory,
    InvoiceFactory,
    ProductFactory,
)
from posventa.inventory.models import ProductStatus
from posventa.outbox.models import OutgoingEmail
from posventa.procedures.tests.fixtures import deploy_only
from posventa.procedures.tests.pdf import pdf_text
from posventa.procedures.tests.steps import complete, pending, talk

LA_PAZ = ZoneInfo("America/La_Paz")
TODAY = date(2026, 3, 2)  # a Monday
NOW = datetime(2026, 3, 2, 10, 0, tzinfo=LA_PAZ)


@pytest.fixture
def procedures(db, media):
    """Only I's model, deployed as `make run` deploys it: faster, and
    independent of the other models."""
    yield deploy_only("i_collections.bpmn")
    runtime.specs.clear()


def at(day: date, hour: int = 0, minute: int = 1) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=LA_PAZ)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=True):
        yield


@pytest.fixture
def debtor(customer_product):
    """The customer owes January (due 20 January: overdue) and February (due
    20 February: overdue), Bs 250 each; March's invoice is not due yet (20
    April) and is never collected."""
    january = InvoiceFactory(
        product=customer_product, period=date(2026, 1, 1), due_date=date(2026, 1, 20)
    )
    february = InvoiceFactory(
        product=customer_product, period=date(2026, 2, 1), due_date=date(2026, 2, 20)
    )
    InvoiceFactory(product=customer_product, period=date(2026, 3, 1), due_date=date(2026, 4, 20))
    return customer_product.company, [january, february]


def open_i_case(team, company):
    return case_open(
        company=company,
        procedure="I",
        channel="phone",
        subject="Gestión de cobranza",
        user=team[Role.EXECUTIVE],
    )


def promise(on: date, amount: str) -> dict:
    return talk(
        "Se compromete a pagar.",
        call_result="promise",
        promised_on=on.isoformat(),
        promised_amount=amount,
    )


def events(case) -> list[str]:
    return list(case.instance.events.values_list("bpmn_id", flat=True))


# --- 1–2. Monthly proformas ----------------------------------------------------------


def test_the_monthly_proformas_are_produced_once_per_customer_and_month_and_sent_with_the_pdfs(
    team, customer_product, django_capture_on_commit_callbacks, mailoutbox, media
):
    company = customer_product.company
    contact = ContactFactory(company=company, is_primary=True, email="pagos@cliente.bo")
    second = ProductFactory(company=company, plan=customer_product.plan)
    ProductFactory(
        company=company,
        plan=customer_product.plan,
        status=ProductStatus.WITHDRAWN,
        withdrawn_on=date(2026, 2, 1),
    )
    ChargeFactory(product=customer_product, concept="Traslado", amount=Decimal("35.50"))
    InvoiceFactory(product=second, period=date(2026, 1, 1), due_date=date(2026, 1, 20))
    silent = CompanyFactory(executive=team[Role.EXECUTIVE])  # no contact: on paper
    ProductFactory(company=silent, plan=customer_product.plan)

    run = proforma_run_start(period=TODAY, user=team[Role.TEAM_LEAD])
    assert (run.period, run.status, run.companies_total) == (date(2026, 3, 1), "running", 2)
    with django_capture_on_commit_callbacks(execute=True):
        run = proforma_run_execute(run=run)
    assert (run.status, run.companies_done, run.proformas_created, run.percent) == (
        RunStatus.DONE,
        2,
        3,
        100,
    )

    sending = ProformaSending.objects.get(company=company)
    assert (sending.period, sending.channel) == (date(2026, 3, 1), "email")
    proformas = {p.product_id: p for p in sending.proformas.all()}
    assert set(proformas) == {customer_product.pk, second.pk}  # not the withdrawn one
    assert proformas[customer_product.pk].amount == Decimal("285.50")  # 250 + 35,50
    assert proformas[second.pk].pending_amount == Decimal("250.00")
    text = pdf_text(proformas[customer_product.pk])
    for shown in (
        "Factura proforma",
        "03/2026",
        company.legal_name,
        customer_product.service_number,
        "285,50",
        "Página web de Comteco",
    ):
        assert shown in text, shown

    [email] = mailoutbox
    assert email.to == [contact.email]
    assert "Facturas proforma 03/2026" in email.subject
    assert sorted(name for name, _, _ in email.attachments) == sorted(
        f"proforma-{p.service_number}-2026-03.pdf" for p in (customer_product, second)
    )
    interaction = sending.interaction
    assert (interaction.channel, interaction.direction, interaction.recorded_by) == (
        "email",
        "outbound",
        team[Role.EXECUTIVE],
    )
    assert "2 contratos" in interaction.summary and contact.email in interaction.summary

    on_paper = ProformaSending.objects.get(company=silent)
    assert on_paper.channel == "letter" and on_paper.email is None
    assert "entrega en papel" in on_paper.interaction.summary

    # A second run of the same month adds nothing.
    again = proforma_run_execute(run=proforma_run_start(period=TODAY))
    assert (again.status, again.proformas_created) == (RunStatus.DONE, 0)
    assert Proforma.objects.count() == 3 and ProformaSending.objects.count() == 2
    assert OutgoingEmail.objects.count() == 1
    assert Interaction.objects.filter(company=company).count() == 1
    assert proformas_for_company(company=company, period=TODAY) is None


def test_whatsapp_customers_get_the_proformas_by_email_and_the_schedule_runs_monthly(
    team, customer_product, media
):
    from django_q.models import Schedule

    ContactFactory(company=customer_product.company, is_primary=True, preferred_channel="whatsapp")
    schedule = Schedule.objects.get(func="posventa.collections.jobs.monthly_proformas")
    assert schedule.schedule_type == Schedule.MONTHLY and schedule.repeats == -1

    assert monthly_proformas() == 1
    sending = ProformaSending.objects.get()
    assert sending.channel == "email"
    assert "WhatsApp" in sending.interaction.summary
    assert monthly_proformas() == 0  # idempotent


def test_the_proformas_page_starts_a_run_and_polls_its_progress(
    client, team, customer_product, media, django_capture_on_commit_callbacks
):
    client.force_login(team[Role.TEAM_LEAD])
    page = client.get(reverse("collections:proformas"))
    assert page.status_code == 200
    from unittest import mock

    # The job goes to the queue once the run's row has committed.
    with (
        mock.patch("django_q.tasks.async_task") as queued,
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = client.post(reverse("collections:proformas"))
    assert response.status_code == 302
    run = ProformaRun.objects.get()
    queued.assert_called_once_with("posventa.collections.jobs.run_proformas", run.pk)
    progress = client.get(reverse("collections:progress", args=[run.pk]))
    assert 'hx-trigger="every 1s"' in progress.content.decode()
    assert 'data-run-status="running"' in progress.content.decode()

    from posventa.collections.jobs import run_proformas

    assert run_proformas(run.pk) == 1
    progress = client.get(reverse("collections:progress", args=[run.pk]))
    assert "hx-trigger" not in progress.content.decode()  # done: the polling stops
    assert 'aria-valuenow="100"' in progress.content.decode()


# --- 3–4. Debtors ---------------------------------------------------------------------------


def test_the_debtors_list_shows_each_customers_overdue_products_with_their_ageing(
    team, debtor, client
):
    company, (january, _february) = debtor
    other = CompanyFactory()  # another executive's customer
    InvoiceFactory(product=ProductFactory(company=other), period=date(2026, 1, 1))
    paid = InvoiceFactory(
        product=ProductFactory(company=company, plan=january.product.plan),
        period=date(2026, 1, 1),
    )
    invoice_mark_paid(invoice=paid, paid_on=date(2026, 1, 15))
    not_due = ProductFactory(company=company, plan=january.product.plan)
    InvoiceFactory(product=not_due, period=date(2026, 2, 1), due_date=TODAY)  # due today

    [row] = selectors.debtors_for(user=team[Role.EXECUTIVE], today=TODAY)
    assert row.company == company
    [line] = row.products  # only the product with overdue invoices
    assert line.product == january.product
    assert (line.overdue_invoices, line.owed, line.days_overdue) == (
        2,
        Decimal("500.00"),
        (TODAY - date(2026, 1, 20)).days,
    )
    assert (row.owed, row.overdue_invoices, row.days_overdue) == (Decimal("500.00"), 2, 41)
    assert row.bucket.code == "31-60"

    client.force_login(team[Role.EXECUTIVE])
    page = client.get(reverse("collections:debtors")).content.decode()
    assert company.legal_name in page and other.legal_name not in page
    assert "41 días en mora" in page
    assert not_due.service_number not in page
    client.force_login(team[Role.TECHNICAL_ANALYST])
    assert client.get(reverse("collections:debtors")).status_code == 403


# --- 5–7. The call -----------------------------------------------------------------------------


def test_a_promise_kept_is_checked_the_day_after_its_date_and_the_case_closes_fulfilled(
    procedures, team, debtor
):
    company, invoices = debtor
    case = open_i_case(team, company)
    call = pending(case)
    assert (call.bpmn_id, call.role) == ("call_debtor", Role.EXECUTIVE)
    text = render_instructions(call.instructions, task_variables(call))
    for shown in (
        "01/2026 · vence 20/01/2026 · Bs 250,00 · 41 días de mora",
        "02/2026 · vence 20/02/2026 · Bs 250,00 · 10 días de mora",
        "Total vencido: Bs 500,00",
        "Página web de Comteco",
        "Banca",
    ):
        assert shown in text, shown
    assert "SIGEP" not in text
    assert "03/2026" not in text  # not due yet: not collected

    complete(case, team[Role.EXECUTIVE], promise(date(2026, 3, 5), "500.00"))
    assert case.attended_at is not None
    recorded = PaymentPromise.objects.get(case=case)
    assert (recorded.promised_on, recorded.amount, recorded.kept) == (
        date(2026, 3, 5),
        Decimal("500.00"),
        None,
    )
    assert recorded.owed_when_promised == Decimal("500.00")  # overdue only, not March
    assert case.instance.next_timer_at == at(date(2026, 3, 6), minute=0)
    assert not case.instance.human_tasks.exists()  # waiting for the date

    with time_machine.travel(at(date(2026, 3, 4), hour=11), tick=False):
        for invoice in invoices:
            invoice_mark_paid(invoice=invoice, paid_on=date(2026, 3, 4))
    with time_machine.travel(at(date(2026, 3, 6)), tick=False):
        assert engine.timers_advance() == 1
    case.refresh_from_db()
    recorded.refresh_from_db()
    assert recorded.kept is True
    close = pending(case)
    assert close.bpmn_id == "close_collection"
    with time_machine.travel(at(date(2026, 3, 6), hour=9), tick=True):
        complete(case, team[Role.EXECUTIVE], talk("Pagó; gestión concluida."))
    assert (case.status, case.outcome) == (CaseStatus.CLOSED, "fulfilled")
    assert case.interactions.filter(summary__endswith="Pagó; gestión concluida.").exists()
    assert events(case) == [
        "start",
        "list_debts",
        "read_team_rules",
        "show_team_rules",
        "call_debtor",
        "call_result",
        "do_record_promise",
        "promise_due",
        "do_check_payment",
        "show_payment",
        "was_paid",
        "close_collection",
        "end_paid",
    ]


def test_a_promise_not_kept_asks_the_executive_to_call_again(procedures, team, debtor):
    company, invoices = debtor
    case = open_i_case(team, company)
    complete(case, team[Role.EXECUTIVE], promise(date(2026, 3, 3), "500.00"))
    with time_machine.travel(at(date(2026, 3, 3), hour=11), tick=False):
        invoice_mark_paid(invoice=invoices[0], paid_on=date(2026, 3, 3))  # only January
    with time_machine.travel(at(date(2026, 3, 4)), tick=False):
        engine.timers_advance()
    case.refresh_from_db()
    assert PaymentPromise.objects.get(case=case).kept is False
    again = pending(case)
    assert (again.bpmn_id, again.role) == ("call_debtor", Role.EXECUTIVE)
    text = render_instructions(again.instructions, task_variables(again))
    assert "no pagó lo comprometido para el 03/03/2026" in text
    assert "02/2026" in text and "01/2026" not in text  # January is paid now

    # The customer says it paid: checked at once; still owing → call again.
    with time_machine.travel(at(date(2026, 3, 4), hour=10), tick=True):
        complete(case, team[Role.EXECUTIVE], talk("Dice que ya pagó.", call_result="paid"))
        assert pending(case).bpmn_id == "call_debtor"
        invoice_mark_paid(invoice=invoices[1], paid_on=date(2026, 3, 4))
        # March is not due yet: nothing overdue is left, so it is paid.
        complete(case, team[Role.EXECUTIVE], talk("Pagó hoy.", call_result="paid"))
        assert pending(case).bpmn_id == "close_collection"
    assert events(case).count("call_debtor") == 3


def _promise_checked(team, company, amount: str, pay) -> bool:
    """Promise `amount` on 2 March for 3 March; `pay()` on 3 March; checked on 4 March."""
    case = open_i_case(team, company)
    complete(case, team[Role.EXECUTIVE], promise(date(2026, 3, 3), amount))
    with time_machine.travel(at(date(2026, 3, 3), hour=11), tick=False):
        pay()
    with time_machine.travel(at(date(2026, 3, 4)), tick=False):
        engine.timers_advance()
    kept = PaymentPromise.objects.get(case=case).kept
    case.refresh_from_db()
    assert pending(case).bpmn_id == ("close_collection" if kept else "call_debtor")
    with time_machine.travel(at(date(2026, 3, 4), hour=9), tick=True):
        if kept:
            complete(case, team[Role.EXECUTIVE], talk("Pagó lo comprometido."))
        else:
            complete(case, team[Role.EXECUTIVE], talk("No contesta.", call_result="no_promise"))
            complete(
                case,
                team[Role.EXECUTIVE],
                {"interaction_channel": "letter", "interaction_summary": "Carta entregada."},
            )
    return kept


def test_a_promise_of_part_of_the_debt_is_kept_when_that_part_is_paid(procedures, team, debtor):
    company, (january, _february) = debtor
    assert _promise_checked(
        team,
        company,
        "250.00",
        lambda: invoice_mark_paid(invoice=january, paid_on=date(2026, 3, 3)),
    )


def test_a_promise_paid_only_in_part_is_not_kept(procedures, team, debtor):
    from posventa.billing.services import invoice_payment_record

    company, (january, _february) = debtor
    assert not _promise_checked(
        team,
        company,
        "250.00",
        lambda: invoice_payment_record(
            invoice=january, amount=Decimal("249.99"), paid_on=date(2026, 3, 3)
        ),
    )


def test_paying_what_is_not_due_yet_does_not_keep_a_promise(procedures, team, debtor):
    from posventa.billing.models import Invoice

    company, _ = debtor
    march = Invoice.objects.get(product__company=company, period=date(2026, 3, 1))
    assert not _promise_checked(
        team, company, "250.00", lambda: invoice_mark_paid(invoice=march, paid_on=date(2026, 3, 3))
    )


def test_a_promise_cannot_exceed_what_is_overdue(procedures, team, debtor):
    """Bs 500 overdue; March's Bs 250, not due yet, cannot be promised."""
    company, _ = debtor
    case = open_i_case(team, company)
    task = pending(case)
    with pytest.raises(engine.FormInvalid) as refused:
        engine.task_complete(
            task_id=task.task_id,
            user=team[Role.EXECUTIVE],
            data=promise(date(2026, 3, 5), "500.01"),
        )
    assert "promised_amount" in refused.value.form.errors
    complete(case, team[Role.EXECUTIVE], promise(date(2026, 3, 5), "500.00"))
    assert PaymentPromise.objects.get(case=case).amount == Decimal("500.00")
    with time_machine.travel(at(date(2026, 3, 6)), tick=False):
        engine.timers_advance()
    with time_machine.travel(at(date(2026, 3, 6), hour=9), tick=True):
        complete(case, team[Role.EXECUTIVE], talk("No contesta.", call_result="no_promise"))
        complete(
            case,
            team[Role.EXECUTIVE],
            {"interaction_channel": "letter", "interaction_summary": "Carta entregada."},
        )


def test_no_promise_prints_the_dunning_letter_original_and_copy(procedures, team, debtor):
    company, _ = debtor
    company.is_public_institution = True
    company.save()
    case = open_i_case(team, company)
    call = pending(case)
    assert "SIGEP" in render_instructions(call.instructions, task_variables(call))
    complete(case, team[Role.EXECUTIVE], talk("No contesta.", call_result="no_promise"))
    letter = case.documents.get(kind=DocumentKind.OTHER)
    assert letter.title == f"Carta de información mora {case.number}" and letter.generated
    text = pdf_text(letter)
    for shown in (
        "ORIGINAL",
        "COPIA",
        "Carta de información mora",
        company.legal_name,
        "Total adeudado: Bs 500,00 · 41 días de mora",
        "SIGEP",
    ):
        assert shown in text, shown
    assert text.count("Ref.: Carta de información mora") == 2
    deliver = pending(case)
    assert deliver.bpmn_id == "deliver_letter"
    complete(
        case,
        team[Role.EXECUTIVE],
        {"interaction_channel": "letter", "interaction_summary": "Carta entregada."},
    )
    assert (case.status, case.outcome) == (CaseStatus.CLOSED, "dunning_letter")
    assert not PaymentPromise.objects.exists()


def test_a_bad_promise_is_refused_with_a_clear_message_and_nothing_changes(
    procedures, team, debtor
):
    company, _ = debtor
    case = open_i_case(team, company)
    task = pending(case)
    for data, field in [
        (promise(date(2026, 3, 20), "100"), "promised_on"),  # beyond the week
        (promise(date(2026, 3, 1), "100"), "promised_on"),  # past
        (promise(date(2026, 3, 5), "900"), "promised_amount"),  # more than owed
        (promise(date(2026, 3, 5), "0"), "promised_amount"),
        (talk("x", call_result="promise"), "promised_on"),
    ]:
        with pytest.raises(engine.FormInvalid) as refused:
            engine.task_complete(task_id=task.task_id, user=team[Role.EXECUTIVE], data=data)
        assert field in refused.value.form.errors, data
    assert pending(case).pk == task.pk
    assert not PaymentPromise.objects.exists()


def test_the_call_button_opens_the_collections_case_and_goes_to_its_step(
    procedures, team, debtor, client
):
    company, _ = debtor
    client.force_login(team[Role.EXECUTIVE])
    response = client.post(reverse("collections:call", args=[company.pk]))
    case = company.cases.get(procedure="I")
    assert response.url == reverse("cases:task", args=[pending(case).task_id])
    # A second click continues the same case.
    response = client.post(reverse("collections:call", args=[company.pk]))
    assert company.cases.filter(procedure="I").count() == 1
    assert response.url == reverse("cases:task", args=[pending(case).task_id])
    other = CompanyFactory()
    assert client.post(reverse("collections:call", args=[other.pk])).status_code == 404


def test_promises_and_proformas_are_guarded_by_the_database(procedures, team, debtor):
    from django.db import IntegrityError, transaction

    company, _ = debtor
    case = open_i_case(team, company)
    with pytest.raises(IntegrityError), transaction.atomic():
        PaymentPromise.objects.create(case=case, company=company, promised_on=TODAY, amount=0)
    with pytest.raises(IntegrityError), transaction.atomic():
        ProformaSending.objects.create(company=company, period=date(2026, 3, 1), channel="email")
        ProformaSending.objects.create(company=company, period=date(2026, 3, 1), channel="email")
    with pytest.raises(ValidationError):
        from posventa.collections.services import promise_record

        promise_record(case=case, promised_on=TODAY + timedelta(days=8), amount=Decimal("10"))


def test_the_team_lead_is_warned_when_the_call_waits_24_hours(
    procedures, team, debtor, django_capture_on_commit_callbacks, mailoutbox
):
    company, _ = debtor
    case = open_i_case(team, company)
    with (
        time_machine.travel(case.received_at + timedelta(hours=24, minutes=1), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert engine.timers_advance() == 1
    alert = case.alerts.get()
    assert alert.role == Role.TEAM_LEAD and "Llama al cliente" in alert.message
    assert pending(case).bpmn_id == "call_debtor"  # still the executive's


def test_the_model_deploys_with_its_diagram_and_the_case_page_draws_it(
    procedures, team, debtor, client
):
    version = procedures["i_collections"]
    assert "bpmndi:BPMNDiagram" in version.diagram_xml
    company, _ = debtor
    case = open_i_case(team, company)
    assert case.product is None  # on the customer: a product is optional
    client.force_login(team[Role.EXECUTIVE])
    assert client.get(reverse("cases:detail", args=[case.number])).status_code == 200
    task = client.get(reverse("cases:task", args=[pending(case).task_id]))
    assert task.status_code == 200 and "Página web de Comteco" in task.content.decode()


def test_a_customer_whose_proformas_fail_does_not_stop_the_run(team, customer_product, media):
    broken = CompanyFactory(executive=team[Role.EXECUTIVE], legal_name="Correo Roto S.A.")
    ProductFactory(company=broken, plan=customer_product.plan)
    ContactFactory(company=broken, is_primary=True, email="no-es-un-correo")  # saved unvalidated
    run = proforma_run_execute(run=proforma_run_start(period=TODAY))
    assert (run.status, run.companies_done, run.companies_failed) == (RunStatus.DONE, 2, 1)
    assert "Correo Roto S.A." in run.error
    assert not ProformaSending.objects.filter(company=broken).exists()  # rolled back
    assert ProformaSending.objects.filter(company=customer_product.company).exists()


def test_the_dunning_letter_lists_each_overdue_invoice_with_what_it_owes_and_their_total(
    procedures, team, debtor
):
    from posventa.billing.services import invoice_payment_record

    company, (january, february) = debtor
    product = january.product
    invoice_payment_record(invoice=february, amount=Decimal("100.50"), paid_on=date(2026, 2, 25))
    late = InvoiceFactory(product=product, period=date(2025, 12, 1), due_date=date(2026, 1, 20))
    invoice_mark_paid(invoice=late, paid_on=date(2026, 2, 1))  # paid after its due date
    second = ProductFactory(company=company, plan=product.plan)
    InvoiceFactory(product=second, period=date(2026, 2, 1), due_date=TODAY)  # due today
    yesterday = InvoiceFactory(
        product=second,
        period=date(2026, 1, 1),
        due_date=TODAY - timedelta(days=1),
        amount=Decimal("99.90"),
    )
    case = open_i_case(team, company)
    complete(case, team[Role.EXECUTIVE], talk("No se compromete.", call_result="no_promise"))
    text = pdf_text(case.documents.get(kind=DocumentKind.OTHER))
    original = text.split("COPIA")[0]
    plan = product.plan.name
    rows = [
        f"01/2026 {product.service_number} · {plan} 20/01/2026 41 250,00",
        f"02/2026 {product.service_number} · {plan} 20/02/2026 10 149,50",
        f"01/2026 {second.service_number} · {plan} {yesterday.due_date:%d/%m/%Y} 1 99,90",
    ]
    for row in rows:
        assert row in original, (row, original)
    # The oldest first; nothing not due, due today or paid.
    assert [original.index(row) for row in rows] == sorted(original.index(row) for row in rows)
    assert f"03/2026 {product.service_number}" not in original  # not due yet
    assert "12/2025" not in original  # paid late
    assert original.count(f"{second.service_number} ·") == 1
    assert "Total vencido 499,40" in original
    assert "Total adeudado: Bs 499,40 · 41 días de mora" in original
    complete(
        case,
        team[Role.EXECUTIVE],
        {"interaction_channel": "letter", "interaction_summary": "Carta entregada."},
    )


# --- The team's own rules (not the manual's), changed in the admin ---------------------------

RULE = "Regla del equipo (no del manual): "


def call_text(case) -> str:
    call = pending(case, "call_debtor")
    return render_instructions(call.instructions, task_variables(call))


def test_the_call_names_the_promise_term_and_the_letter_rule_it_applies(procedures, team, debtor):
    company, _ = debtor
    text = call_text(open_i_case(team, company))
    assert f"{RULE}promesa de pago de hasta 7 días." in text
    assert (
        f"{RULE}sin compromiso de pago, la carta de información mora se emite automáticamente."
    ) in text


def test_rule_promise_term_changed_in_the_admin_refuses_a_date_beyond_the_new_term(
    procedures, team, debtor, admin_client
):
    company, _ = debtor
    set_team_rule(admin_client, TeamRuleCode.PROMISE_MAX_DAYS, days=3)
    case = open_i_case(team, company)
    assert f"{RULE}promesa de pago de hasta 3 días." in call_text(case)
    form = engine.task_form(pending(case))
    assert "3" in str(form.fields["promised_on"].help_text)
    task = pending(case)
    with pytest.raises(engine.FormInvalid) as refused:  # 4 days: within 7, beyond 3
        engine.task_complete(
            task_id=task.task_id,
            user=team[Role.EXECUTIVE],
            data=promise(TODAY + timedelta(days=4), "100.00"),
        )
    assert "3" in str(refused.value.form.errors["promised_on"])
    assert not PaymentPromise.objects.exists()
    complete(case, team[Role.EXECUTIVE], promise(TODAY + timedelta(days=3), "100.00"))
    assert PaymentPromise.objects.get(case=case).promised_on == TODAY + timedelta(days=3)
    _settle(case, team)


def test_rule_promise_term_lengthened_in_the_admin_accepts_a_date_beyond_a_week(
    procedures, team, debtor, admin_client
):
    company, _ = debtor
    set_team_rule(admin_client, TeamRuleCode.PROMISE_MAX_DAYS, days=14)
    case = open_i_case(team, company)
    assert f"{RULE}promesa de pago de hasta 14 días." in call_text(case)
    complete(case, team[Role.EXECUTIVE], promise(TODAY + timedelta(days=10), "100.00"))
    assert PaymentPromise.objects.get(case=case).promised_on == TODAY + timedelta(days=10)
    _settle(case, team, day=TODAY + timedelta(days=11))


def _settle(case, team, day=None):
    """Close a case left waiting for its promise's check: not paid, no
    promise on the second call, the letter delivered."""
    day = day or PaymentPromise.objects.get(case=case).promised_on + timedelta(days=1)
    with time_machine.travel(at(day), tick=False):
        engine.timers_advance()
    with time_machine.travel(at(day, hour=9), tick=True):
        complete(case, team[Role.EXECUTIVE], talk("No contesta.", call_result="no_promise"))
        complete(
            case,
            team[Role.EXECUTIVE],
            {"interaction_channel": "letter", "interaction_summary": "Carta entregada."},
        )


def test_rule_letter_trigger_off_no_promise_ends_with_the_interaction_and_no_letter(
    procedures, team, debtor, admin_client
):
    company, _ = debtor
    set_team_rule(
        admin_client,
        TeamRuleCode.DUNNING_LETTER_TRIGGER,
        choice=DunningLetterTrigger.EXECUTIVE_DECIDES,
    )
    case = open_i_case(team, company)
    assert (
        f"{RULE}sin compromiso de pago, la carta de información mora se emite solo si usted "
        "la pide."
    ) in call_text(case)
    assert "issue_letter" in engine.task_form(pending(case)).fields
    complete(
        case,
        team[Role.EXECUTIVE],
        talk("No se compromete a pagar; se le informaron sus facturas.", call_result="no_promise"),
    )
    assert (case.status, case.outcome) == (CaseStatus.CLOSED, "declined")
    assert not case.documents.exists()  # no dunning letter
    assert case.interactions.filter(
        summary="Llama al cliente según protocolo: No se compromete a pagar; se le informaron "
        "sus facturas."
    ).exists()
    assert events(case)[-3:] == ["call_debtor", "call_result", "end_no_commitment"]


def test_rule_letter_trigger_off_the_executive_may_still_ask_for_the_letter(
    procedures, team, debtor, admin_client
):
    company, _ = debtor
    set_team_rule(
        admin_client,
        TeamRuleCode.DUNNING_LETTER_TRIGGER,
        choice=DunningLetterTrigger.EXECUTIVE_DECIDES,
    )
    case = open_i_case(team, company)
    task = pending(case)
    with pytest.raises(engine.FormInvalid) as refused:  # a letter only without a commitment
        engine.task_complete(
            task_id=task.task_id,
            user=team[Role.EXECUTIVE],
            data={**promise(TODAY + timedelta(days=2), "100.00"), "issue_letter": "on"},
        )
    assert "issue_letter" in refused.value.form.errors
    complete(
        case,
        team[Role.EXECUTIVE],
        talk("No contesta.", call_result="no_promise", issue_letter="on"),
    )
    assert case.documents.get(kind=DocumentKind.OTHER).title.startswith("Carta de información mora")
    complete(
        case,
        team[Role.EXECUTIVE],
        {"interaction_channel": "letter", "interaction_summary": "Carta entregada."},
        step="deliver_letter",
    )
    assert case.outcome == "dunning_letter"


def test_rule_letter_trigger_on_the_call_offers_no_choice(procedures, team, debtor):
    company, _ = debtor
    case = open_i_case(team, company)
    assert "issue_letter" not in engine.task_form(pending(case)).fields
    complete(case, team[Role.EXECUTIVE], talk("No contesta.", call_result="no_promise"))
    deliver = pending(case)
    assert deliver.bpmn_id == "deliver_letter"  # the letter came at once
    assert (
        f"{RULE}sin compromiso de pago, la carta de información mora se emite automáticamente."
    ) in render_instructions(deliver.instructions, task_variables(deliver))
    complete(
        case,
        team[Role.EXECUTIVE],
        {"interaction_channel": "letter", "interaction_summary": "Carta entregada."},
    )


def _promise_half_and_pay_january(team, company, january, admin_client=None, rule=None):
    """Promise Bs 250 of the Bs 500 overdue on 2 March for 3 March; January
    (Bs 250) paid on 3 March; the rule set (if given) before the check on 4 March."""
    case = open_i_case(team, company)
    complete(case, team[Role.EXECUTIVE], promise(date(2026, 3, 3), "250.00"))
    with time_machine.travel(at(date(2026, 3, 3), hour=11), tick=False):
        invoice_mark_paid(invoice=january, paid_on=date(2026, 3, 3))
    if rule is not None:
        set_team_rule(admin_client, TeamRuleCode.PROMISE_KEPT, choice=rule)
    with time_machine.travel(at(date(2026, 3, 4)), tick=False):
        engine.timers_advance()
    case.refresh_from_db()
    return case


def test_rule_kept_the_promised_amount_paid_keeps_the_promise_and_the_step_says_so(
    procedures, team, debtor
):
    company, (january, _february) = debtor
    case = _promise_half_and_pay_january(team, company, january)
    promised = PaymentPromise.objects.get(case=case)
    assert (promised.kept, promised.kept_rule) == (True, "promised_amount")
    close = pending(case)
    assert close.bpmn_id == "close_collection"
    text = render_instructions(close.instructions, task_variables(close))
    assert (
        f"{RULE}la promesa se cumple si se paga el monto prometido de lo vencido a la fecha "
        "de la llamada."
    ) in text
    with time_machine.travel(at(date(2026, 3, 4), hour=9), tick=True):
        complete(case, team[Role.EXECUTIVE], talk("Pagó lo comprometido."))
    assert case.outcome == "fulfilled"


def test_rule_kept_every_overdue_invoice_changed_in_the_admin_breaks_the_same_promise(
    procedures, team, debtor, admin_client
):
    """The same promise and payment as above; the rule, changed before the
    check, asks every invoice overdue at the call paid: February is not."""
    company, (january, _february) = debtor
    case = _promise_half_and_pay_january(
        team, company, january, admin_client, rule=PromiseKept.ALL_OVERDUE
    )
    promised = PaymentPromise.objects.get(case=case)
    assert (promised.kept, promised.kept_rule) == (False, "all_overdue")
    assert pending(case).bpmn_id == "call_debtor"
    text = call_text(case)
    assert "no pagó lo comprometido para el 03/03/2026" in text
    assert (
        f"{RULE}la promesa se cumple solo si se pagan todas las facturas vencidas a la fecha "
        "de la llamada."
    ) in text
    with time_machine.travel(at(date(2026, 3, 4), hour=9), tick=True):
        complete(case, team[Role.EXECUTIVE], talk("No contesta.", call_result="no_promise"))
        complete(
            case,
            team[Role.EXECUTIVE],
            {"interaction_channel": "letter", "interaction_summary": "Carta entregada."},
        )


def test_rule_kept_every_overdue_invoice_is_kept_when_all_that_was_overdue_is_paid(
    procedures, team, debtor, admin_client
):
    from posventa.billing.models import Invoice

    company, (january, february) = debtor
    set_team_rule(admin_client, TeamRuleCode.PROMISE_KEPT, choice=PromiseKept.ALL_OVERDUE)
    case = open_i_case(team, company)
    complete(case, team[Role.EXECUTIVE], promise(date(2026, 3, 3), "250.00"))
    with time_machine.travel(at(date(2026, 3, 3), hour=11), tick=False):
        for invoice in (january, february):
            invoice_mark_paid(invoice=invoice, paid_on=date(2026, 3, 3))
    march = Invoice.objects.get(product__company=company, period=date(2026, 3, 1))
    assert march.paid_on is None  # not due at the call: not asked
    with time_machine.travel(at(date(2026, 3, 4)), tick=False):
        engine.timers_advance()
    assert PaymentPromise.objects.get(case=case).kept is True
    case.refresh_from_db()
    with time_machine.travel(at(date(2026, 3, 4), hour=9), tick=True):
        complete(case, team[Role.EXECUTIVE], talk("Pagó todo lo vencido."))
