"""Procedure H, product withdrawal, walked branch by branch through the
services — the customer's history in numbers, retention, requirements, the
penalty charged, the final invoice issued line by line, the equipment's
return recorded (or billed), the pending work orders closed, the equipment
handed to the warehouse and the product withdrawn."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from posventa.accounts.roles import Role
from posventa.billing.models import Charge, Invoice
from posventa.cases.models import CaseStatus, DocumentKind
from posventa.cases.services import case_open
from posventa.cases.tests.documents import render_pending
from posventa.catalog.models import TeamRuleCode
from posventa.catalog.tests.team_rules import set_team_rule
from posventa.claims.models import Complaint
from posventa.customers.models import Interaction
from posventa.engine import runtime
from posventa.engine import services as engine
from posventa.engine.selectors import task_variables
from posventa.factories import (
    CompanyFactory,
    EquipmentFactory,
    InteractionFactory,
    InvoiceFactory,
    PlanFactory,
    ProductFactory,
    product_type,
)
from posventa.inventory.models import ProductStatus, ReturnCondition
from posventa.procedures.apps import MODELS_DIR
from posventa.procedures.h_withdrawal import (
    complaints_last_12_months,
    customer_history,
    damages_last_12_months,
    interactions_last_12_months,
)
from posventa.procedures.tests.fixtures import deploy_only
from posventa.procedures.tests.pdf import pdf_text
from posventa.procedures.tests.steps import complete, instructions, pending, talk
from posventa.workorders.models import WorkOrder, WorkOrderKind, WorkOrderState
from posventa.workorders.services import workorder_assign, workorder_create

LA_PAZ = ZoneInfo("America/La_Paz")
TODAY = date(2026, 3, 16)  # a Monday, in a 31-day month
NOW = datetime(2026, 3, 16, 10, 0, tzinfo=LA_PAZ)
D = Decimal


@pytest.fixture
def procedures(db, media):
    """Only H's model, deployed as `make run` deploys it: faster, and
    independent of the other models."""
    yield deploy_only("h_withdrawal.bpmn")
    runtime.specs.clear()


@pytest.fixture(autouse=True)
def clock():
    """Every test starts on Monday 16 March 2026, 10:00 in La Paz."""
    with time_machine.travel(NOW, tick=True):
        yield


@pytest.fixture
def fulfilled_product(customer_product):
    """Internet 10 Mbps (Bs 250) on fiber, installed 15/01/2024 with 12 months:
    the permanence was fulfilled on 15/01/2025. A router and an ONT lent."""
    EquipmentFactory(product=customer_product, serial="RTR-0001", kind="router")
    EquipmentFactory(product=customer_product, serial="ONT-0001", kind="ont")
    return customer_product


@pytest.fixture
def early_product(team, internet_plans):
    """Installed 10/09/2025 with 12 months: not fulfilled until 10/09/2026 —
    on 16/03/2026, 6 months missing (a month begun counts whole)."""
    product = ProductFactory(
        company=customer_of(team),
        plan=internet_plans[0],
        technology="fiber",
        installed_on=date(2025, 9, 10),
        minimum_permanence_months=12,
    )
    EquipmentFactory(product=product, serial="ONT-0002", kind="ont")
    return product


def customer_of(team):
    """A customer of the team's executive."""
    return CompanyFactory(executive=team[Role.EXECUTIVE])


def open_h_case(team, product):
    return case_open(
        company=product.company,
        procedure="H",
        channel="letter",
        subject="Retiro del producto",
        product=product,
        user=team[Role.EXECUTIVE],
    )


ALL_REQUIREMENTS = {"has_request_letter": "on", "has_nit_copy": "on", "has_id_copy": "on"}


def receive_and_review(case, team):
    complete(case, team[Role.EXECUTIVE], {"cause": "Cierre de la sucursal de la zona Sur."})
    review = pending(case)
    assert (review.bpmn_id, review.role) == ("review_history", Role.EXECUTIVE)
    complete(case, team[Role.EXECUTIVE], {"history_reviewed": "on"})


def leave_with_requirements(case, team):
    receive_and_review(case, team)
    assert pending(case).bpmn_id == "negotiate_retention"
    complete(case, team[Role.EXECUTIVE], talk("No acepta la oferta de retención.", stays="no"))
    assert pending(case).bpmn_id == "check_requirements"
    complete(case, team[Role.EXECUTIVE], ALL_REQUIREMENTS)


def manager_enters(case, team):
    """Steps 6 and 7: contract reviewed, withdrawal entered (order request printed)."""
    assert pending(case).bpmn_id == "review_contract"
    complete(case, team[Role.COMMERCIAL_MANAGER], {"contract_reviewed": "on"})
    enter = pending(case)
    assert (enter.bpmn_id, enter.role) == ("enter_withdrawal", Role.COMMERCIAL_MANAGER)
    complete(case, team[Role.COMMERCIAL_MANAGER], {"final_invoice_checked": "on"})
    return enter


def check_all(case, team, product, condition="complete", **notes):
    data = {}
    for equipment in product.equipment.all():
        if not equipment.return_settled:
            data[f"condition_{equipment.pk}"] = condition
            data[f"note_{equipment.pk}"] = notes.get(equipment.serial, "")
    complete(case, team[Role.COMMERCIAL_MANAGER], data)


