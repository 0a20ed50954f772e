"""Procedure C, product relocation, walked branch by branch through the services."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from posventa.accounts.roles import Role
from posventa.billing.services import invoice_issue
from posventa.cases.document_rendering import document_retry
from posventa.cases.models import Alert, CaseDocument, CaseStatus, DocumentKind, DocumentStatus
from posventa.cases.services import case_open
from posventa.cases.tests.documents import render_pending
from posventa.common.dates import add_months
from posventa.customers.models import Interaction
from posventa.engine import services as engine
from posventa.engine.models import MessageSubscription
from posventa.factories import (
    ContactFactory,
    EquipmentFactory,
    PlanFactory,
    ProductFactory,
    product_type,
)
from posventa.integrations.models import Coverage
from posventa.inventory.models import Product, ProductStatus
from posventa.procedures.actions.c_relocation import remaining_permanence_months
from posventa.procedures.tests.pdf import pdf_text
from posventa.procedures.tests.steps import complete, pending
from posventa.workorders.models import FieldUnit, WorkOrder, WorkOrderKind, WorkOrderState
from posventa.workorders.services import workorder_assign, workorder_close, workorder_create

ALL_DOCUMENTS = {
    "has_request_letter": "on",
    "has_nit_copy": "on",
    "has_id_copy": "on",
    "has_other": "on",  # the sketch of the new address
}
NEW_PLACE = {
    "new_address": "Av. Santa Cruz N° 1280, piso 3",
    "new_zone": "Zona Norte",
    "new_neighbourhood": "Queru Queru",
}


@pytest.fixture
def coverage(db):
    """Cochabamba's network as the coverage table has it."""
    rows = [
        ("Zona Norte", "Queru Queru", "copper", 14),
        ("Zona Norte", "Queru Queru", "fiber", 9),
        ("Zona Sud", "Jaihuayco", "copper", 6),  # no fiber there
        ("Zona Noroeste", "Cala Cala", "fiber", 20),  # fiber only
        ("Zona Este", "Tupuraya", "copper", 0),  # no free ports
        ("Zona Este", "Tupuraya", "fiber", 0),
    ]
    for zone, neighbourhood, technology, ports in rows:
        Coverage.objects.create(
            zone=zone, neighbourhood=neighbourhood, technology=technology, spare_ports=ports
        )


@pytest.fixture
def copper_internet(team, internet_plans, coverage):
    """An internet access on copper in the city centre, with its modem, eight
    months into a 24-month permanence."""
    product = ProductFactory(
        company__executive=team[Role.EXECUTIVE],
        plan=internet_plans[1],
        service_number="INT-4451200",
        technology="copper",
        installation_address="Calle España N° 345",
        zone="Zona Central",
        neighbourhood="Casco Viejo",
        installed_on=add_months(timezone.localdate(), -8),
        minimum_permanence_months=24,
    )
    ContactFactory(company=product.company, name="Lic. Rosa Vargas", is_primary=True)
    EquipmentFactory(product=product, serial="MDM-0001", kind="modem")
    return product


def open_a_case(team, product):
    return case_open(
        company=product.company,
        procedure="C",
        channel="letter",
        subject="Traslado de la oficina a Queru Queru",
        product=product,
        user=team[Role.EXECUTIVE],
    )


def receive(case, team, **extra):
    data = {**NEW_PLACE, "contact_name": "Lic. Rosa Vargas", "contact_phone": "70712345", **extra}
    complete(case, team[Role.EXECUTIVE], data, step="receive_request")


def check(case, team, technology, documents=ALL_DOCUMENTS):
    complete(
        case,
        team[Role.COMMERCIAL_MANAGER],
        {"new_technology": technology, **documents},
        step="check_feasibility",
    )


