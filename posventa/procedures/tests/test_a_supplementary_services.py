"""Procedure A, supplementary services, walked branch by branch through the services."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from posventa.accounts.roles import Role
from posventa.billing.models import Charge
from posventa.cases.models import CaseStatus, DocumentKind
from posventa.cases.services import case_open
from posventa.cases.tests.documents import render_pending
from posventa.catalog.models import SupplementaryService
from posventa.customers.models import Interaction
from posventa.engine import runtime
from posventa.engine import services as engine
from posventa.factories import CompanyFactory, PlanFactory, ProductFactory, product_type
from posventa.inventory.models import ProductSupplementaryService
from posventa.inventory.rules import supplementary_service_errors
from posventa.procedures.tests.fixtures import deploy_only
from posventa.procedures.tests.pdf import pdf_text
from posventa.procedures.tests.steps import complete, pending

ALL_DOCUMENTS = {"has_request_letter": "on", "has_nit_copy": "on", "has_id_copy": "on"}


@pytest.fixture
def procedures(db, media):
    """Only A's model, deployed as `make run` deploys it: faster, and
    independent of the other models."""
    yield deploy_only("a_supplementary_services.bpmn")
    runtime.specs.clear()


def service(code: str) -> SupplementaryService:
    return SupplementaryService.objects.get(code=code)


@pytest.fixture
def line(team):
    """A fixed line with Caller ID enabled."""
    plan = PlanFactory(
        code="LF-EMP",
        name="Línea empresarial",
        product_type=product_type("fixed_line"),
        monthly_price=95,
    )
    product = ProductFactory(
        company=CompanyFactory(executive=team[Role.EXECUTIVE]),
        plan=plan,
        service_number="4-4251234",
    )
    ProductSupplementaryService.objects.create(
        product=product, service=service("caller_id"), enabled_on="2025-01-10"
    )
    return product


def open_a_case(team, product):
    return case_open(
        company=product.company,
        procedure="A",
        channel="letter",
        subject="Habilitar llamada en espera y Centrex",
        product=product,
        user=team[Role.EXECUTIVE],
    )


def change(**extra):
    return {
        "enable": [service("call_waiting").pk, service("centrex").pk],
        "disable": [service("caller_id").pk],
        **extra,
    }


def test_requirements_met_the_line_changes_the_fee_is_charged_and_the_case_closes(
    procedures, team, line
):
    case = open_a_case(team, line)
    complete(case, team[Role.EXECUTIVE], change(**ALL_DOCUMENTS))
    enter = pending(case)
    assert (enter.bpmn_id, enter.role) == ("enter_services", Role.COMMERCIAL_MANAGER)

    complete(case, team[Role.COMMERCIAL_MANAGER], change())
    assert case.attended_at is not None
    enabled = set(line.enabled_services.values_list("service__code", flat=True))
    assert enabled == {"call_waiting", "centrex"}
    [charge] = Charge.objects.filter(product=line, invoice__isnull=True)
    assert charge.quantity == 2 and charge.amount == Decimal("40.00")  # 2 × the Bs 20 default
    render_pending(case)  # the worker, after the step committed
    order = pdf_text(case.documents.get(kind=DocumentKind.ORDER_REQUEST))
    for shown in (
        case.number,
        line.company.legal_name,
        line.company.nit,
        "4-4251234",
        "habilitar Centrex, Llamada en espera",
        "deshabilitar Identificador de llamadas",
        "Bs 40,00",
    ):
        assert shown in order, shown

    complete(
        case,
        team[Role.EXECUTIVE],
        {
            "conform": "yes",
            "interaction_channel": "phone",
            "interaction_summary": "El cliente confirma la llamada en espera.",
        },
    )
    assert (case.status, case.outcome, case.quality_conform) == (
        CaseStatus.CLOSED,
        "fulfilled",
        True,
    )


def test_missing_documents_wait_for_the_customer_then_continue(procedures, team, line):
    case = open_a_case(team, line)
    complete(case, team[Role.EXECUTIVE], change(has_nit_copy="on"))
    assert case.status == CaseStatus.WAITING_CUSTOMER
    assert pending(case).bpmn_id == "ask_documents"
    complete(
        case,
        team[Role.EXECUTIVE],
        {
            "completed": "yes",
            **ALL_DOCUMENTS,
            "interaction_channel": "in_person",
            "interaction_summary": "Trajo la carta firmada.",
        },
    )
    assert case.status == CaseStatus.OPEN
    assert pending(case).bpmn_id == "enter_services"


def test_the_customer_gives_up_the_interaction_is_recorded_and_nothing_changes(
    procedures, team, line
):
    """A4 "caso contrario ingresa interacción y concluye el procedimiento":
    the customer does not complete the requirements; what was said is the
    case's interaction, and the line stays as it was."""
    case = open_a_case(team, line)
    complete(case, team[Role.EXECUTIVE], change())
    ask = pending(case)
    assert (ask.bpmn_id, ask.role) == ("ask_documents", Role.EXECUTIVE)
    before = set(Interaction.objects.filter(case=case).values_list("pk", flat=True))
    complete(
        case,
        team[Role.EXECUTIVE],
        {
            "completed": "no",
            "interaction_channel": "whatsapp",
            "interaction_summary": "El cliente ya no necesita los servicios.",
        },
    )
    assert (case.status, case.outcome) == (CaseStatus.CLOSED, "requirements_not_met")
    [interaction] = Interaction.objects.filter(case=case).exclude(pk__in=before)
    assert interaction.summary == (
        "Solicita documentos al cliente: El cliente ya no necesita los servicios."
    )
    assert (interaction.channel, interaction.direction, interaction.recorded_by) == (
        "whatsapp",
        "outbound",
        team[Role.EXECUTIVE],
    )
    assert interaction.company == line.company
    assert set(line.enabled_services.values_list("service__code", flat=True)) == {"caller_id"}
    assert not Charge.objects.filter(product=line).exists()
    assert list(case.instance.events.values_list("bpmn_id", flat=True))[-3:] == [
        "ask_documents",
        "customer_completed",
        "end_not_met",
    ]