def finish(case, team, receiver="Juan Mamani (almacén)"):
    assert pending(case).bpmn_id == "receive_equipment"
    complete(case, team[Role.COMMERCIAL_MANAGER], {"reception_legalised": "on"})
    assert pending(case).bpmn_id == "hand_to_warehouse"
    complete(case, team[Role.COMMERCIAL_MANAGER], {"warehouse_received_by": receiver})


def path(case) -> list[str]:
    return list(case.instance.events.values_list("bpmn_id", flat=True))


# --- step 2: the history in numbers ------------------------------------------------------


def test_the_history_counts_damages_complaints_and_interactions_of_the_last_12_months(
    procedures, team, fulfilled_product
):
    company = fulfilled_product.company
    executive = team[Role.EXECUTIVE]
    # One open damage order per product: three products of the customer.
    others = [ProductFactory(company=company, plan=fulfilled_product.plan) for _ in range(2)]
    for product in (fulfilled_product, others[0]):
        workorder_create(
            kind=WorkOrderKind.DAMAGE, company=company, product=product, user=executive
        )
    old = workorder_create(
        kind=WorkOrderKind.DAMAGE, company=company, product=others[1], user=executive
    )
    WorkOrder.objects.filter(pk=old.pk).update(created_at=NOW - timedelta(days=400))
    workorder_create(  # not a damage
        kind=WorkOrderKind.VISIT, company=company, product=fulfilled_product, user=executive
    )
    invoice = InvoiceFactory(product=fulfilled_product, period=date(2026, 1, 1))
    Complaint.objects.create(invoice=invoice, disputed_amount=D("50.00"), reason="Cobro doble")
    older = Complaint.objects.create(
        invoice=InvoiceFactory(product=fulfilled_product, period=date(2025, 1, 1)),
        disputed_amount=D("10.00"),
        reason="Otro",
    )
    Complaint.objects.filter(pk=older.pk).update(created_at=NOW - timedelta(days=370))
    InteractionFactory(company=company, occurred_at=NOW - timedelta(days=30))
    InteractionFactory(company=company, occurred_at=NOW - timedelta(days=500))

    assert damages_last_12_months(company=company, on=TODAY) == 2
    assert complaints_last_12_months(company=company, on=TODAY) == 1
    assert interactions_last_12_months(company=company, on=TODAY) == 1

    case = open_h_case(team, fulfilled_product)  # records "request received": one more
    complete(case, executive, {"cause": "Se mudan a otra ciudad."})
    review = pending(case)
    text = instructions(review)
    assert "2 daño(s), 1 reclamo(s) de facturación, 2 interacción(es)" in text
    assert "cumplida el 15/01/2025" in text
    assert "instalado el 15/01/2024" in text
    history = task_variables(review)["history"]
    assert history["permanence_fulfilled"] is True
    assert history["request_date"] == "2026-03-16"


def test_the_history_of_a_product_without_permanence_says_so(team, internet_plans):
    product = ProductFactory(
        company=customer_of(team), plan=internet_plans[0], minimum_permanence_months=0
    )
    history = customer_history(company=product.company, product=product, on=TODAY)
    assert history["permanence_fulfilled"] is True
    assert history["permanence"].startswith("sin permanencia mínima")


# --- step 3: retained -------------------------------------------------------------------


def test_the_customer_stays_and_the_case_ends_retained(procedures, team, fulfilled_product):
    case = open_h_case(team, fulfilled_product)
    receive_and_review(case, team)
    negotiate = pending(case)
    assert (negotiate.bpmn_id, negotiate.role) == ("negotiate_retention", Role.EXECUTIVE)
    complete(case, team[Role.EXECUTIVE], talk("Acepta 20 % de descuento por 6 meses.", stays="yes"))
    assert (case.status, case.outcome) == (CaseStatus.CLOSED, "retained")
    assert case.attended_at is not None
    assert Interaction.objects.filter(
        case=case, summary__contains="Acepta 20 % de descuento"
    ).exists()
    fulfilled_product.refresh_from_db()
    assert fulfilled_product.status == ProductStatus.ACTIVE
    assert not Charge.objects.filter(product=fulfilled_product).exists()
    assert path(case)[-4:] == ["permanence_gw", "negotiate_retention", "stays_gw", "end_retained"]


# --- steps 4 and 15: requirements not met --------------------------------------------------


def test_without_the_signed_letter_the_customer_is_told_and_the_case_ends(
    procedures, team, fulfilled_product
):
    case = open_h_case(team, fulfilled_product)
    receive_and_review(case, team)
    complete(case, team[Role.EXECUTIVE], talk("Quiere retirarse igual.", stays="no"))
    complete(case, team[Role.EXECUTIVE], {"has_nit_copy": "on", "has_id_copy": "on"})
    tell = pending(case)
    assert (tell.bpmn_id, tell.role) == ("tell_not_met", Role.EXECUTIVE)
    assert "Carta de solicitud firmada" in instructions(tell)
    complete(case, team[Role.EXECUTIVE], talk("Se le explicó que falta la carta firmada."))
    assert (case.status, case.outcome) == (CaseStatus.CLOSED, "requirements_not_met")
    assert Interaction.objects.filter(case=case, summary__contains="falta la carta").exists()
    fulfilled_product.refresh_from_db()
    assert fulfilled_product.status == ProductStatus.ACTIVE