def close_work_order(case, team, *, state=WorkOrderState.CLOSED_RESOLVED, result=None):
    work_order = case.work_orders.get(state=WorkOrderState.REGISTERED)
    manager = team[Role.TECHNICAL_MANAGER]
    workorder_assign(
        work_order=work_order,
        unit=FieldUnit.RESOURCES,
        technician="Téc. Juan Pérez",
        scheduled_at=timezone.now() + timedelta(days=1),
        user=manager,
    )
    closing = workorder_close(
        work_order=work_order,
        state=state,
        result=result or "Instalado; navegación verificada con el cliente.",
        user=manager,
    )
    case.refresh_from_db()
    return closing


def request_installation(case, team):
    task = pending(case, "request_installation")
    assert task.role == Role.TECHNICAL_MANAGER
    form = engine.task_form(task)
    notes = form.initial["installation_notes"]
    complete(case, team[Role.TECHNICAL_MANAGER], {"installation_notes": notes})
    return notes


def finish(case, team):
    """Steps 9 and 11: the result as an interaction, the quality call."""
    complete(
        case,
        team[Role.TECHNICAL_MANAGER],
        {
            "interaction_channel": "phone",
            "interaction_summary": "Instalación concluida en la nueva dirección.",
        },
        step="record_installation",
    )
    call = pending(case)
    assert (call.bpmn_id, call.role) == ("quality_call", Role.EXECUTIVE)
    complete(
        case,
        team[Role.EXECUTIVE],
        {
            "conform": "yes",
            "interaction_channel": "phone",
            "interaction_summary": "El internet funciona en la nueva oficina.",
        },
    )


def test_same_technology_the_address_changes_the_fee_is_billed_and_the_work_order_moves_it(
    procedures, team, copper_internet
):
    product = copper_internet
    case = open_a_case(team, product)
    assert pending(case).role == Role.EXECUTIVE
    receive(case, team)

    # Step 2: the feasibility check already ran; the form shows its result.
    task = pending(case)
    assert (task.bpmn_id, task.role) == ("check_feasibility", Role.COMMERCIAL_MANAGER)
    form = engine.task_form(task)
    assert [value for value, _label in form.fields["new_technology"].choices] == [
        "copper",
        "fiber",
        "none",
    ]
    assert "14" in form.fields["new_technology"].help_text
    assert form.initial["new_technology"] == "copper"  # the customer did not ask for fiber
    check(case, team, "copper")

    # Step 6: the relocation is entered; it answers the request.
    entry = pending(case)
    assert (entry.bpmn_id, entry.role) == ("enter_relocation", Role.COMMERCIAL_MANAGER)
    assert engine.task_form(entry).initial["new_address"] == NEW_PLACE["new_address"]
    entered_at = timezone.now() + timedelta(hours=3)
    with time_machine.travel(entered_at, tick=False):
        complete(case, team[Role.COMMERCIAL_MANAGER], NEW_PLACE)
    assert case.attended_at == entered_at
    product.refresh_from_db()
    assert (product.installation_address, product.zone, product.neighbourhood) == (
        "Av. Santa Cruz N° 1280, piso 3",
        "Zona Norte",
        "Queru Queru",
    )
    assert product.status == ProductStatus.ACTIVE and product.technology == "copper"
    invoice = invoice_issue(product=product, period=date(2030, 1, 1))
    [charge] = invoice.charges.all()
    assert charge.tariff.code == "relocation" and charge.amount == Decimal("150.00")
    assert charge.recorded_by == team[Role.COMMERCIAL_MANAGER]
    assert invoice.amount == product.plan.monthly_price + Decimal("150.00")
    render_pending(case)  # the worker, after the step committed
    order = pdf_text(case.documents.get(kind=DocumentKind.ORDER_REQUEST))
    for shown in (
        case.number,
        product.company.legal_name,
        "INT-4451200",
        "Traslado del producto INT-4451200 (cobre) de Calle España N° 345, Casco Viejo, "
        "Zona Central a Av. Santa Cruz N° 1280, piso 3, Queru Queru, Zona Norte",
        "Bs 150,00",
    ):
        assert shown in order, shown

    # Step 7: the commercial manager checks the entry.
    assert pending(case).bpmn_id == "verify_entry"
    complete(case, team[Role.COMMERCIAL_MANAGER], {"entry_checked": "on"})

    # Step 8: the installation work order, and the process waits for it.
    notes = request_installation(case, team)
    assert "Av. Santa Cruz N° 1280" in notes and "Lic. Rosa Vargas, 70712345" in notes
    [work_order] = case.work_orders.all()
    assert (work_order.kind, work_order.state, work_order.product, work_order.company) == (
        WorkOrderKind.INSTALLATION,
        WorkOrderState.REGISTERED,
        product,
        product.company,
    )
    assert work_order.number.startswith(f"OT-{timezone.localdate().year}-")
    assert work_order.address == "Av. Santa Cruz N° 1280, piso 3"
    assert work_order.created_by == team[Role.TECHNICAL_MANAGER]
    assert not case.instance.human_tasks.exists()
    assert case.status == CaseStatus.OPEN
    subscription = MessageSubscription.objects.get(instance=case.instance)
    assert subscription.message_name == "work_order_closed"
    assert subscription.correlation == f'{{"work_order_id": "{work_order.number}"}}'

    closing = close_work_order(case, team)
    assert closing.process_moved and closing.cases == [case.number]
    assert case.number in closing.notice
    work_order.refresh_from_db()
    assert work_order.state == WorkOrderState.CLOSED_RESOLVED
    assert [c.state for c in work_order.changes.all()] == [
        "registered",
        "assigned",
        "closed_resolved",
    ]

    # Step 9: the technical manager records the result; the form brings it.
    record = pending(case)
    assert (record.bpmn_id, record.role) == ("record_installation", Role.TECHNICAL_MANAGER)
    assert "navegación verificada" in engine.task_form(record).initial["interaction_summary"]
    finish(case, team)
    assert (case.status, case.outcome, case.quality_conform) == (
        CaseStatus.CLOSED,
        "fulfilled",
        True,
    )
    assert case.attended_at == entered_at  # answered at the entry, not at the end
    summaries = list(case.interactions.values_list("summary", flat=True))
    assert any("Instalación concluida" in s for s in summaries)
    assert any("funciona en la nueva oficina" in s for s in summaries)
    assert Interaction.objects.filter(case=case, recorded_by=team[Role.TECHNICAL_MANAGER]).exists()


