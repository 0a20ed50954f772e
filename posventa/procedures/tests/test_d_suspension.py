"""Procedure D, temporary suspension and reconnection, walked branch by branch
through the services — the product really is suspended and reconnected on
its dates, by the timers the worker fires."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from posventa.accounts.roles import Role
from posventa.billing.services import invoice_mark_paid
from posventa.cases.models import CaseStatus, DocumentKind
from posventa.cases.services import case_open
from posventa.cases.tests.documents import render_pending
from posventa.engine import services as engine
from posventa.engine.models import InstanceStatus, ProcessInstance
from posventa.engine.selectors import task_variables
from posventa.factories import (
    InvoiceFactory,
    PlanFactory,
    ProductFactory,
    SuspensionFactory,
    product_type,
)
from posventa.inventory.models import Product, ProductStatus, Suspension
from posventa.inventory.rules import suspension_errors
from posventa.inventory.services import product_suspend
from posventa.procedures.product_guard import product_fingerprint
from posventa.procedures.tests.pdf import pdf_text
from posventa.procedures.tests.steps import complete, instructions, pending, talk

LA_PAZ = ZoneInfo("America/La_Paz")
TODAY = date(2026, 3, 2)  # a Monday
NOW = datetime(2026, 3, 2, 10, 0, tzinfo=LA_PAZ)


def at(day: date, hour: int = 0, minute: int = 1) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=LA_PAZ)


@pytest.fixture(autouse=True)
def clock():
    """Every test starts on Monday 2 March 2026, 10:00 in La Paz."""
    with time_machine.travel(NOW, tick=True):
        yield


def open_d_case(team, product):
    return case_open(
        company=product.company,
        procedure="D",
        channel="letter",
        subject="Suspensión temporal del servicio",
        product=product,
        user=team[Role.EXECUTIVE],
    )


def suspension_request(starts_on: date, ends_on: date) -> dict:
    return {
        "request_kind": "suspension",
        "starts_on": starts_on.isoformat(),
        "ends_on": ends_on.isoformat(),
    }


def reconnection_request(reconnect_on: date) -> dict:
    return {"request_kind": "reconnection", "reconnect_on": reconnect_on.isoformat()}


def dates_instance(case) -> ProcessInstance:
    return ProcessInstance.objects.get(business_key=f"{case.number}/suspension")


def suspend(case, team, starts_on: date, ends_on: date):
    """Walk a suspension request up to the quality call."""
    complete(case, team[Role.EXECUTIVE], suspension_request(starts_on, ends_on))
    complete(
        case,
        team[Role.COMMERCIAL_MANAGER],
        {"starts_on": starts_on.isoformat(), "ends_on": ends_on.isoformat()},
    )


def quality_call(case, team):
    complete(case, team[Role.EXECUTIVE], talk("El cliente está conforme.", conform="yes"))


@pytest.fixture
def suspended_product(customer_product):
    """Suspended since 1 February, until 31 May 2026 (both included)."""
    suspension = SuspensionFactory(
        product=customer_product, starts_on=date(2026, 2, 1), ends_on=date(2026, 5, 31)
    )
    product_suspend(product=customer_product, on=suspension.starts_on)
    customer_product.refresh_from_db()
    return customer_product


# --- suspension ------------------------------------------------------------------------


def test_a_suspension_starting_today_suspends_the_product_now_and_reconnects_it_after_its_end(
    procedures, team, customer_product
):
    case = open_d_case(team, customer_product)
    receive = pending(case)
    assert (receive.bpmn_id, receive.role) == ("receive_request", Role.EXECUTIVE)
    assert receive.due_at == case.received_at + timedelta(hours=24)

    complete(case, team[Role.EXECUTIVE], suspension_request(TODAY, date(2026, 6, 30)))
    enter = pending(case)
    assert (enter.bpmn_id, enter.role) == ("enter_suspension", Role.COMMERCIAL_MANAGER)
    assert engine.task_form(enter).initial == {
        "product_seen": product_fingerprint(customer_product),
        "starts_on": TODAY,
        "ends_on": date(2026, 6, 30),
    }
    assert case.attended_at is None

    complete(
        case,
        team[Role.COMMERCIAL_MANAGER],
        {"starts_on": TODAY.isoformat(), "ends_on": "2026-06-30"},
    )
    assert case.attended_at is not None
    suspension = Suspension.objects.get(product=customer_product)
    assert (suspension.starts_on, suspension.ends_on) == (TODAY, date(2026, 6, 30))
    assert suspension.recorded_by == team[Role.COMMERCIAL_MANAGER]
    customer_product.refresh_from_db()
    assert customer_product.status == ProductStatus.SUSPENDED  # now, not by a timer

    render_pending(case)  # the worker, after the step committed
    order = case.documents.get(kind=DocumentKind.ORDER_REQUEST)
    text = pdf_text(order)
    for shown in (
        case.number,
        customer_product.company.legal_name,
        customer_product.service_number,
        "Suspensión temporal del 02/03/2026 al 30/06/2026",
        "reconexión automática el 01/07/2026",
    ):
        assert shown in text, shown

    quality = pending(case)
    assert (quality.bpmn_id, quality.role) == ("quality_call_suspension", Role.EXECUTIVE)
    quality_call(case, team)
    assert (case.status, case.outcome) == (CaseStatus.CLOSED, "fulfilled")
    assert case.quality_conform is True
    assert list(case.instance.events.values_list("bpmn_id", flat=True)) == [
        "start",
        "receive_request",
        "check_account",
        "account_ok",
        "request_kind",
        "check_once_a_year",
        "first_this_year",
        "enter_suspension",
        "do_record_suspension",
        "print_order_request",
        "do_schedule_dates",
        "quality_call_suspension",
        "end_suspended",
    ]

    # The case is closed; the suspension's dates wait in their own process.
    dates = dates_instance(case)
    assert dates.status == InstanceStatus.RUNNING
    assert dates.next_timer_at == at(date(2026, 7, 1), minute=0)
    with time_machine.travel(at(date(2026, 6, 30), hour=23, minute=59), tick=False):
        assert engine.timers_advance() == 0
    customer_product.refresh_from_db()
    assert customer_product.status == ProductStatus.SUSPENDED  # the end date is included

    with time_machine.travel(at(date(2026, 7, 1)), tick=False):
        assert engine.timers_advance() == 1
    customer_product.refresh_from_db()
    assert customer_product.status == ProductStatus.ACTIVE
    suspension.refresh_from_db()
    assert suspension.reconnected_on == date(2026, 7, 1)
    automatic = case.interactions.get(summary__startswith="Reconexión automática")
    assert customer_product.service_number in automatic.summary
    assert "01/07/2026" in automatic.summary
    assert automatic.recorded_by == customer_product.company.executive
    dates.refresh_from_db()
    assert dates.status == InstanceStatus.COMPLETED
    case.refresh_from_db()
    assert (case.status, case.outcome) == (CaseStatus.CLOSED, "fulfilled")  # untouched


def test_a_suspension_starting_later_suspends_the_product_when_its_timer_fires(
    procedures, team, customer_product
):
    starts_on, ends_on = date(2026, 3, 16), date(2026, 4, 15)
    case = open_d_case(team, customer_product)
    suspend(case, team, starts_on, ends_on)
    quality_call(case, team)
    assert case.status == CaseStatus.CLOSED
    customer_product.refresh_from_db()
    assert customer_product.status == ProductStatus.ACTIVE  # not yet
    dates = dates_instance(case)
    assert dates.next_timer_at == at(starts_on, minute=0)

    with time_machine.travel(at(date(2026, 3, 15), hour=23, minute=59), tick=False):
        assert engine.timers_advance() == 0
    with time_machine.travel(at(starts_on), tick=False):
        assert engine.timers_advance() == 1
    customer_product.refresh_from_db()
    assert customer_product.status == ProductStatus.SUSPENDED
    started = case.interactions.get(summary__startswith="Inicio de la suspensión temporal")
    assert "16/03/2026 – 15/04/2026" in started.summary
    dates.refresh_from_db()
    assert dates.next_timer_at == at(date(2026, 4, 16), minute=0)

    with time_machine.travel(at(date(2026, 4, 16)), tick=False):
        assert engine.timers_advance() == 1
    customer_product.refresh_from_db()
    assert customer_product.status == ProductStatus.ACTIVE
    assert Suspension.objects.get(product=customer_product).reconnected_on == date(2026, 4, 16)
    assert case.interactions.filter(summary__startswith="Reconexión automática").count() == 1


def test_a_second_suspension_in_the_year_is_refused_with_its_reason(
    procedures, team, customer_product
):
    SuspensionFactory(
        product=customer_product,
        starts_on=date(2026, 1, 5),
        ends_on=date(2026, 1, 31),
        reconnected_on=date(2026, 2, 1),
    )
    reason = suspension_errors(
        product=customer_product, starts_on=date(2026, 4, 1), ends_on=date(2026, 4, 30)
    )["starts_on"]
    assert "2026" in reason

    case = open_d_case(team, customer_product)
    # The executive's form leaves the one-a-year rule to the commercial manager's check.
    complete(case, team[Role.EXECUTIVE], suspension_request(date(2026, 4, 1), date(2026, 4, 30)))
    tell = pending(case)
    assert (tell.bpmn_id, tell.role) == ("tell_refused", Role.EXECUTIVE)
    assert reason in instructions(tell)
    assert case.attended_at is None

    complete(case, team[Role.EXECUTIVE], talk("Se le explicó que ya suspendió en enero."))
    assert case.attended_at is not None  # the customer has the answer
    assert pending(case).bpmn_id == "quality_call_refused"
    quality_call(case, team)
    assert (case.status, case.outcome) == (CaseStatus.CLOSED, "refused")
    assert case.interactions.filter(summary__contains="ya suspendió en enero").exists()
    assert Suspension.objects.filter(product=customer_product).count() == 1
    customer_product.refresh_from_db()
    assert customer_product.status == ProductStatus.ACTIVE
    assert not case.documents.filter(kind=DocumentKind.ORDER_REQUEST).exists()
    assert not ProcessInstance.objects.filter(business_key=f"{case.number}/suspension").exists()
    events = list(case.instance.events.values_list("bpmn_id", flat=True))
    assert events[-4:] == ["first_this_year", "tell_refused", "quality_call_refused", "end_refused"]


def test_more_than_four_months_is_refused_by_the_forms_with_the_rules_reason(
    procedures, team, customer_product
):
    too_long = suspension_request(TODAY, date(2026, 7, 2))
    message = suspension_errors(
        product=customer_product, starts_on=TODAY, ends_on=date(2026, 7, 2)
    )["ends_on"]
    # The site speaks Spanish: the manual's rule, in its words.
    assert message.startswith("Una suspensión dura como máximo 4 meses")
    assert "01/07/2026" in message

    case = open_d_case(team, customer_product)
    with pytest.raises(engine.FormInvalid) as excinfo:
        complete(case, team[Role.EXECUTIVE], too_long)
    assert excinfo.value.form.errors["ends_on"] == [message]
    assert pending(case).bpmn_id == "receive_request"

    # Four months exactly pass; the commercial manager may not stretch them either.
    complete(case, team[Role.EXECUTIVE], suspension_request(TODAY, date(2026, 7, 1)))
    with pytest.raises(engine.FormInvalid) as excinfo:
        complete(
            case,
            team[Role.COMMERCIAL_MANAGER],
            {"starts_on": TODAY.isoformat(), "ends_on": "2026-07-02"},
        )
    assert excinfo.value.form.errors["ends_on"] == [message]
    assert not Suspension.objects.exists()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (suspension_request(date(2026, 3, 1), date(2026, 3, 31)), "starts_on"),  # yesterday
        (suspension_request(date(2026, 3, 31), date(2026, 3, 30)), "ends_on"),
        ({"request_kind": "suspension"}, "starts_on"),
        ({"request_kind": "reconnection"}, "reconnect_on"),
        (reconnection_request(TODAY), "reconnect_on"),  # nothing to reconnect
    ],
)
def test_the_request_form_refuses_what_makes_no_sense(
    procedures, team, customer_product, data, field
):
    case = open_d_case(team, customer_product)
    with pytest.raises(engine.FormInvalid) as excinfo:
        complete(case, team[Role.EXECUTIVE], data)
    assert field in excinfo.value.form.errors


def test_the_commercial_manager_cannot_enter_a_second_suspension_either(
    procedures, team, customer_product
):
    case = open_d_case(team, customer_product)
    complete(case, team[Role.EXECUTIVE], suspension_request(date(2026, 3, 10), date(2026, 3, 20)))
    # Meanwhile the product got suspended another way (the admin).
    SuspensionFactory(
        product=customer_product, starts_on=date(2026, 3, 5), ends_on=date(2026, 3, 8)
    )
    with pytest.raises(engine.FormInvalid) as excinfo:
        complete(
            case,
            team[Role.COMMERCIAL_MANAGER],
            {"starts_on": "2026-03-10", "ends_on": "2026-03-20"},
        )
    assert "2026" in excinfo.value.form.errors["starts_on"][0]


# --- the account must be up to date ----------------------------------------------------


@pytest.fixture
def overdue_invoice(customer_product):
    """January's invoice, due on 20 February, unpaid."""
    return InvoiceFactory(product=customer_product, period=date(2026, 1, 1))