# --- step 5: penalty refused ------------------------------------------------------------


def test_the_customer_who_refuses_the_penalty_keeps_the_service_declined_with_the_interaction(
    procedures, team, early_product
):
    """H5 "not → ingresa interacción y concluye": the customer was answered
    and chose to keep the service — outcome `declined`, the conversation
    recorded as the step's interaction."""
    case = open_h_case(team, early_product)
    receive_and_review(case, team)
    offer = pending(case)
    assert (offer.bpmn_id, offer.role) == ("offer_penalty", Role.EXECUTIVE)
    text = instructions(offer)
    assert "hasta el 10/09/2026" in text
    assert "50 % × Bs 250,00 × 6 mes(es)" in text and "Bs 750,00" in text
    assert (
        "Regla del equipo (no del manual): penalidad del 50 % de la mensualidad por cada mes "
        "que falta para cumplir la permanencia mínima (el mes comenzado cuenta entero)."
    ) in text
    before = set(Interaction.objects.filter(case=case).values_list("pk", flat=True))
    complete(
        case,
        team[Role.EXECUTIVE],
        talk("Prefiere conservar el servicio antes que pagar Bs 750.", accepts_penalty="no"),
    )
    assert (case.status, case.outcome) == (CaseStatus.CLOSED, "declined")
    [interaction] = Interaction.objects.filter(case=case).exclude(pk__in=before)
    assert interaction.summary == (
        "Informa la penalidad por retiro anticipado: "
        "Prefiere conservar el servicio antes que pagar Bs 750."
    )
    assert (interaction.channel, interaction.direction, interaction.recorded_by) == (
        "phone",
        "outbound",
        team[Role.EXECUTIVE],
    )
    assert interaction.company == early_product.company
    assert case.attended_at is not None  # answered: the customer chose
    assert not Charge.objects.filter(product=early_product).exists()
    early_product.refresh_from_db()
    assert early_product.status == ProductStatus.ACTIVE
    assert "negotiate_retention" not in path(case)  # the manual: not fulfilled → 5
    assert path(case)[-3:] == ["offer_penalty", "penalty_gw", "end_penalty_refused"]


def test_the_refused_penalty_needs_the_conversation_recorded(procedures, team, early_product):
    case = open_h_case(team, early_product)
    receive_and_review(case, team)
    with pytest.raises(engine.FormInvalid) as excinfo:
        complete(case, team[Role.EXECUTIVE], {"accepts_penalty": "no"})
    assert "interaction_summary" in excinfo.value.form.errors
    assert pending(case).bpmn_id == "offer_penalty"
    complete(case, team[Role.EXECUTIVE], talk("No pagará.", accepts_penalty="no"))


# --- step 5 by the team's rule (not the manual's), changed in the admin --------------------


@pytest.mark.parametrize(
    ("formula", "percent", "shown", "amount", "concept"),
    [
        # 16/03/2026 → 10/09/2026: 6 months, a month begun counting whole.
        ("whole_months", "50", "50 % × Bs 250,00 × 6 mes(es)", "750.00", "6 mes(es)"),
        ("whole_months", "30", "30 % × Bs 250,00 × 6 mes(es)", "450.00", "6 mes(es)"),
        # 5 whole months to 16/08, then 25 of the 31 days to 16/09: 250 × 50 % × 5 25/31.
        (
            "prorated_days",
            "50",
            "50 % × Bs 250,00 × 5 mes(es) y 25/31 días",
            "725.81",
            "5 mes(es) y 25/31 días",
        ),
        (
            "prorated_days",
            "30",
            "30 % × Bs 250,00 × 5 mes(es) y 25/31 días",
            "435.48",
            "5 mes(es) y 25/31 días",
        ),
    ],
)
def test_rule_penalty_formula_changed_in_the_admin_is_what_step_5_charges_and_names(
    procedures, team, early_product, admin_client, formula, percent, shown, amount, concept
):
    set_team_rule(admin_client, TeamRuleCode.PENALTY_FORMULA, choice=formula, percent=percent)
    case = open_h_case(team, early_product)
    receive_and_review(case, team)
    text = instructions(pending(case, "offer_penalty"))
    assert f"{shown} que faltan para cumplir la permanencia mínima = Bs " in text
    how = (
        "por cada mes que falta para cumplir la permanencia mínima (el mes comenzado cuenta entero)"
        if formula == "whole_months"
        else "por el tiempo que falta para cumplir la permanencia mínima (el último mes, "
        "prorrateado por días)"
    )
    assert (
        f"Regla del equipo (no del manual): penalidad del {percent} % de la mensualidad {how}."
    ) in text
    complete(case, team[Role.EXECUTIVE], talk("Acepta pagar la penalidad.", accepts_penalty="yes"))
    charge = Charge.objects.get(product=early_product)
    assert charge.amount == D(amount)
    assert charge.concept == f"Penalidad por retiro anticipado ({percent}.00 % × {concept})"
    assert charge.tariff.code == "early_termination_penalty"
    enter = manager_enters(case, team)
    assert f"{charge.concept} = Bs" in instructions(enter)  # on the final invoice
    check_all(case, team, early_product)
    finish(case, team)
    assert Invoice.objects.get(product=early_product).charges.get() == charge