def test_copper_to_fiber_withdraws_the_old_product_and_activates_a_new_one(
    procedures, team, copper_internet
):
    old = copper_internet
    case = open_a_case(team, old)
    receive(case, team, wants_fiber="on")
    form = engine.task_form(pending(case))
    assert form.initial["new_technology"] == "fiber"  # the customer asked, the network has it
    check(case, team, "fiber")

    entry = pending(case)
    assert (entry.bpmn_id, entry.role) == ("enter_technology_change", Role.COMMERCIAL_MANAGER)
    form = engine.task_form(entry)
    assert form.initial["new_plan"] == old.plan_id  # the same plan
    assert "MDM-0001" in str(form.fields["confirm_withdrawal"].help_text)
    complete(
        case,
        team[Role.COMMERCIAL_MANAGER],
        {
            **NEW_PLACE,
            "new_service_number": "FO-7781200",
            "new_plan": old.plan_id,
            "confirm_withdrawal": "on",
        },
    )
    assert case.attended_at is not None

    old.refresh_from_db()
    assert (old.status, old.withdrawn_on) == (ProductStatus.WITHDRAWN, timezone.localdate())
    assert old.installation_address == "Calle España N° 345"  # the old record stays as it was
    new = Product.objects.get(service_number="FO-7781200")
    assert (new.company, new.plan, new.technology, new.status) == (
        old.company,
        old.plan,
        "fiber",
        ProductStatus.ACTIVE,
    )
    assert (new.installation_address, new.zone, new.neighbourhood) == (
        "Av. Santa Cruz N° 1280, piso 3",
        "Zona Norte",
        "Queru Queru",
    )
    assert new.installed_on == timezone.localdate()
    assert new.permanence_ends_on >= old.permanence_ends_on  # the commitment carries over
    assert new.minimum_permanence_months == 16
    # The fee goes on the new product's next invoice: the withdrawn one gets no charges.
    assert not old.charges.exists()
    [charge] = invoice_issue(product=new, period=date(2030, 1, 1)).charges.all()
    assert charge.amount == Decimal("150.00") and "INT-4451200 → FO-7781200" in charge.concept
    assert not case.documents.filter(kind=DocumentKind.ORDER_REQUEST).exists()

    # Step 4: the executive asks for the equipment back.
    told = pending(case)
    assert (told.bpmn_id, told.role) == ("tell_equipment_return", Role.EXECUTIVE)
    summary = engine.task_form(told).initial["interaction_summary"]
    assert "INT-4451200" in summary and "MDM-0001" in summary
    complete(
        case, team[Role.EXECUTIVE], {"interaction_channel": "phone", "interaction_summary": summary}
    )
    assert case.interactions.filter(summary__contains="MDM-0001").exists()

    # Step 8: the work order is for the new product at the new address.
    request_installation(case, team)
    work_order = case.work_orders.get()
    assert work_order.product == new and work_order.address == new.installation_address
    close_work_order(case, team)
    finish(case, team)
    assert (case.status, case.outcome) == (CaseStatus.CLOSED, "fulfilled")