def test_an_overdue_account_waits_for_the_customer_then_the_request_goes_on(
    procedures, team, customer_product, overdue_invoice
):
    case = open_d_case(team, customer_product)
    complete(case, team[Role.EXECUTIVE], suspension_request(TODAY, date(2026, 4, 30)))
    manage = pending(case)
    assert (manage.bpmn_id, manage.role) == ("manage_account", Role.EXECUTIVE)
    assert case.status == CaseStatus.WAITING_CUSTOMER
    shown = instructions(manage)
    assert f"{customer_product.service_number} · 01/2026 · Bs 250,00" in shown
    assert "20/02/2026" in shown

    # "Paid" while the invoice is still unpaid is refused.
    with pytest.raises(engine.FormInvalid) as excinfo:
        complete(case, team[Role.EXECUTIVE], talk("Dice que pagó.", settled="yes"))
    assert "settled" in excinfo.value.form.errors
    assert pending(case).pk == manage.pk

    invoice_mark_paid(invoice=overdue_invoice, paid_on=TODAY)
    complete(case, team[Role.EXECUTIVE], talk("Pagó la factura de enero.", settled="yes"))
    assert case.status == CaseStatus.OPEN
    assert pending(case).bpmn_id == "enter_suspension"
    assert case.interactions.filter(summary__contains="Pagó la factura de enero").exists()
    events = list(case.instance.events.values_list("bpmn_id", flat=True))
    assert events.count("check_account") == 2  # checked again, by the system