# --- the main path: penalty accepted, a pending work order, the product withdrawn -------------


def test_penalty_accepted_final_invoice_work_order_closed_and_product_withdrawn(
    procedures, team, early_product
):
    company = early_product.company
    damage = workorder_create(
        kind=WorkOrderKind.DAMAGE,
        company=company,
        product=early_product,
        user=team[Role.EXECUTIVE],
        description="Sin señal",
    )
    workorder_assign(
        work_order=damage,
        unit="usm",
        technician="Carlos Quispe",
        scheduled_at=timezone.now() + timedelta(hours=2),
        user=team[Role.TECHNICAL_MANAGER],
    )
    case = open_h_case(team, early_product)
    receive_and_review(case, team)
    complete(case, team[Role.EXECUTIVE], talk("Acepta pagar la penalidad.", accepts_penalty="yes"))
    penalty = Charge.objects.get(product=early_product)
    assert penalty.amount == D("750.00")
    assert penalty.tariff.code == "early_termination_penalty"
    assert penalty.recorded_by == team[Role.EXECUTIVE]
    assert case.attended_at is None  # answered when the withdrawal is entered

    enter = manager_enters(case, team)
    text = instructions(enter)
    # 16 March of a 31-day month: 250 × 16/31 = 129.03, plus the penalty.
    assert "Bs 250,00 × 16/31 días = Bs 129,03" in text
    assert "Penalidad por retiro anticipado" in text and "Total: Bs 879,03" in text
    assert case.attended_at is not None
    render_pending(case)  # the worker, after the step committed
    order = case.documents.get(kind=DocumentKind.ORDER_REQUEST)
    pdf = pdf_text(order)
    for shown in (case.number, early_product.service_number, "129,03", "750,00", "879,03"):
        assert shown in pdf, shown
    assert "16/31 días" in pdf and "Total factura final" in pdf

    check = pending(case)
    assert (check.bpmn_id, check.role) == ("check_equipment", Role.COMMERCIAL_MANAGER)
    check_all(case, team, early_product)
    ont = early_product.equipment.get()
    assert (ont.return_condition, ont.returned_on) == (ReturnCondition.COMPLETE, TODAY)

    coordinate = pending(case)
    assert (coordinate.bpmn_id, coordinate.role) == (
        "coordinate_closure",
        Role.COMMERCIAL_MANAGER,
    )
    assert damage.number in instructions(coordinate)
    complete(
        case,
        team[Role.COMMERCIAL_MANAGER],
        {"closure_requested_via": "whatsapp_group", "closure_requested_to": "Gestión técnica"},
    )
    close = pending(case)
    assert (close.bpmn_id, close.role) == ("close_work_orders", Role.TECHNICAL_MANAGER)
    assert damage.number in instructions(close)
    assert "Gestión técnica" in instructions(close)
    complete(
        case,
        team[Role.TECHNICAL_MANAGER],
        {f"state_{damage.pk}": "closed_resolved", "closing_result": "Se retira el producto."},
    )
    damage.refresh_from_db()
    assert damage.state == WorkOrderState.CLOSED_RESOLVED
    assert damage.closed_by == team[Role.TECHNICAL_MANAGER]
    assert damage.result == "Retiro del producto: Se retira el producto."

    finish(case, team)
    assert (case.status, case.outcome) == (CaseStatus.CLOSED, "fulfilled")
    early_product.refresh_from_db()
    assert (early_product.status, early_product.withdrawn_on) == (ProductStatus.WITHDRAWN, TODAY)
    invoice = Invoice.objects.get(product=early_product)
    assert (invoice.period, invoice.amount) == (date(2026, 3, 1), D("879.03"))
    penalty.refresh_from_db()
    assert penalty.invoice == invoice
    ont.refresh_from_db()
    assert (ont.warehouse_on, ont.warehouse_received_by) == (TODAY, "Juan Mamani (almacén)")
    assert path(case)[-13:] == [
        "show_equipment",
        "equipment_gw",
        "find_open_work_orders",
        "work_orders_gw",
        "coordinate_closure",
        "close_work_orders",
        "do_close_work_orders",
        "find_open_work_orders",
        "work_orders_gw",
        "receive_equipment",
        "hand_to_warehouse",
        "do_withdraw",
        "end_withdrawn",
    ]


# --- steps 8 and 13: missing and damaged equipment billed, back to 7 -----------------------