def test_a_neighbourhood_with_fiber_only_forces_the_technology_change(
    procedures, team, copper_internet
):
    case = open_a_case(team, copper_internet)
    receive(
        case,
        team,
        new_address="Av. Simón López N° 820",
        new_zone="zona noroeste",  # as typed: case and accents aside
        new_neighbourhood="CALA CALA",
    )
    form = engine.task_form(pending(case))
    assert [v for v, _ in form.fields["new_technology"].choices] == ["fiber", "none"]
    assert form.initial["new_technology"] == "fiber"
    check(case, team, "fiber")
    assert pending(case).bpmn_id == "enter_technology_change"


@pytest.mark.parametrize(
    ("zone", "neighbourhood"),
    [
        ("Zona Este", "Tupuraya"),  # the network is there, with no free port
        ("Zona Sud", "Villa Pagador"),  # no network registered there
    ],
)
def test_no_feasibility_the_executive_tells_the_customer_and_nothing_changes(
    procedures, team, copper_internet, zone, neighbourhood
):
    product = copper_internet
    case = open_a_case(team, product)
    receive(case, team, new_zone=zone, new_neighbourhood=neighbourhood)
    form = engine.task_form(pending(case))
    assert [v for v, _ in form.fields["new_technology"].choices] == ["none"]
    assert form.initial["new_technology"] == "none"
    with pytest.raises(engine.FormInvalid):  # copper is not offered there
        check(case, team, "copper")
    check(case, team, "none")

    told = pending(case)
    assert (told.bpmn_id, told.role) == ("tell_not_feasible", Role.EXECUTIVE)
    summary = engine.task_form(told).initial["interaction_summary"]
    assert neighbourhood in summary
    complete(
        case, team[Role.EXECUTIVE], {"interaction_channel": "phone", "interaction_summary": summary}
    )
    assert (case.status, case.outcome) == (CaseStatus.CLOSED, "not_feasible")
    assert case.attended_at == case.closed_at
    assert case.interactions.filter(summary__contains=neighbourhood).exists()
    product.refresh_from_db()
    assert product.installation_address == "Calle España N° 345"
    assert product.status == ProductStatus.ACTIVE
    assert not product.charges.exists() and not WorkOrder.objects.exists()