def test_the_customer_gives_up_paying_and_the_case_ends_requirements_not_met(
    procedures, team, customer_product, overdue_invoice
):
    case = open_d_case(team, customer_product)
    complete(case, team[Role.EXECUTIVE], suspension_request(TODAY, date(2026, 4, 30)))
    complete(case, team[Role.EXECUTIVE], talk("No pagará por ahora.", settled="no"))
    assert (case.status, case.outcome) == (CaseStatus.CLOSED, "requirements_not_met")
    assert case.attended_at == case.closed_at
    assert not Suspension.objects.exists()
    customer_product.refresh_from_db()
    assert customer_product.status == ProductStatus.ACTIVE


# --- reconnection on request ---------------------------------------------------------------


def test_reconnection_today_reconnects_now_lists_the_pending_invoices_and_closes(
    procedures, team, suspended_product
):
    InvoiceFactory(product=suspended_product, period=date(2026, 2, 1))
    other = ProductFactory(company=suspended_product.company, plan=suspended_product.plan)
    InvoiceFactory(product=other, period=date(2026, 2, 1))
    case = open_d_case(team, suspended_product)
    complete(case, team[Role.EXECUTIVE], reconnection_request(TODAY))  # up to date: not overdue
    enter = pending(case)
    assert (enter.bpmn_id, enter.role) == ("enter_reconnection", Role.COMMERCIAL_MANAGER)
    assert engine.task_form(enter).initial == {
        "product_seen": product_fingerprint(Product.objects.get(pk=case.product_id)),
        "reconnect_on": TODAY,
    }

    complete(case, team[Role.COMMERCIAL_MANAGER], {"reconnect_on": TODAY.isoformat()})
    assert case.attended_at is not None
    suspended_product.refresh_from_db()
    assert suspended_product.status == ProductStatus.ACTIVE
    assert Suspension.objects.get(product=suspended_product).reconnected_on == TODAY

    inform = pending(case)
    assert (inform.bpmn_id, inform.role) == ("inform_reconnection", Role.EXECUTIVE)
    shown = instructions(inform)
    assert "todos los servicios (línea, internet y TV) se restituyen automáticamente" in shown
    line = (
        f"{suspended_product.service_number} · {suspended_product.plan.name} · 02/2026 · Bs 250,00"
    )
    assert line in shown
    assert other.service_number in shown
    form = engine.task_form(inform)
    assert line in str(form.fields["invoices_told"].help_text)

    with pytest.raises(engine.FormInvalid) as excinfo:
        complete(case, team[Role.EXECUTIVE], talk("Se le explicó la reconexión."))
    assert "invoices_told" in excinfo.value.form.errors
    complete(
        case,
        team[Role.EXECUTIVE],
        talk(
            "Se le explicó la reconexión y las facturas de febrero.",
            invoices_told="on",
            payment_promised_on="2026-03-10",
        ),
    )
    told = case.interactions.get(summary__contains="facturas de febrero")
    assert "10/03/2026" in told.summary
    assert pending(case).bpmn_id == "quality_call_reconnection"
    quality_call(case, team)
    assert (case.status, case.outcome) == (CaseStatus.CLOSED, "fulfilled")
    assert list(case.instance.events.values_list("bpmn_id", flat=True)) == [
        "start",
        "receive_request",
        "check_account",
        "account_ok",
        "request_kind",
        "enter_reconnection",
        "do_reconnect",
        "reconnected_now",
        "reconnection_ready",
        "decide_reconnection",
        "list_pending_invoices",
        "inform_reconnection",
        "quality_call_reconnection",
        "end_reconnected",
    ]