def test_missing_and_damaged_equipment_is_billed_and_the_withdrawal_entered_again(procedures, team):
    multipack = PlanFactory(
        code="MP-500",
        name="Multipack Empresa",
        product_type=product_type("multipack"),
        monthly_price=D("500.00"),
        basic_telephony_amount=D("70.00"),
    )
    product = ProductFactory(company=customer_of(team), plan=multipack, technology="copper")
    router = EquipmentFactory(product=product, serial="RTR-0009", kind="router")
    decoder = EquipmentFactory(product=product, serial="DEC-0009", kind="decoder")
    case = open_h_case(team, product)
    leave_with_requirements(case, team)
    assert case.documents.filter(kind="request_letter").count() == 0  # ticked, not attached
    enter = manager_enters(case, team)
    # (500 − 70) × 16/31 = 221.94, and the Bs 70 whole: 291.94.
    text = instructions(enter)
    assert "(Bs 500,00 − Bs 70,00) × 16/31 días = Bs 221,94" in text
    assert "Telefonía básica del Multipack, mes completo 03/2026" in text
    assert "Total: Bs 291,94" in text

    # A damaged device needs to say what is damaged.
    with pytest.raises(engine.FormInvalid) as excinfo:
        complete(
            case,
            team[Role.COMMERCIAL_MANAGER],
            {f"condition_{router.pk}": "missing", f"condition_{decoder.pk}": "damaged"},
        )
    assert f"note_{decoder.pk}" in excinfo.value.form.errors
    decoder.refresh_from_db()
    assert decoder.return_condition == ""
    complete(
        case,
        team[Role.COMMERCIAL_MANAGER],
        {
            f"condition_{router.pk}": "missing",
            f"condition_{decoder.pk}": "damaged",
            f"note_{decoder.pk}": "Carcasa rota, sin control remoto",
        },
    )
    router.refresh_from_db()
    decoder.refresh_from_db()
    assert (router.return_condition, router.returned_on) == ("missing", None)
    assert (decoder.return_condition, decoder.returned_on) == ("damaged", TODAY)

    bill = pending(case)
    assert (bill.bpmn_id, bill.role) == ("bill_equipment", Role.COMMERCIAL_MANAGER)
    with pytest.raises(engine.FormInvalid):
        complete(
            case,
            team[Role.COMMERCIAL_MANAGER],
            {f"amount_{router.pk}": "0", f"amount_{decoder.pk}": "120"},
        )
    assert not Charge.objects.filter(product=product).exists()
    complete(
        case,
        team[Role.COMMERCIAL_MANAGER],
        {f"amount_{router.pk}": "350.50", f"amount_{decoder.pk}": "120"},
    )
    charges = {c.concept: c.amount for c in Charge.objects.filter(product=product)}
    assert charges == {
        "Equipo no devuelto: Router Wi-Fi RTR-0009": D("350.50"),
        "Equipo dañado: Decodificador de TV DEC-0009": D("120.00"),
    }
    router.refresh_from_db()
    assert (router.billed_on, router.billed_amount) == (TODAY, D("350.50"))

    # Back to step 7: entered again, the order request now carries the equipment.
    again = pending(case)
    assert again.bpmn_id == "enter_withdrawal"
    assert "Total: Bs 762,44" in instructions(again)  # 291.94 + 350.50 + 120.00
    complete(case, team[Role.COMMERCIAL_MANAGER], {"final_invoice_checked": "on"})
    render_pending(case)  # the worker, after the step committed
    orders = case.documents.filter(kind=DocumentKind.ORDER_REQUEST).order_by("pk")
    assert orders.count() == 2
    assert "762,44" in pdf_text(orders.last())

    # Step 8 again: everything is settled (back complete or billed).
    assert pending(case).bpmn_id == "check_equipment"
    complete(case, team[Role.COMMERCIAL_MANAGER], {})
    finish(case, team)  # no work order open: straight to the reception
    assert (case.status, case.outcome) == (CaseStatus.CLOSED, "fulfilled")
    product.refresh_from_db()
    assert product.status == ProductStatus.WITHDRAWN
    invoice = Invoice.objects.get(product=product)
    assert invoice.amount == D("762.44")
    assert set(invoice.charges.values_list("amount", flat=True)) == {D("350.50"), D("120.00")}
    decoder.refresh_from_db()
    router.refresh_from_db()
    assert decoder.warehouse_on == TODAY  # what came back goes to the warehouse
    assert router.warehouse_on is None  # what never came back does not
    assert "close_work_orders" not in path(case)


# --- step 10: the commercial manager coordinates, the technical manager closes ---------------