def test_missing_documents_wait_for_the_customer_then_continue(procedures, team, copper_internet):
    case = open_a_case(team, copper_internet)
    receive(case, team)
    check(case, team, "copper", documents={"has_request_letter": "on", "has_nit_copy": "on"})
    asked = pending(case)
    assert (asked.bpmn_id, asked.role) == ("ask_documents", Role.EXECUTIVE)
    assert case.status == CaseStatus.WAITING_CUSTOMER
    complete(
        case,
        team[Role.EXECUTIVE],
        {
            "completed": "yes",
            **ALL_DOCUMENTS,
            "interaction_channel": "in_person",
            "interaction_summary": "Trajo el carnet y el croquis.",
        },
    )
    assert case.status == CaseStatus.OPEN
    assert pending(case).bpmn_id == "enter_relocation"


def test_the_customer_gives_up_and_nothing_changes(procedures, team, copper_internet):
    product = copper_internet
    case = open_a_case(team, product)
    receive(case, team)
    check(case, team, "copper", documents={})
    complete(
        case,
        team[Role.EXECUTIVE],
        {
            "completed": "no",
            "interaction_channel": "phone",
            "interaction_summary": "La empresa se queda en su oficina actual.",
        },
    )
    assert (case.status, case.outcome) == (CaseStatus.CLOSED, "requirements_not_met")
    product.refresh_from_db()
    assert product.installation_address == "Calle España N° 345"
    assert not product.charges.exists() and not WorkOrder.objects.exists()


def test_the_entry_check_waits_for_the_order_request_it_checks(
    procedures, team, copper_internet, django_capture_on_commit_callbacks
):
    """Step 7 checks the relocation against the order request printed in step
    6 (its task says needs_documents="order_request"): refused while the
    worker has not rendered it, or could not, with a Spanish message and
    nothing changed; accepted once the file is there."""
    case = open_a_case(team, copper_internet)
    receive(case, team)
    check(case, team, "copper")
    complete(case, team[Role.COMMERCIAL_MANAGER], NEW_PLACE)
    order = case.documents.get(kind=DocumentKind.ORDER_REQUEST)
    assert order.status == DocumentStatus.GENERATING
    manager = team[Role.COMMERCIAL_MANAGER]

    def refused() -> str:
        with translation.override("es"), pytest.raises(engine.FormInvalid) as refusal:
            complete(case, manager, {"entry_checked": "on"}, step="verify_entry")
        assert pending(case).bpmn_id == "verify_entry"  # nothing changed
        return " ".join(refusal.value.form.errors["__all__"])

    assert "todavía se está generando" in refused()
    CaseDocument.objects.filter(pk=order.pk).update(status=DocumentStatus.FAILED)
    assert "no se pudo generar" in refused()

    with django_capture_on_commit_callbacks(execute=True):
        document_retry(document=order, user=team[Role.TEAM_LEAD])
    complete(case, manager, {"entry_checked": "on"}, step="verify_entry")
    assert pending(case).bpmn_id == "request_installation"


def test_an_installation_without_solution_asks_for_another_work_order(
    procedures, team, copper_internet
):
    case = open_a_case(team, copper_internet)
    receive(case, team)
    check(case, team, "copper")
    complete(case, team[Role.COMMERCIAL_MANAGER], NEW_PLACE)
    render_pending(case)  # the worker prints the order request the next step checks
    complete(case, team[Role.COMMERCIAL_MANAGER], {"entry_checked": "on"})
    request_installation(case, team)
    first = case.work_orders.get()

    close_work_order(
        case,
        team,
        state=WorkOrderState.ATTENDED_WITHOUT_SOLUTION,
        result="El cliente no estaba; el edificio no tiene ducto libre.",
    )
    # Back to the technical manager, with what happened, for a new order.
    task = pending(case)
    assert task.bpmn_id == "request_installation"
    notes = engine.task_form(task).initial["installation_notes"]
    assert first.number in notes and "ducto libre" in notes
    request_installation(case, team)
    second = case.work_orders.get(state=WorkOrderState.REGISTERED)
    assert second.number != first.number
    # Only the new order moves the case now.
    with pytest.raises(engine.NoInstanceWaiting):
        engine.deliver_message(
            name="work_order_closed", correlation={"work_order_id": first.number}, payload={}
        )
    close_work_order(case, team)
    assert pending(case).bpmn_id == "record_installation"
    finish(case, team)
    assert (case.status, case.outcome) == (CaseStatus.CLOSED, "fulfilled")


