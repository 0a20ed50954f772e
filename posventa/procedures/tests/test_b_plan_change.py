"""Procedure B, plan change, walked branch by branch through the services."""

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile

from posventa.accounts.roles import Role
from posventa.cases.models import CaseStatus, DocumentKind
from posventa.cases.services import case_open
from posventa.cases.tests.documents import render_pending
from posventa.engine import services as engine
from posventa.procedures.tests.pdf import pdf_text
from posventa.procedures.tests.steps import complete, pending

ALL_DOCUMENTS = {"has_request_letter": "on", "has_nit_copy": "on", "has_id_copy": "on"}


def open_b_case(team, product):
    return case_open(
        company=product.company,
        procedure="B",
        channel="email",
        subject="Cambio a un plan de más velocidad",
        product=product,
        user=team[Role.EXECUTIVE],
    )


def test_requirements_met_the_plan_changes_and_the_case_closes_fulfilled(
    procedures, team, customer_product, internet_plans
):
    case = open_b_case(team, customer_product)
    assert case.number.startswith("PV-") and case.status == CaseStatus.OPEN
    assert case.interactions.get().direction == "inbound"
    check = pending(case)
    assert (check.bpmn_id, check.role) == ("check_requirements", Role.EXECUTIVE)
    assert check.due_at == case.received_at + timedelta(hours=24)

    letter = SimpleUploadedFile("carta.pdf", b"%PDF-1.4 carta", content_type="application/pdf")
    complete(
        case,
        team[Role.EXECUTIVE],
        {"new_plan": internet_plans[2].pk, **ALL_DOCUMENTS},
        files={"file_request_letter": letter},
    )
    enter = pending(case)
    assert (enter.bpmn_id, enter.role) == ("enter_plan_change", Role.COMMERCIAL_MANAGER)
    assert case.attended_at is None

    complete(case, team[Role.COMMERCIAL_MANAGER], {"new_plan": internet_plans[2].pk})
    customer_product.refresh_from_db()
    assert customer_product.plan == internet_plans[2]
    assert case.attended_at is not None
    render_pending(case)  # the worker, after the step committed
    order = case.documents.get(kind=DocumentKind.ORDER_REQUEST)
    assert order.generated
    text = pdf_text(order)
    for shown in (
        case.number,
        customer_product.company.legal_name,
        customer_product.company.nit,
        customer_product.service_number,
        "Internet 10 Mbps",
        "Internet 50 Mbps",
    ):
        assert shown in text, shown
    assert case.documents.filter(kind=DocumentKind.REQUEST_LETTER).exists()

    quality = pending(case)
    assert (quality.bpmn_id, quality.role) == ("quality_call", Role.EXECUTIVE)
    complete(
        case,
        team[Role.EXECUTIVE],
        {
            "conform": "yes",
            "interaction_channel": "phone",
            "interaction_summary": "El cliente confirma la nueva velocidad.",
        },
    )
    assert case.status == CaseStatus.CLOSED
    assert case.outcome == "fulfilled"
    assert case.quality_conform is True
    assert case.interactions.count() == 2
    path = list(case.instance.events.values_list("bpmn_id", flat=True))
    assert path == [
        "start",
        "check_requirements",
        "requirements_ok",
        "enter_plan_change",
        "do_change_plan",
        "print_order_request",
        "quality_call",
        "end_fulfilled",
    ]


def test_missing_documents_wait_for_the_customer_then_continue(
    procedures, team, customer_product, internet_plans
):
    case = open_b_case(team, customer_product)
    complete(case, team[Role.EXECUTIVE], {"new_plan": internet_plans[1].pk, "has_nit_copy": "on"})
    ask = pending(case)
    assert ask.bpmn_id == "ask_documents"
    assert case.status == CaseStatus.WAITING_CUSTOMER

    # Saying "completed" while a document is still missing is refused.
    with pytest.raises(engine.FormInvalid) as excinfo:
        complete(
            case,
            team[Role.EXECUTIVE],
            {
                "completed": "yes",
                "has_request_letter": "on",
                "interaction_channel": "phone",
                "interaction_summary": "Trajo la carta.",
            },
        )
    assert "completed" in excinfo.value.form.errors
    assert pending(case).pk == ask.pk

    complete(
        case,
        team[Role.EXECUTIVE],
        {
            "completed": "yes",
            **ALL_DOCUMENTS,
            "interaction_channel": "in_person",
            "interaction_summary": "Trajo los documentos.",
        },
    )
    assert case.status == CaseStatus.OPEN
    assert pending(case).bpmn_id == "enter_plan_change"


def test_the_customer_gives_up_and_the_case_ends_requirements_not_met(
    procedures, team, customer_product, internet_plans
):
    case = open_b_case(team, customer_product)
    complete(case, team[Role.EXECUTIVE], {"new_plan": internet_plans[1].pk})
    complete(
        case,
        team[Role.EXECUTIVE],
        {
            "completed": "no",
            "interaction_channel": "phone",
            "interaction_summary": "El cliente desiste del cambio.",
        },
    )
    assert case.status == CaseStatus.CLOSED
    assert case.outcome == "requirements_not_met"
    assert case.attended_at == case.closed_at
    customer_product.refresh_from_db()
    assert customer_product.plan == internet_plans[0]
    assert not case.documents.filter(kind=DocumentKind.ORDER_REQUEST).exists()


def test_the_team_lead_is_warned_when_24_hours_pass(
    procedures, team, customer_product, django_capture_on_commit_callbacks
):
    case = open_b_case(team, customer_product)
    with (
        time_machine.travel(case.received_at + timedelta(hours=23, minutes=59), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert engine.timers_advance() == 0
    with (
        time_machine.travel(case.received_at + timedelta(hours=24, minutes=1), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert engine.timers_advance() == 1
    alert = case.alerts.get()
    assert alert.role == Role.TEAM_LEAD and "Verifica requisitos" in alert.message
    assert mail.outbox[0].to == [team[Role.TEAM_LEAD].email]
    assert pending(case).bpmn_id == "check_requirements"  # still the executive's