def test_giving_up_without_saying_what_was_said_is_refused(procedures, team, line):
    case = open_a_case(team, line)
    complete(case, team[Role.EXECUTIVE], change())
    with pytest.raises(engine.FormInvalid) as excinfo:
        complete(case, team[Role.EXECUTIVE], {"completed": "no", "interaction_channel": "phone"})
    assert "interaction_summary" in excinfo.value.form.errors
    assert pending(case).bpmn_id == "ask_documents"
    complete(
        case,
        team[Role.EXECUTIVE],
        {"completed": "no", "interaction_channel": "phone", "interaction_summary": "Desiste."},
    )


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({}, "enable"),  # nothing chosen
        ({"enable": ["caller_id"]}, "enable"),  # already enabled: not even offered
        ({"disable": ["centrex"]}, "disable"),  # not enabled: not offered
    ],
)
def test_a_change_that_makes_no_sense_is_refused(procedures, team, line, data, field):
    case = open_a_case(team, line)
    task = pending(case)
    data = {key: [service(code).pk for code in codes] for key, codes in data.items()}
    with pytest.raises(engine.FormInvalid) as excinfo:
        engine.task_complete(
            task_id=task.task_id, user=team[Role.EXECUTIVE], data={**data, **ALL_DOCUMENTS}
        )
    assert field in excinfo.value.form.errors
    assert pending(case).pk == task.pk


def test_a_line_already_changed_meanwhile_is_checked_again(procedures, team, line):
    case = open_a_case(team, line)
    complete(case, team[Role.EXECUTIVE], change(**ALL_DOCUMENTS))
    # Someone enabled Centrex by other means before the commercial manager's step.
    ProductSupplementaryService.objects.create(
        product=line, service=service("centrex"), enabled_on="2026-11-01"
    )
    with pytest.raises(engine.FormInvalid) as excinfo:
        engine.task_complete(
            task_id=pending(case).task_id, user=team[Role.COMMERCIAL_MANAGER], data=change()
        )
    assert "enable" in excinfo.value.form.errors


def test_a_product_without_a_telephone_line_is_refused(procedures, team, customer_product):
    """An internet access has no line: the case cannot be opened on it, and
    the rule refuses it too if asked directly."""
    with pytest.raises(ValidationError) as excinfo:
        open_a_case(team, customer_product)
    assert "product" in excinfo.value.message_dict
    errors = supplementary_service_errors(
        product=customer_product, enable=[service("centrex")], disable=[]
    )
    assert set(errors) == {"product"}