def test_the_process_moves_only_when_its_own_work_order_closes(procedures, team, copper_internet):
    case = open_a_case(team, copper_internet)
    receive(case, team)
    check(case, team, "copper")
    complete(case, team[Role.COMMERCIAL_MANAGER], NEW_PLACE)
    render_pending(case)  # the worker prints the order request the next step checks
    complete(case, team[Role.COMMERCIAL_MANAGER], {"entry_checked": "on"})
    request_installation(case, team)
    manager = team[Role.TECHNICAL_MANAGER]
    mine = case.work_orders.get()

    # Another order of the same customer, registered by hand, closes: nothing moves.
    other = workorder_create(
        kind=WorkOrderKind.VISIT, company=case.company, address="Calle España N° 345", user=manager
    )
    closing = workorder_close(
        work_order=other, state=WorkOrderState.UNFOUNDED, result="Sin falla.", user=manager
    )
    assert not closing.process_moved and other.number in closing.notice
    # Assigning its own order does not move it either.
    workorder_assign(
        work_order=mine,
        unit=FieldUnit.RESOURCES,
        technician="Téc. Ana Rojas",
        scheduled_at=timezone.now() + timedelta(hours=4),
        user=manager,
    )
    assert not case.instance.human_tasks.exists()
    workorder_close(
        work_order=mine, state=WorkOrderState.CLOSED_RESOLVED, result="OK.", user=manager
    )
    assert pending(case).bpmn_id == "record_installation"


def test_the_network_is_checked_again_when_the_relocation_is_entered(
    procedures, team, copper_internet
):
    case = open_a_case(team, copper_internet)
    receive(case, team)
    check(case, team, "copper")
    # Meanwhile the last copper port at Queru Queru was taken.
    Coverage.objects.filter(neighbourhood="Queru Queru", technology="copper").update(spare_ports=0)
    with pytest.raises(engine.FormInvalid) as excinfo:
        complete(case, team[Role.COMMERCIAL_MANAGER], NEW_PLACE)
    assert "new_neighbourhood" in excinfo.value.form.errors
    copper_internet.refresh_from_db()
    assert copper_internet.installation_address == "Calle España N° 345"


def test_the_same_address_is_not_a_relocation(procedures, team, copper_internet):
    case = open_a_case(team, copper_internet)
    with pytest.raises(engine.FormInvalid) as excinfo:
        receive(
            case,
            team,
            new_address="calle españa  N° 345",
            new_zone="Zona Central",
            new_neighbourhood="Casco Viejo",
        )
    assert "new_address" in excinfo.value.form.errors


def test_a_service_number_in_use_is_refused(procedures, team, copper_internet):
    ProductFactory(service_number="FO-0000001")
    case = open_a_case(team, copper_internet)
    receive(case, team, wants_fiber="on")
    check(case, team, "fiber")
    with pytest.raises(engine.FormInvalid) as excinfo:
        complete(
            case,
            team[Role.COMMERCIAL_MANAGER],
            {
                **NEW_PLACE,
                "new_service_number": "FO-0000001",
                "new_plan": copper_internet.plan_id,
                "confirm_withdrawal": "on",
            },
        )
    assert "new_service_number" in excinfo.value.form.errors
    copper_internet.refresh_from_db()
    assert copper_internet.status == ProductStatus.ACTIVE