def test_step_10_coordinating_the_closure_is_in_the_commercial_managers_lane(
    procedures, team, fulfilled_product
):
    """The manual puts step 10 ("Coordina con las áreas correspondientes el
    cierre de órdenes de trabajo", 10.1 by the WhatsApp group) under GESTOR(A)
    COMERCIAL: the commercial manager asks; the technical manager, who alone
    may close work orders, closes them."""
    order = workorder_create(
        kind=WorkOrderKind.INSTALLATION,
        company=fulfilled_product.company,
        product=fulfilled_product,
        user=team[Role.EXECUTIVE],
    )
    workorder_assign(
        work_order=order,
        unit="resources",
        technician="Ana Rojas",
        scheduled_at=timezone.now() + timedelta(hours=1),
        user=team[Role.TECHNICAL_MANAGER],
    )
    case = open_h_case(team, fulfilled_product)
    leave_with_requirements(case, team)
    manager_enters(case, team)
    check_all(case, team, fulfilled_product)
    coordinate = pending(case)
    assert (coordinate.bpmn_id, coordinate.lane, coordinate.role) == (
        "coordinate_closure",
        "Gestor(a) comercial",
        Role.COMMERCIAL_MANAGER,
    )
    assert order.number in instructions(coordinate)
    request = {"closure_requested_via": "whatsapp_group", "closure_requested_to": "USM"}
    with pytest.raises(PermissionDenied):
        engine.task_complete(
            task_id=coordinate.task_id, user=team[Role.TECHNICAL_MANAGER], data=request
        )
    with pytest.raises(engine.FormInvalid) as excinfo:
        complete(case, team[Role.COMMERCIAL_MANAGER], {**request, "closure_requested_to": " "})
    assert "closure_requested_to" in excinfo.value.form.errors
    complete(case, team[Role.COMMERCIAL_MANAGER], request)

    close = pending(case)
    assert (close.bpmn_id, close.lane, close.role) == (
        "close_work_orders",
        "Gestor(a) técnico",
        Role.TECHNICAL_MANAGER,
    )
    assert "grupo de WhatsApp de las órdenes de trabajo: USM" in instructions(close)
    closing = {f"state_{order.pk}": "closed_resolved", "closing_result": "Retiro"}
    with pytest.raises(PermissionDenied):  # closing work orders is not hers
        engine.task_complete(
            task_id=close.task_id, user=team[Role.COMMERCIAL_MANAGER], data=closing
        )
    complete(case, team[Role.TECHNICAL_MANAGER], closing)
    order.refresh_from_db()
    assert (order.state, order.closed_by) == ("closed_resolved", team[Role.TECHNICAL_MANAGER])
    assert pending(case).bpmn_id == "receive_equipment"
    lanes = dict(case.instance.events.filter(kind="UserTask").values_list("bpmn_id", "lane"))
    assert lanes["coordinate_closure"] == "Gestor(a) comercial"
    assert lanes["close_work_orders"] == "Gestor(a) técnico"


# --- bad input: a clear message, nothing changes --------------------------------------------


def test_a_registered_work_order_must_be_assigned_before_it_is_closed(
    procedures, team, fulfilled_product
):
    registered = workorder_create(
        kind=WorkOrderKind.INSTALLATION,
        company=fulfilled_product.company,
        product=fulfilled_product,
        user=team[Role.EXECUTIVE],
    )
    case = open_h_case(team, fulfilled_product)
    leave_with_requirements(case, team)
    manager_enters(case, team)
    check_all(case, team, fulfilled_product)
    complete(
        case,
        team[Role.COMMERCIAL_MANAGER],
        {"closure_requested_via": "phone", "closure_requested_to": "Gestor técnico"},
        step="coordinate_closure",
    )
    assert pending(case).bpmn_id == "close_work_orders"
    with pytest.raises(engine.FormInvalid) as excinfo:
        complete(case, team[Role.TECHNICAL_MANAGER], {"closing_result": "Retiro"})
    assert registered.number in str(excinfo.value.form.errors)
    registered.refresh_from_db()
    assert registered.state == WorkOrderState.REGISTERED
    workorder_assign(
        work_order=registered,
        unit="resources",
        technician="Ana Rojas",
        scheduled_at=timezone.now() + timedelta(hours=1),
        user=team[Role.TECHNICAL_MANAGER],
    )
    complete(
        case,
        team[Role.TECHNICAL_MANAGER],
        {f"state_{registered.pk}": "attended_without_solution", "closing_result": "Retiro"},
    )
    registered.refresh_from_db()
    assert registered.state == WorkOrderState.ATTENDED_WITHOUT_SOLUTION
    assert pending(case).bpmn_id == "receive_equipment"


def test_the_forms_refuse_what_is_missing(procedures, team, fulfilled_product):
    case = open_h_case(team, fulfilled_product)
    with pytest.raises(engine.FormInvalid) as excinfo:
        complete(case, team[Role.EXECUTIVE], {"cause": "   "})
    assert "cause" in excinfo.value.form.errors
    receive_and_review(case, team)
    with pytest.raises(engine.FormInvalid):
        complete(case, team[Role.EXECUTIVE], talk("…"))  # stays or not?
    complete(case, team[Role.EXECUTIVE], talk("Se retira.", stays="no"))
    complete(case, team[Role.EXECUTIVE], ALL_REQUIREMENTS)
    manager_enters(case, team)
    with pytest.raises(engine.FormInvalid):
        complete(case, team[Role.COMMERCIAL_MANAGER], {})  # a device without condition
    assert not fulfilled_product.equipment.exclude(return_condition="").exists()
    check_all(case, team, fulfilled_product)
    complete(case, team[Role.COMMERCIAL_MANAGER], {"reception_legalised": "on"})
    with pytest.raises(engine.FormInvalid):
        complete(case, team[Role.COMMERCIAL_MANAGER], {"warehouse_received_by": "  "})
    fulfilled_product.refresh_from_db()
    assert fulfilled_product.status == ProductStatus.ACTIVE


def test_an_invoice_already_issued_for_the_month_stops_the_withdrawal_with_nothing_changed(
    procedures, team, fulfilled_product
):
    InvoiceFactory(product=fulfilled_product, period=date(2026, 3, 1))
    case = open_h_case(team, fulfilled_product)
    leave_with_requirements(case, team)
    manager_enters(case, team)
    check_all(case, team, fulfilled_product)
    complete(case, team[Role.COMMERCIAL_MANAGER], {"reception_legalised": "on"})
    with pytest.raises(engine.FormInvalid) as excinfo:
        complete(case, team[Role.COMMERCIAL_MANAGER], {"warehouse_received_by": "Almacén"})
    assert "03/2026" in str(excinfo.value.form.errors)
    fulfilled_product.refresh_from_db()
    assert fulfilled_product.status == ProductStatus.ACTIVE
    assert not fulfilled_product.equipment.filter(warehouse_on__isnull=False).exists()
    assert pending(case).bpmn_id == "hand_to_warehouse"