def test_without_pending_invoices_there_is_nothing_to_collect(procedures, team, suspended_product):
    case = open_d_case(team, suspended_product)
    complete(case, team[Role.EXECUTIVE], reconnection_request(TODAY))
    complete(case, team[Role.COMMERCIAL_MANAGER], {"reconnect_on": TODAY.isoformat()})
    inform = pending(case)
    assert task_variables(inform)["pending_invoices"] == []
    complete(case, team[Role.EXECUTIVE], talk("Se le explicó la reconexión."))
    assert pending(case).bpmn_id == "quality_call_reconnection"


@pytest.mark.parametrize(
    ("type_code", "technology", "mode", "said"),
    [
        ("internet", "fiber", "automatic_all_services", "se restituyen automáticamente"),
        ("pay_tv", "fiber", "automatic_all_services", "se restituyen automáticamente"),
        ("internet", "copper", "automatic", "El internet se habilita automáticamente"),
        ("fixed_line", "copper", "automatic", "La línea telefónica se habilita automáticamente"),
        ("pay_tv", "copper", "within_24_hours", "en un lapso de 24 horas"),
        ("multipack", "copper", "within_24_hours", "la TV cable en cobre, en un lapso de 24 horas"),
        ("duo_pack", "copper", "ask_technical_manager", "Confirme con el Gestor(a) técnico"),
        ("hspa", "", "ask_technical_manager", "Confirme con el Gestor(a) técnico"),
    ],
)
def test_the_customer_is_told_how_the_product_comes_back_by_type_and_technology(
    procedures, team, customer_product, type_code, technology, mode, said
):
    product = ProductFactory(
        company=customer_product.company,
        plan=PlanFactory(product_type=product_type(type_code)),
        technology=technology,
    )
    SuspensionFactory(product=product, starts_on=date(2026, 2, 1), ends_on=date(2026, 3, 31))
    case = open_d_case(team, product)
    complete(case, team[Role.EXECUTIVE], reconnection_request(TODAY))
    complete(case, team[Role.COMMERCIAL_MANAGER], {"reconnect_on": TODAY.isoformat()})
    inform = pending(case)
    variables = task_variables(inform)
    assert variables["reconnection_mode"] == mode
    assert said in variables["reconnection_how"]
    assert said in instructions(inform)