def test_a_product_off_the_access_network_is_refused(procedures, team, coverage):
    hspa = ProductFactory(
        company__executive=team[Role.EXECUTIVE],
        plan=PlanFactory(code="HSPA-5", product_type=product_type("hspa")),
        technology="",
    )
    with pytest.raises(ValidationError) as excinfo:
        open_a_case(team, hspa)
    assert "product" in excinfo.value.message_dict


def test_the_team_lead_is_warned_when_24_hours_pass(procedures, team, copper_internet):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        case = open_a_case(team, copper_internet)
    with time_machine.travel(start + timedelta(hours=24, minutes=1), tick=False):
        assert engine.timers_advance() == 1
    [alert] = Alert.objects.filter(case=case)
    assert alert.role == Role.TEAM_LEAD and "Recibe la solicitud de traslado" in alert.message
    assert pending(case).bpmn_id == "receive_request"  # still the executive's step


@pytest.mark.parametrize(
    ("installed", "months", "on", "left"),
    [
        (date(2025, 1, 15), 24, date(2025, 9, 12), 17),  # ends 15/01/2027: 16 months and 3 days
        (date(2025, 1, 15), 24, date(2025, 9, 15), 16),
        (date(2025, 1, 15), 12, date(2026, 2, 1), 0),  # already fulfilled
    ],
)
def test_the_new_product_carries_what_is_left_of_the_permanence(installed, months, on, left):
    product = Product(installed_on=installed, minimum_permanence_months=months)
    assert remaining_permanence_months(product, on) == left


# --- step 4: the old product's equipment comes back, its missing parts charged -----------------


def up_to_the_equipment_return(case, team):
    """Copper to fiber: the old product withdrawn, the new one FO-7781200 active."""
    receive(case, team, wants_fiber="on")
    check(case, team, "fiber")
    complete(
        case,
        team[Role.COMMERCIAL_MANAGER],
        {
            **NEW_PLACE,
            "new_service_number": "FO-7781200",
            "new_plan": case.product.plan_id,
            "confirm_withdrawal": "on",
        },
    )
    told = pending(case)
    assert told.bpmn_id == "tell_equipment_return"
    return told


def return_data(modem, summary="Devolvió el módem en oficina.", **fields) -> dict:
    data = {"interaction_channel": "in_person", "interaction_summary": summary}
    data.update({f"{name}_{modem.pk}": value for name, value in fields.items()})
    return data


def test_the_customer_is_told_to_bring_the_modem_with_its_parts(procedures, team, copper_internet):
    case = open_a_case(team, copper_internet)
    told = up_to_the_equipment_return(case, team)
    summary = engine.task_form(told).initial["interaction_summary"]
    assert "Módem MDM-0001 con Cable de red (Ethernet), Cable telefónico (RJ11)" in summary


def test_equipment_returned_incomplete_is_charged_to_the_new_product(
    procedures, team, copper_internet
):
    old = copper_internet
    modem = old.equipment.get()
    case = open_a_case(team, old)
    told = up_to_the_equipment_return(case, team)
    form = engine.task_form(told)
    assert form.fields[f"condition_{modem.pk}"].required is False  # may be brought later
    assert [v for v, _label in form.fields[f"parts_{modem.pk}"].choices] == [
        "network_cable",
        "phone_cord",
        "power_supply",
    ]
    complete(
        case,
        team[Role.EXECUTIVE],
        return_data(modem, condition="incomplete", parts=["power_supply"]),
    )
    modem.refresh_from_db()
    assert (modem.return_condition, modem.returned_on) == ("incomplete", timezone.localdate())
    assert (modem.billed_amount, modem.return_settled) == (Decimal("45.00"), True)
    assert set(modem.missing_part_rows.values_list("part__code", flat=True)) == {"power_supply"}
    new = Product.objects.get(service_number="FO-7781200")
    [charge] = new.charges.filter(tariff__code="part_power_supply")
    assert charge.amount == Decimal("45.00")
    assert charge.concept == "Accesorio faltante: Fuente de poder (adaptador) (Módem MDM-0001)"
    assert not old.charges.exists()  # the withdrawn product gets no charges
    # The step's interaction says what came back and what is charged where.
    interaction = case.interactions.get(summary__contains="Devolvió el módem")
    assert "falta Fuente de poder (adaptador)" in interaction.summary
    assert "FO-7781200" in interaction.summary and "Bs 45,00" in interaction.summary
    # The new product's next invoice carries it with the relocation fee.
    invoice = invoice_issue(product=new, period=date(2030, 1, 1))
    assert set(invoice.charges.values_list("amount", flat=True)) == {
        Decimal("45.00"),
        Decimal("150.00"),
    }
    assert pending(case).bpmn_id == "request_installation"


