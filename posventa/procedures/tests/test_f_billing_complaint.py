"""Procedure F, billing complaint, walked branch by branch through the
services: the complaint really is registered at UTAR, UTAR's e-mails leave
the outbox with the right recipients and copies, UTAR's resolution (recorded
by the commercial manager) moves the waiting case, and the customer's
acceptance or disagreement is kept on the complaint."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from posventa.accounts.roles import Role
from posventa.cases.models import CaseStatus
from posventa.cases.services import case_open
from posventa.claims.models import Complaint, ComplaintState
from posventa.claims.services import complaint_record_answer, complaint_register
from posventa.customers.models import Interaction
from posventa.engine import services as engine
from posventa.engine.selectors import task_variables
from posventa.engine.templating import render_instructions
from posventa.factories import InvoiceFactory
from posventa.outbox.models import EmailStatus, OutgoingEmail
from posventa.procedures.tests.steps import complete, pending, talk

LA_PAZ = ZoneInfo("America/La_Paz")
NOW = datetime(2026, 11, 16, 10, 0, tzinfo=LA_PAZ)  # a Monday
UTAR = "utar@posventa.localhost"
COPIES = ["team_lead@example.com", "division_head@example.com"]


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=True):
        yield


@pytest.fixture
def invoices(customer_product):
    """October and September 2026 of the product; October is disputed."""
    return {
        "october": InvoiceFactory(
            product=customer_product, period=date(2026, 10, 1), amount=Decimal("250.00")
        ),
        "september": InvoiceFactory(
            product=customer_product,
            period=date(2026, 9, 1),
            amount=Decimal("250.00"),
            paid_on=date(2026, 9, 20),
        ),
    }


def open_f_case(team, product):
    return case_open(
        company=product.company,
        procedure="F",
        channel="phone",
        subject="Reclamo por cobro de llamadas no realizadas",
        product=product,
        user=team[Role.EXECUTIVE],
    )


def complaint_request(invoice, amount="80.50", registers="executive") -> dict:
    return talk(
        "El cliente reclama llamadas a celulares que no reconoce.",
        invoice=invoice.pk,
        disputed_amount=amount,
        reason="Llamadas a celulares no reconocidas en la factura de octubre.",
        registers=registers,
    )


def answer(team, complaint, state, resolution=""):
    return complaint_record_answer(
        complaint=complaint, state=state, resolution=resolution, user=team[Role.COMMERCIAL_MANAGER]
    )


# --- none → 7: register, send to UTAR, wait, call back with the resolution (→ 4) --------


def test_no_complaint_the_executive_registers_it_utar_resolves_and_the_customer_accepts(
    procedures, team, invoices, django_capture_on_commit_callbacks
):
    october = invoices["october"]
    case = open_f_case(team, october.product)
    receive = pending(case)
    assert (receive.bpmn_id, receive.role) == ("receive_request", Role.EXECUTIVE)
    form = engine.task_form(receive)
    labels = [label for _value, label in form.fields["invoice"].choices][1:]
    assert labels[0].startswith("10/2026 · Bs 250,00") and "09/2026" in labels[1]

    complete(case, team[Role.EXECUTIVE], complaint_request(october))
    register = pending(case)
    assert (register.bpmn_id, register.role) == ("register_by_executive", Role.EXECUTIVE)
    assert engine.task_form(register).initial["disputed_amount"] == "80.50"
    assert not Complaint.objects.exists()
    assert case.attended_at is None

    with django_capture_on_commit_callbacks(execute=True):
        complete(
            case,
            team[Role.EXECUTIVE],
            {"disputed_amount": "80.50", "reason": "Llamadas a celulares no reconocidas."},
        )
    complaint = Complaint.objects.get()
    assert (complaint.invoice, complaint.case, complaint.state) == (
        october,
        case,
        ComplaintState.REGISTERED,
    )
    assert complaint.disputed_amount == Decimal("80.50")
    assert complaint.registered_by == team[Role.EXECUTIVE]
    assert case.attended_at is not None
    assert case.status == CaseStatus.OPEN
    assert not case.instance.human_tasks.exists()  # waits for UTAR
    [email] = mail.outbox
    assert (email.to, email.cc) == ([UTAR], [])
    assert complaint.number in email.subject and "10/2026" in email.subject
    assert "Bs 80,50" in email.body and case.number in email.body
    stored = OutgoingEmail.objects.get()
    assert (stored.case, stored.status, stored.template) == (
        case,
        EmailStatus.SENT,
        "claims/email/utar_new_complaint",
    )

    # UTAR assigns it: the case keeps waiting.
    result = answer(team, complaint, ComplaintState.ASSIGNED)
    assert not result.process_moved
    complaint.refresh_from_db()
    assert complaint.state == ComplaintState.ASSIGNED and complaint.assigned_at is not None
    assert not case.instance.human_tasks.exists()

    # UTAR resolves it: the case returns to the executive to call back.
    result = answer(team, complaint, ComplaintState.RESOLVED, "Se anulan Bs 80.50 en la factura.")
    assert result.cases == [case.number]
    tell = pending(case)
    assert (tell.bpmn_id, tell.role) == ("tell_resolution", Role.EXECUTIVE)
    assert "Se anulan Bs 80.50" in str(engine.task_form(tell).fields["accepted"].help_text)
    assert "resolución" in render_instructions(tell.instructions, task_variables(tell))
    assert task_variables(tell)["utar_answer"]["resolution"] == "Se anulan Bs 80.50 en la factura."

    complete(case, team[Role.EXECUTIVE], talk("Cliente conforme con la anulación.", accepted="yes"))
    assert (case.status, case.outcome) == (CaseStatus.CLOSED, "fulfilled")
    complaint.refresh_from_db()
    assert complaint.customer_accepted is True
    assert [c.state for c in complaint.changes.all()] == [
        "registered",
        "assigned",
        "resolved",
        "resolved",
    ]
    summaries = list(Interaction.objects.filter(case=case).values_list("summary", flat=True))
    assert any(s.startswith("Recibe el reclamo de facturación: El cliente") for s in summaries)
    assert any(s.startswith("Informa la resolución de UTAR: Cliente conforme") for s in summaries)


def test_the_commercial_manager_registers_it_when_the_executive_hands_it_over(
    procedures, team, invoices, django_capture_on_commit_callbacks
):
    october = invoices["october"]
    case = open_f_case(team, october.product)
    complete(case, team[Role.EXECUTIVE], complaint_request(october, registers="commercial_manager"))
    register = pending(case)
    assert (register.bpmn_id, register.role) == ("register_by_manager", Role.COMMERCIAL_MANAGER)
    with django_capture_on_commit_callbacks(execute=True):
        complete(
            case,
            team[Role.COMMERCIAL_MANAGER],
            {"disputed_amount": "100", "reason": "Cobro duplicado del cargo básico."},
        )
    complaint = Complaint.objects.get()
    assert complaint.registered_by == team[Role.COMMERCIAL_MANAGER]
    assert complaint.disputed_amount == Decimal("100.00")
    [email] = mail.outbox
    assert email.to == [UTAR]
    answer(team, complaint, ComplaintState.RESOLVED, "Procede: nota de crédito de Bs 100.")
    assert pending(case).bpmn_id == "tell_resolution"


# --- attended → 4; not satisfied → 5 (UTAR, copied) → 4 when UTAR answers again ---------


@pytest.fixture
def resolved_complaint(team, invoices):
    complaint = complaint_register(
        invoice=invoices["october"],
        disputed_amount="80.50",
        reason="Llamadas no reconocidas.",
        user=team[Role.EXECUTIVE],
    )
    answer(team, complaint, ComplaintState.RESOLVED, "No procede: las llamadas son del cliente.")
    mail.outbox.clear()
    complaint.refresh_from_db()
    return complaint


def test_a_resolved_complaint_is_told_the_customer_disagrees_and_it_goes_back_to_utar_copied(
    procedures, team, invoices, resolved_complaint, django_capture_on_commit_callbacks
):
    case = open_f_case(team, invoices["october"].product)
    complete(case, team[Role.EXECUTIVE], complaint_request(invoices["october"]))
    tell = pending(case)
    assert (tell.bpmn_id, tell.role) == ("tell_resolution", Role.EXECUTIVE)
    assert "No procede" in str(engine.task_form(tell).fields["accepted"].help_text)
    assert Complaint.objects.count() == 1  # no second complaint

    # Not satisfied, without saying why: refused, nothing changes.
    with pytest.raises(engine.FormInvalid) as refused:
        complete(case, team[Role.EXECUTIVE], talk("No está conforme.", accepted="no"))
    assert "disagreement" in refused.value.form.errors
    assert pending(case).bpmn_id == "tell_resolution"

    with django_capture_on_commit_callbacks(execute=True):
        complete(
            case,
            team[Role.EXECUTIVE],
            talk(
                "No está conforme.",
                accepted="no",
                disagreement="Las llamadas se hicieron cuando la línea estaba suspendida.",
            ),
        )
    assert case.attended_at is not None and case.status == CaseStatus.OPEN
    assert not case.instance.human_tasks.exists()  # waits for UTAR again
    resolved_complaint.refresh_from_db()
    assert resolved_complaint.state == ComplaintState.ASSIGNED
    assert (resolved_complaint.resolution, resolved_complaint.resolved_at) == ("", None)
    assert resolved_complaint.disagreements == 1
    assert "No procede" in resolved_complaint.changes.last().note
    [email] = mail.outbox
    assert email.to == [UTAR]
    assert sorted(email.cc) == sorted(COPIES)
    assert "No procede: las llamadas son del cliente." in email.body
    assert "línea estaba suspendida" in email.body
    assert OutgoingEmail.objects.get(template="claims/email/utar_disagreement").case == case

    # UTAR answers again: back to step 4, and this time the customer accepts.
    result = answer(
        team, resolved_complaint, ComplaintState.RESOLVED, "Procede: se anulan Bs 80.50."
    )
    assert result.cases == [case.number]
    tell_again = pending(case)
    assert tell_again.bpmn_id == "tell_resolution"
    assert "se anulan Bs 80.50" in str(engine.task_form(tell_again).fields["accepted"].help_text)
    complete(case, team[Role.EXECUTIVE], talk("Conforme.", accepted="yes"))
    assert (case.status, case.outcome) == (CaseStatus.CLOSED, "fulfilled")
    resolved_complaint.refresh_from_db()
    assert resolved_complaint.customer_accepted is True


def test_a_resolved_complaint_the_customer_accepts_ends_the_case(
    procedures, team, invoices, resolved_complaint
):
    case = open_f_case(team, invoices["october"].product)
    complete(case, team[Role.EXECUTIVE], complaint_request(invoices["october"]))
    complete(case, team[Role.EXECUTIVE], talk("Entiende y acepta.", accepted="yes"))
    assert (case.status, case.outcome) == (CaseStatus.CLOSED, "fulfilled")
    assert case.attended_at is not None
    resolved_complaint.refresh_from_db()
    assert resolved_complaint.customer_accepted is True
    assert not mail.outbox


# --- assigned (in progress) → 6: urgency to UTAR, the customer will be called; end ----


@pytest.mark.parametrize("state", [ComplaintState.REGISTERED, ComplaintState.ASSIGNED])
def test_a_complaint_still_at_utar_gets_an_urgency_email_and_the_case_ends(
    procedures, team, invoices, state, django_capture_on_commit_callbacks
):
    first = open_f_case(team, invoices["october"].product)
    complete(first, team[Role.EXECUTIVE], complaint_request(invoices["october"]))
    complete(first, team[Role.EXECUTIVE], {"disputed_amount": "80.50", "reason": "Llamadas."})
    complaint = Complaint.objects.get()
    if state == ComplaintState.ASSIGNED:
        answer(team, complaint, ComplaintState.ASSIGNED)
    mail.outbox.clear()

    case = open_f_case(team, invoices["october"].product)
    complete(case, team[Role.EXECUTIVE], complaint_request(invoices["october"]))
    urgency = pending(case)
    assert (urgency.bpmn_id, urgency.role) == ("ask_urgency", Role.EXECUTIVE)
    assert complaint.number in str(engine.task_form(urgency).fields["urgency_note"].help_text)
    with django_capture_on_commit_callbacks(execute=True):
        complete(
            case,
            team[Role.EXECUTIVE],
            talk("Se le llamará con el resultado.", urgency_note="El cliente llamó dos veces."),
        )
    assert (case.status, case.outcome) == (CaseStatus.CLOSED, "fulfilled")
    assert case.attended_at is not None
    [email] = mail.outbox
    assert (email.to, email.cc) == ([UTAR], [])
    assert email.subject.startswith("URGENTE") and complaint.number in email.subject
    assert "El cliente llamó dos veces." in email.body
    complaint.refresh_from_db()
    assert complaint.state == state  # unchanged: still UTAR's
    assert Complaint.objects.count() == 1
    assert Interaction.objects.filter(case=case, summary__contains="Se le llamará").exists()

    # The first case still waits, and moves on when UTAR resolves.
    answer(team, complaint, ComplaintState.RESOLVED, "Procede parcialmente: Bs 40.")
    assert pending(first).bpmn_id == "tell_resolution"


# --- bad input: a clear message, nothing changes --------------------------------------


def test_a_disputed_amount_above_the_invoice_is_refused(procedures, team, invoices):
    case = open_f_case(team, invoices["october"].product)
    with pytest.raises(engine.FormInvalid) as refused:
        complete(
            case, team[Role.EXECUTIVE], complaint_request(invoices["october"], amount="250.01")
        )
    assert "Bs 250,00" in str(refused.value.form.errors["disputed_amount"])
    with pytest.raises(engine.FormInvalid):
        complete(case, team[Role.EXECUTIVE], complaint_request(invoices["october"], amount="0"))
    assert pending(case).bpmn_id == "receive_request"


def test_only_the_invoices_of_the_case_product_can_be_disputed(procedures, team, invoices):
    other = InvoiceFactory(period=date(2026, 10, 1))
    case = open_f_case(team, invoices["october"].product)
    with pytest.raises(engine.FormInvalid) as refused:
        complete(case, team[Role.EXECUTIVE], complaint_request(other))
    assert "invoice" in refused.value.form.errors


def test_a_complaint_that_reached_utar_meanwhile_is_waited_for_not_registered_twice(
    procedures, team, invoices
):
    case = open_f_case(team, invoices["october"].product)
    complete(case, team[Role.EXECUTIVE], complaint_request(invoices["october"]))
    other = complaint_register(
        invoice=invoices["october"], disputed_amount="10", reason="Otro reclamo."
    )
    assert other.number in str(engine.task_form(pending(case)).fields["reason"].help_text)
    complete(case, team[Role.EXECUTIVE], {"disputed_amount": "80.50", "reason": "Llamadas."})
    assert Complaint.objects.count() == 1
    assert not case.instance.human_tasks.exists()  # waits for the complaint at UTAR
    result = answer(team, other, ComplaintState.RESOLVED, "Procede.")
    assert result.cases == [case.number]
    assert pending(case).bpmn_id == "tell_resolution"


def test_a_complaint_resolved_before_the_urgency_is_sent_sends_nothing(
    procedures, team, invoices, django_capture_on_commit_callbacks
):
    complaint = complaint_register(
        invoice=invoices["october"], disputed_amount="10", reason="Cobro doble."
    )
    case = open_f_case(team, invoices["october"].product)
    complete(case, team[Role.EXECUTIVE], complaint_request(invoices["october"]))
    assert pending(case).bpmn_id == "ask_urgency"
    answer(team, complaint, ComplaintState.RESOLVED, "Procede.")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        complete(case, team[Role.EXECUTIVE], talk("Se le llamará con el resultado."))
    assert case.status == CaseStatus.CLOSED and not mail.outbox


def test_only_the_commercial_manager_and_the_team_lead_record_utar_answers(team, invoices):
    complaint = complaint_register(
        invoice=invoices["october"], disputed_amount="10", reason="Cargo duplicado."
    )
    for role in (Role.EXECUTIVE, Role.TECHNICAL_MANAGER, Role.DIVISION_HEAD):
        with pytest.raises(PermissionDenied):
            complaint_record_answer(
                complaint=complaint, state="resolved", resolution="x", user=team[role]
            )
    with pytest.raises(ValidationError) as no_text:
        answer(team, complaint, ComplaintState.RESOLVED, "  ")
    assert "resolution" in no_text.value.message_dict
    result = complaint_record_answer(
        complaint=complaint, state="resolved", resolution="Procede.", user=team[Role.TEAM_LEAD]
    )
    assert not result.process_moved and complaint.number in result.notice
    with pytest.raises(ValidationError):
        answer(team, complaint, ComplaintState.RESOLVED, "Otra vez.")


def test_the_24_hours_warn_the_team_lead_while_the_complaint_is_not_received(
    procedures, team, invoices
):
    case = open_f_case(team, invoices["october"].product)
    with time_machine.travel(NOW + timedelta(hours=25), tick=False):
        engine.timers_advance()
    assert case.alerts.filter(role=Role.TEAM_LEAD).count() == 1
    assert pending(case).bpmn_id == "receive_request"