# --- the 24-hour promise, the model and the pages --------------------------------------------


def test_the_team_lead_is_warned_when_24_hours_pass(
    procedures, team, fulfilled_product, django_capture_on_commit_callbacks
):
    case = open_h_case(team, fulfilled_product)
    with (
        time_machine.travel(case.received_at + timedelta(hours=24, minutes=1), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert engine.timers_advance() == 1
    alert = case.alerts.get()
    assert alert.role == Role.TEAM_LEAD and "Recibe la solicitud de retiro" in alert.message
    assert mail.outbox[0].to == [team[Role.TEAM_LEAD].email]


def test_the_model_deploys_with_its_lanes_and_diagram(procedures):
    version = procedures["h_withdrawal"]
    assert "bpmndi:BPMNDiagram" in version.diagram_xml
    for lane in ("Ejecutivo(a)", "Gestor(a) comercial", "Gestor(a) técnico"):
        assert lane in version.diagram_xml


def test_the_task_page_shows_the_history_and_the_case_page_the_step(
    client, procedures, team, fulfilled_product
):
    case = open_h_case(team, fulfilled_product)
    complete(case, team[Role.EXECUTIVE], {"cause": "Cierre"})
    client.force_login(team[Role.EXECUTIVE])
    page = client.get(reverse("cases:task", args=[pending(case).task_id])).content.decode()
    assert "interacción(es)" in page and "cumplida el 15/01/2025" in page
    page = client.get(reverse("cases:detail", args=[case.number])).content.decode()
    assert "review_history" in page


def test_every_action_the_model_calls_is_h_s_own():
    """No other procedure's action of the same name stands in for H's."""
    import re

    from posventa.engine.registry import registry
    from posventa.procedures.actions import h_withdrawal as actions

    model = (MODELS_DIR / "bpmn" / "h_withdrawal.bpmn").read_text()
    called = set(re.findall(r'serviceTaskOperator id="([a-z_]+)"', model))
    shared = {"order_request", "warn_team_lead"}
    for name in called - shared:
        assert registry.actions[name].__module__ == actions.__name__, name


# --- steps 8 and 13 with the equipment catalogue: parts missing, charged at their tariff -------


@pytest.fixture
def tv_product(team):
    """Pay TV on copper with a decoder (power supply, remote control, HDMI
    cable) and a telephone set (handset, telephone cord)."""
    plan = PlanFactory(
        code="TV-200",
        name="TV Cable Empresa",
        product_type=product_type("pay_tv"),
        monthly_price=D("200.00"),
    )
    product = ProductFactory(company=customer_of(team), plan=plan, technology="copper")
    EquipmentFactory(product=product, serial="DEC-0100", kind="decoder")
    EquipmentFactory(product=product, serial="PHN-0100", kind="phone")
    return product


def up_to_the_equipment_check(case, team):
    leave_with_requirements(case, team)
    manager_enters(case, team)
    check = pending(case)
    assert check.bpmn_id == "check_equipment"
    return check


def test_the_customer_is_told_to_bring_each_device_with_its_parts(procedures, team, tv_product):
    case = open_h_case(team, tv_product)
    leave_with_requirements(case, team)
    text = task_variables(pending(case))["equipment_text"]
    assert "Decodificador de TV DEC-0100 con Cable HDMI, Control remoto, Fuente de poder" in text


def test_an_incomplete_device_is_charged_its_missing_parts_at_the_tariff(
    procedures, team, tv_product
):
    decoder = tv_product.equipment.get(kind="decoder")
    phone = tv_product.equipment.get(kind="phone")
    case = open_h_case(team, tv_product)
    check = up_to_the_equipment_check(case, team)
    form = engine.task_form(check)
    # Only the decoder's own parts, each with its price.
    assert [v for v, _label in form.fields[f"parts_{decoder.pk}"].choices] == [
        "hdmi_cable",
        "remote_control",
        "power_supply",
    ]
    assert "Bs 35,00" in dict(form.fields[f"parts_{decoder.pk}"].choices)["remote_control"]
    manager = team[Role.COMMERCIAL_MANAGER]
    complete(
        case,
        manager,
        {
            f"condition_{decoder.pk}": "incomplete",
            f"parts_{decoder.pk}": ["remote_control", "hdmi_cable"],
            f"condition_{phone.pk}": "complete",
        },
    )
    decoder.refresh_from_db()
    assert (decoder.return_condition, decoder.returned_on, decoder.missing_part_count) == (
        ReturnCondition.INCOMPLETE,
        TODAY,
        2,
    )

    # Step 13: the parts are charged at their tariff, confirmed by the manager.
    bill = pending(case)
    assert bill.bpmn_id == "bill_equipment"
    assert "falta Cable HDMI, Control remoto" in instructions(bill)
    assert "Bs 60,00 según tarifa" in instructions(bill)
    form = engine.task_form(bill)
    assert not [name for name in form.fields if name.startswith("amount_")]
    assert "Bs 35,00" in str(form.fields["parts_charged"].label)
    with pytest.raises(engine.FormInvalid):
        complete(case, manager, {})  # the charge is confirmed
    assert not Charge.objects.filter(product=tv_product).exists()
    complete(case, manager, {"parts_charged": "on"})
    charges = {c.tariff.code: c.amount for c in Charge.objects.filter(product=tv_product)}
    assert charges == {"part_remote_control": D("35.00"), "part_hdmi_cable": D("25.00")}
    decoder.refresh_from_db()
    assert (decoder.billed_on, decoder.billed_amount) == (TODAY, D("60.00"))

    # Back to step 7: the final invoice and the order request list the parts.
    again = pending(case)
    assert again.bpmn_id == "enter_withdrawal"
    text = instructions(again)
    # TV Bs 200 × 16/31 = 103.23, plus the parts: 163.23.
    assert "Accesorio faltante: Control remoto (Decodificador de TV DEC-0100) = Bs 35,00" in text
    assert "Total: Bs 163,23" in text
    complete(case, manager, {"final_invoice_checked": "on"})
    render_pending(case)  # the worker, after the step committed
    order = case.documents.filter(kind=DocumentKind.ORDER_REQUEST).order_by("pk").last()
    pdf = pdf_text(order)
    assert "Accesorio faltante" in pdf and "163,23" in pdf

    complete(case, manager, {})  # step 8 again: all settled
    receive = pending(case)
    assert "falta Cable HDMI, Control remoto" in instructions(receive)  # noted for the warehouse
    finish(case, team)
    invoice = Invoice.objects.get(product=tv_product)
    assert invoice.amount == D("163.23")
    assert invoice.charges.count() == 2
    decoder.refresh_from_db()
    assert decoder.warehouse_on == TODAY  # it came back, without its parts


def test_a_damaged_device_is_proposed_its_tariff_and_charged_it(procedures, team, tv_product):
    decoder = tv_product.equipment.get(kind="decoder")
    phone = tv_product.equipment.get(kind="phone")
    case = open_h_case(team, tv_product)
    up_to_the_equipment_check(case, team)
    manager = team[Role.COMMERCIAL_MANAGER]
    complete(
        case,
        manager,
        {
            f"condition_{decoder.pk}": "damaged",
            f"note_{decoder.pk}": "Carcasa quemada",
            f"condition_{phone.pk}": "incomplete",
            f"parts_{phone.pk}": ["handset"],
        },
    )
    bill = pending(case)
    assert "tarifa del equipo Bs 350,00" in instructions(bill)
    form = engine.task_form(bill)
    assert form.fields[f"amount_{decoder.pk}"].initial == D("350.00")
    complete(case, manager, {f"amount_{decoder.pk}": "350.00", "parts_charged": "on"})
    charges = {
        c.concept: (c.tariff.code, c.amount) for c in Charge.objects.filter(product=tv_product)
    }
    assert charges == {
        "Equipo dañado: Decodificador de TV DEC-0100": ("device_decoder", D("350.00")),
        "Accesorio faltante: Auricular (microteléfono) (Aparato telefónico PHN-0100)": (
            "part_handset",
            D("50.00"),
        ),
    }


@pytest.mark.parametrize(
    ("data", "field"),
    [
        # Parts listed, but the device came back complete.
        ({"condition": "complete", "parts": ["remote_control"]}, "parts"),
        # Incomplete, and nothing ticked.
        ({"condition": "incomplete"}, "parts"),
        # An antenna is no part of a decoder: refused by the form.
        ({"condition": "incomplete", "parts": ["antenna"]}, "parts"),
        # Damaged, without saying what.
        ({"condition": "damaged"}, "note"),
    ],
)
def test_the_equipment_check_refuses_a_wrong_return_and_nothing_changes(
    procedures, team, tv_product, data, field
):
    decoder = tv_product.equipment.get(kind="decoder")
    phone = tv_product.equipment.get(kind="phone")
    case = open_h_case(team, tv_product)
    up_to_the_equipment_check(case, team)
    posted = {f"condition_{phone.pk}": "complete", f"condition_{decoder.pk}": data["condition"]}
    if "parts" in data:
        posted[f"parts_{decoder.pk}"] = data["parts"]
    with pytest.raises(engine.FormInvalid) as excinfo:
        complete(case, team[Role.COMMERCIAL_MANAGER], posted)
    assert f"{field}_{decoder.pk}" in excinfo.value.form.errors
    assert not tv_product.equipment.exclude(return_condition="").exists()
    assert pending(case).bpmn_id == "check_equipment"


def test_a_device_whose_kind_lists_no_parts_cannot_come_back_incomplete(
    procedures, team, tv_product
):
    from posventa.catalog.models import EquipmentType

    EquipmentType.objects.get(kind="phone").parts.clear()
    phone = tv_product.equipment.get(kind="phone")
    case = open_h_case(team, tv_product)
    check = up_to_the_equipment_check(case, team)
    form = engine.task_form(check)
    assert f"parts_{phone.pk}" not in form.fields
    assert "incomplete" not in dict(form.fields[f"condition_{phone.pk}"].choices)