def test_reconnection_on_a_later_day_waits_for_it(procedures, team, suspended_product):
    case = open_d_case(team, suspended_product)
    complete(case, team[Role.EXECUTIVE], reconnection_request(date(2026, 3, 9)))
    complete(case, team[Role.COMMERCIAL_MANAGER], {"reconnect_on": "2026-03-09"})
    assert case.attended_at is not None
    assert not case.instance.human_tasks.exists()  # waiting for the day
    assert case.status == CaseStatus.OPEN
    case.instance.refresh_from_db()
    assert case.instance.next_timer_at == at(date(2026, 3, 9), minute=0)
    suspended_product.refresh_from_db()
    assert suspended_product.status == ProductStatus.SUSPENDED

    with time_machine.travel(at(date(2026, 3, 8), hour=23, minute=59), tick=False):
        assert engine.timers_advance() == 0
    with time_machine.travel(at(date(2026, 3, 9)), tick=False):
        assert engine.timers_advance() == 1
    suspended_product.refresh_from_db()
    assert suspended_product.status == ProductStatus.ACTIVE
    assert Suspension.objects.get(product=suspended_product).reconnected_on == date(2026, 3, 9)
    assert case.interactions.filter(
        summary__startswith="Reconexión en la fecha pedida por el cliente"
    ).exists()
    case.refresh_from_db()
    assert pending(case).bpmn_id == "inform_reconnection"
    events = list(case.instance.events.values_list("bpmn_id", flat=True))
    assert events[7:11] == [
        "reconnected_now",
        "reconnection_date",
        "do_reconnect_on_the_day",
        "reconnection_ready",
    ]