def test_equipment_returned_complete_charges_nothing(procedures, team, copper_internet):
    modem = copper_internet.equipment.get()
    case = open_a_case(team, copper_internet)
    up_to_the_equipment_return(case, team)
    complete(case, team[Role.EXECUTIVE], return_data(modem, condition="complete"))
    modem.refresh_from_db()
    assert (modem.return_condition, modem.return_settled) == ("complete", True)
    new = Product.objects.get(service_number="FO-7781200")
    assert list(new.charges.values_list("tariff__code", flat=True)) == ["relocation"]


def test_a_damaged_modem_is_charged_its_tariff_to_the_new_product(
    procedures, team, copper_internet
):
    modem = copper_internet.equipment.get()
    case = open_a_case(team, copper_internet)
    up_to_the_equipment_return(case, team)
    complete(
        case,
        team[Role.EXECUTIVE],
        return_data(modem, condition="damaged", note="Puerto DSL quemado"),
    )
    new = Product.objects.get(service_number="FO-7781200")
    charge = new.charges.get(tariff__code="device_modem")
    assert (charge.amount, charge.concept) == (Decimal("250.00"), "Equipo dañado: Módem MDM-0001")
    assert case.interactions.filter(summary__contains="Puerto DSL quemado").exists()


@pytest.mark.parametrize(
    ("fields", "error_on"),
    [
        ({"condition": "incomplete"}, "parts"),  # nothing ticked
        ({"condition": "incomplete", "parts": ["remote_control"]}, "parts"),  # not a modem's
        ({"condition": "complete", "parts": ["power_supply"]}, "parts"),
        ({"condition": "damaged"}, "note"),
        ({"condition": "lost"}, "condition"),
    ],
)
def test_a_wrong_return_is_refused_and_nothing_changes(
    procedures, team, copper_internet, fields, error_on
):
    modem = copper_internet.equipment.get()
    case = open_a_case(team, copper_internet)
    up_to_the_equipment_return(case, team)
    with pytest.raises(engine.FormInvalid) as excinfo:
        complete(case, team[Role.EXECUTIVE], return_data(modem, **fields))
    assert f"{error_on}_{modem.pk}" in excinfo.value.form.errors
    modem.refresh_from_db()
    assert modem.return_condition == "" and not modem.missing_part_rows.exists()
    new = Product.objects.get(service_number="FO-7781200")
    assert list(new.charges.values_list("tariff__code", flat=True)) == ["relocation"]
    assert not case.interactions.filter(summary__contains="Devolvió el módem").exists()
    assert pending(case).bpmn_id == "tell_equipment_return"


def test_a_lost_modem_without_a_tariff_is_refused_with_a_reason(procedures, team, copper_internet):
    from posventa.catalog.models import EquipmentType

    EquipmentType.objects.filter(kind="modem").update(replacement_tariff=None)
    modem = copper_internet.equipment.get()
    case = open_a_case(team, copper_internet)
    up_to_the_equipment_return(case, team)
    with pytest.raises(engine.FormInvalid) as excinfo:
        complete(case, team[Role.EXECUTIVE], return_data(modem, condition="missing"))
    assert f"condition_{modem.pk}" in excinfo.value.form.errors
    modem.refresh_from_db()
    assert modem.return_condition == ""