@pytest.mark.parametrize(
    ("reconnect_on", "shown"),
    [
        (date(2026, 6, 2), "01/06/2026"),  # later than the automatic reconnection
        (date(2026, 2, 1), "01/02/2026"),  # the day it started
    ],
)
def test_a_reconnection_date_outside_the_suspension_is_refused(
    procedures, team, suspended_product, reconnect_on, shown
):
    case = open_d_case(team, suspended_product)
    with pytest.raises(engine.FormInvalid) as excinfo:
        complete(case, team[Role.EXECUTIVE], reconnection_request(reconnect_on))
    assert shown in excinfo.value.form.errors["reconnect_on"][0]
    complete(case, team[Role.EXECUTIVE], reconnection_request(TODAY))
    with pytest.raises(engine.FormInvalid) as excinfo:
        complete(case, team[Role.COMMERCIAL_MANAGER], {"reconnect_on": reconnect_on.isoformat()})
    assert shown in excinfo.value.form.errors["reconnect_on"][0]


def test_an_early_reconnection_leaves_the_automatic_one_nothing_to_do(
    procedures, team, customer_product
):
    suspension_case = open_d_case(team, customer_product)
    suspend(suspension_case, team, TODAY, date(2026, 4, 30))
    quality_call(suspension_case, team)

    reconnection_case = open_d_case(team, customer_product)
    complete(reconnection_case, team[Role.EXECUTIVE], reconnection_request(date(2026, 3, 20)))
    complete(reconnection_case, team[Role.COMMERCIAL_MANAGER], {"reconnect_on": "2026-03-20"})
    with time_machine.travel(at(date(2026, 3, 20)), tick=False):
        assert engine.timers_advance() == 1
    customer_product.refresh_from_db()
    assert customer_product.status == ProductStatus.ACTIVE

    with time_machine.travel(at(date(2026, 5, 1)), tick=False):
        assert engine.timers_advance() == 1
    assert dates_instance(suspension_case).status == InstanceStatus.COMPLETED
    assert Suspension.objects.get(product=customer_product).reconnected_on == date(2026, 3, 20)
    assert not suspension_case.interactions.filter(
        summary__startswith="Reconexión automática"
    ).exists()


# --- the 24-hour promise ------------------------------------------------------------------


def test_the_team_lead_is_warned_when_24_hours_pass(
    procedures, team, customer_product, django_capture_on_commit_callbacks
):
    case = open_d_case(team, customer_product)
    complete(case, team[Role.EXECUTIVE], suspension_request(TODAY, date(2026, 4, 30)))
    with (
        time_machine.travel(case.received_at + timedelta(hours=24, minutes=1), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert engine.timers_advance() == 1
    alert = case.alerts.get()
    assert alert.role == Role.TEAM_LEAD and "Registra la suspensión" in alert.message
    assert mail.outbox[0].to == [team[Role.TEAM_LEAD].email]
    assert pending(case).bpmn_id == "enter_suspension"  # still the commercial manager's


# --- the model and the pages ----------------------------------------------------------------


def test_both_processes_deploy_with_their_diagram(procedures):
    main, dates = procedures["d_suspension"], procedures["d_suspension_dates"]
    assert sorted(main.sources) == ["d_suspension.bpmn", "reconnection.dmn"]
    assert dates.main_file == "d_suspension.bpmn"
    assert "bpmndi:BPMNDiagram" in main.diagram_xml
    assert 'bpmnElement="pool_d_dates"' in main.diagram_xml  # the case page draws both


def test_the_task_and_case_pages_show_the_steps_of_d(client, procedures, team, suspended_product):
    InvoiceFactory(product=suspended_product, period=date(2026, 2, 1))
    case = open_d_case(team, suspended_product)
    client.force_login(team[Role.EXECUTIVE])
    page = client.get(reverse("cases:task", args=[pending(case).task_id])).content.decode()
    assert "una suspensión temporal" in page and 'type="date"' in page
    complete(case, team[Role.EXECUTIVE], reconnection_request(TODAY))
    complete(case, team[Role.COMMERCIAL_MANAGER], {"reconnect_on": TODAY.isoformat()})
    page = client.get(reverse("cases:task", args=[pending(case).task_id])).content.decode()
    assert "se restituyen automáticamente" in page
    assert f"{suspended_product.service_number} · {suspended_product.plan.name} · 02/2026" in page
    page = client.get(reverse("cases:detail", args=[case.number])).content.decode()
    assert "inform_reconnection" in page  # the pending element, for the highlight
