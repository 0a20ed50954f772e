"""Cancelling ends any procedure at any step (issue 12, "no case stuck for
good"). Each of the twelve procedures is walked along its main path, as its
own tests drive it; wherever the case stands — a step in someone's inbox, a
wait for a work order, UTAR or a date — it is cancelled, and nothing of its
process may be left waiting: no inbox row, no timer, no message
subscription, no step still open in the log; the case is closed as
cancelled with the customer's interaction, and the orphan check finds
nothing.

Each cancel runs in a savepoint that is rolled back afterwards: the case
cancelled at a step is exactly the case a fresh walk would have brought
there, without walking it again (the whole file stays a few seconds), and
the walk goes on from the step as if nothing happened.
"""

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone

from posventa.accounts.roles import Role
from posventa.cases.models import Case, CaseStatus, Outcome
from posventa.cases.selectors import orphans
from posventa.cases.services import case_cancel, case_open
from posventa.cases.tests.documents import render_pending
from posventa.customers.models import Direction
from posventa.engine import runtime
from posventa.engine import services as engine
from posventa.engine.models import (
    HumanTask,
    InstanceStatus,
    MessageSubscription,
    ProcessInstance,
    TaskEvent,
)
from posventa.factories import (
    CompanyFactory,
    ContactFactory,
    EquipmentFactory,
    InvoiceFactory,
    PlanFactory,
    ProductFactory,
    product_type,
)
from posventa.procedures.tests.fixtures import deploy_only
from posventa.procedures.tests.steps import complete, pending, talk
from posventa.workorders.models import FieldUnit, WorkOrderKind, WorkOrderState
from posventa.workorders.services import workorder_assign, workorder_close

LA_PAZ = ZoneInfo("America/La_Paz")
REASON = "Cancelado por el responsable de equipo: el cliente retiró la solicitud."
ALL_DOCUMENTS = {"has_request_letter": "on", "has_nit_copy": "on", "has_id_copy": "on"}

# The models each walk needs (a procedure, the processes it calls, its tables).
MODELS = {
    "A": ["a_supplementary_services.bpmn"],
    "B": ["b_plan_change.bpmn"],
    "C": ["c_relocation.bpmn"],
    "D": ["d_suspension.bpmn", "reconnection.dmn"],
    "E": ["e_damage.bpmn"],
    "F": ["f_billing_complaint.bpmn"],
    "G": ["g_call_detail.bpmn", "call_detail_fee.dmn"],
    "H": ["h_withdrawal.bpmn"],
    "I": ["i_collections.bpmn"],
    "J": ["j_loyalty_calls.bpmn", "e_damage.bpmn"],
    "K": ["k_preventive_review.bpmn", "e_damage.bpmn"],
    "L": ["l_support_visits.bpmn"],
}

# Where each walk stops, in order: the user tasks of the main path, and the
# waits between them ("·message", "·timer").
MAIN_PATHS = {
    "A": ["check_requirements", "enter_services", "quality_call"],
    "B": ["check_requirements", "enter_plan_change", "quality_call"],
    "C": [
        "receive_request",
        "check_feasibility",
        "enter_relocation",
        "verify_entry",
        "request_installation",
        "·message",
        "record_installation",
        "quality_call",
    ],
    "D": ["receive_request", "enter_suspension", "quality_call_suspension"],
    "E": [
        "receive_report",
        "register_damage",
        "remote_diagnosis",
        "coordinate_visit",
        "·message",
        "quality_call",
    ],
    "F": ["receive_request", "register_by_executive", "·message", "tell_resolution"],
    "G": ["receive_request", "check_requirements", "tell_fee", "query_line", "send_to_customer"],
    "H": [
        "receive_request",
        "review_history",
        "negotiate_retention",
        "check_requirements",
        "review_contract",
        "enter_withdrawal",
        "check_equipment",
        "receive_equipment",
        "hand_to_warehouse",
    ],
    "I": ["call_debtor", "·timer", "close_collection"],
    "J": [
        "call_customer",
        "receive_report",
        "register_damage",
        "remote_diagnosis",
        "test_with_customer",
        "quality_call_remote",
    ],
    "K": [
        "review_customer",
        "verify_feasibility",
        "send_migration_offer",
        "enter_migration",
        "·message",
        "·message",
        "verify_migration",
    ],
    "L": ["diagnose", "schedule_visit", "record_service", "quality_call"],
}


# --- the check at every stop ----------------------------------------------------------


def where(case: Case) -> str:
    """The stop the case is at: its one pending step, else what it waits for."""
    instance = ProcessInstance.objects.get(pk=case.instance_id)
    tasks = list(HumanTask.objects.filter(instance=instance).values_list("bpmn_id", flat=True))
    if tasks:
        [task] = tasks
        return task
    if MessageSubscription.objects.filter(instance=instance).exists():
        return "·message"
    assert instance.next_timer_at is not None, "the case waits for nothing"
    return "·timer"


def cancelled_here(case: Case, user) -> None:
    """Cancel the case where it stands and check nothing of it waits; then
    roll it all back."""
    with transaction.atomic():
        case_cancel(case=case, user=user, reason=REASON, channel="phone")
        case = Case.objects.select_related("instance").get(pk=case.pk)
        instance = case.instance
        assert (case.status, case.outcome) == (CaseStatus.CLOSED, Outcome.CANCELLED)
        assert (case.cancelled_by, case.cancel_reason) == (user, REASON)
        assert instance.status == InstanceStatus.CANCELLED
        assert instance.next_timer_at is None
        assert not HumanTask.objects.filter(instance=instance).exists()
        assert not MessageSubscription.objects.filter(instance=instance).exists()
        assert not TaskEvent.objects.filter(instance=instance, ended_at__isnull=True).exists()
        assert TaskEvent.objects.filter(instance=instance, cancelled=True).exists()
        assert case.interactions.filter(
            direction=Direction.OUTBOUND, summary__contains=REASON, recorded_by=user
        ).exists()
        # Nothing is stuck, and whoever still had the step open finds it gone.
        assert orphans() == []
        transaction.set_rollback(True)


class Walk:
    """Records the stops of a walk, cancelling a copy of the case at each."""

    def __init__(self, team):
        self.team = team
        self.stops: list[str] = []
        self.case = None

    def __call__(self, case: Case | None = None) -> None:
        self.case = case or self.case
        self.case.refresh_from_db()
        if self.case.status == CaseStatus.CLOSED:
            return
        self.stops.append(where(self.case))
        cancelled_here(self.case, self.team[Role.TEAM_LEAD])


# --- the twelve walks -------------------------------------------------------------------


def open_request(team, procedure, subject, *, product=None, company=None, channel="phone"):
    """A request of the executive's customer (on `product`, when given)."""
    return case_open(
        company=company or product.company,
        procedure=procedure,
        channel=channel,
        subject=subject,
        product=product,
        user=team[Role.EXECUTIVE],
    )


def walk_a(team, stop, **_):
    from posventa.catalog.models import SupplementaryService
    from posventa.inventory.models import ProductSupplementaryService

    def service(code):
        return SupplementaryService.objects.get(code=code)

    line = ProductFactory(
        company=CompanyFactory(executive=team[Role.EXECUTIVE]),
        plan=PlanFactory(code="LF-EMP", product_type=product_type("fixed_line")),
        service_number="4-4251234",
    )
    ProductSupplementaryService.objects.create(
        product=line, service=service("caller_id"), enabled_on="2025-01-10"
    )
    change = {
        "enable": [service("call_waiting").pk, service("centrex").pk],
        "disable": [service("caller_id").pk],
    }
    stop(open_request(team, "A", "Habilitar llamada en espera", product=line, channel="letter"))
    case = stop.case
    complete(case, team[Role.EXECUTIVE], {**change, **ALL_DOCUMENTS}, step="check_requirements")
    stop()
    complete(case, team[Role.COMMERCIAL_MANAGER], change, step="enter_services")
    stop()
    complete(case, team[Role.EXECUTIVE], talk("Conforme.", conform="yes"), step="quality_call")


def walk_b(team, stop, customer_product, internet_plans, **_):
    stop(open_request(team, "B", "Cambio de plan", product=customer_product, channel="email"))
    case, plan = stop.case, internet_plans[2].pk
    complete(case, team[Role.EXECUTIVE], {"new_plan": plan, **ALL_DOCUMENTS})
    stop()
    complete(case, team[Role.COMMERCIAL_MANAGER], {"new_plan": plan}, step="enter_plan_change")
    stop()
    complete(case, team[Role.EXECUTIVE], talk("Conforme.", conform="yes"), step="quality_call")


def walk_c(team, stop, internet_plans, **_):
    from posventa.integrations.models import Coverage

    Coverage.objects.create(
        zone="Zona Norte", neighbourhood="Queru Queru", technology="copper", spare_ports=14
    )
    product = ProductFactory(
        company__executive=team[Role.EXECUTIVE],
        plan=internet_plans[1],
        technology="copper",
        installation_address="Calle España N° 345",
        zone="Zona Central",
        neighbourhood="Casco Viejo",
    )
    place = {
        "new_address": "Av. Santa Cruz N° 1280",
        "new_zone": "Zona Norte",
        "new_neighbourhood": "Queru Queru",
    }
    stop(open_request(team, "C", "Traslado", product=product, channel="letter"))
    case, manager = stop.case, team[Role.TECHNICAL_MANAGER]
    contact = {"contact_name": "Lic. Rosa Vargas", "contact_phone": "70712345"}
    complete(case, team[Role.EXECUTIVE], {**place, **contact}, step="receive_request")
    stop()
    documents = {**ALL_DOCUMENTS, "has_other": "on"}
    complete(
        case,
        team[Role.COMMERCIAL_MANAGER],
        {"new_technology": "copper", **documents},
        step="check_feasibility",
    )
    stop()
    complete(case, team[Role.COMMERCIAL_MANAGER], place, step="enter_relocation")
    stop()
    render_pending(case)  # the worker prints the order request verify_entry checks
    complete(case, team[Role.COMMERCIAL_MANAGER], {"entry_checked": "on"}, step="verify_entry")
    stop()
    notes = engine.task_form(pending(case)).initial["installation_notes"]
    complete(case, manager, {"installation_notes": notes}, step="request_installation")
    stop()
    order = case.work_orders.get()
    workorder_assign(
        work_order=order,
        unit=FieldUnit.RESOURCES,
        technician="Téc. Juan Pérez",
        scheduled_at=timezone.now() + timedelta(days=1),
        user=manager,
    )
    workorder_close(
        work_order=order, state=WorkOrderState.CLOSED_RESOLVED, result="Instalado.", user=manager
    )
    stop()
    complete(case, manager, talk("Instalación concluida."), step="record_installation")
    stop()
    complete(case, team[Role.EXECUTIVE], talk("Funciona.", conform="yes"), step="quality_call")


def walk_d(team, stop, customer_product, **_):
    today = timezone.localdate()
    ends = today + timedelta(days=60)
    stop(open_request(team, "D", "Suspensión temporal", product=customer_product, channel="letter"))
    case = stop.case
    dates = {"starts_on": today.isoformat(), "ends_on": ends.isoformat()}
    complete(
        case, team[Role.EXECUTIVE], {"request_kind": "suspension", **dates}, step="receive_request"
    )
    stop()
    complete(case, team[Role.COMMERCIAL_MANAGER], dates, step="enter_suspension")
    # The suspension's dates have their own process from here: it reconnects
    # the product the day after the suspension ends, whatever becomes of the
    # case (cancelling the case does not undo the suspension agreed).
    schedule = ProcessInstance.objects.get(business_key=f"{case.number}/suspension")
    stop()
    schedule.refresh_from_db()
    assert schedule.status == InstanceStatus.RUNNING and schedule.next_timer_at is not None
    complete(
        case,
        team[Role.EXECUTIVE],
        talk("Conforme.", conform="yes"),
        step="quality_call_suspension",
    )


E_DIAGNOSIS = {
    "wifi_coverage": "weak",
    "devices": "9",
    "contracted_mbps": "30",
    "measured_mbps": "12.5",
    "amplifiers": "",
    "router": "faulty",
    "findings": "Router sin sincronía.",
}


def _register_damage(case, team):
    form = engine.task_form(pending(case, "register_damage"))
    complete(
        case,
        team[Role.EXECUTIVE],
        {
            "address": form.initial["address"],
            "zone": form.initial["zone"],
            "neighbourhood": form.initial["neighbourhood"],
            "reference_phone": form.initial.get("reference_phone") or "70700000",
            "address_checked": "on",
            **talk("Daño registrado."),
        },
        step="register_damage",
    )


def _internet(team, internet_plans):
    product = ProductFactory(
        company__executive=team[Role.EXECUTIVE],
        plan=internet_plans[1],
        technology="fiber",
        installation_address="Av. Ballivián N° 520",
        zone="Zona Central",
        neighbourhood="El Prado",
    )
    ContactFactory(company=product.company, name="Ing. Marco Rojas", phone="70755511")
    return product


def walk_e(team, stop, internet_plans, **_):
    product = _internet(team, internet_plans)
    stop(open_request(team, "E", "El internet no navega", product=product))
    case, manager = stop.case, team[Role.TECHNICAL_MANAGER]
    complete(
        case,
        team[Role.EXECUTIVE],
        {"damaged_service": "internet", "cause": "no_service", "problem": "No navega."},
        step="receive_report",
    )
    stop()
    _register_damage(case, team)
    stop()
    complete(
        case,
        team[Role.TECHNICAL_ANALYST],
        {**E_DIAGNOSIS, "solved_remotely": "no"},
        step="remote_diagnosis",
    )
    stop()
    when = timezone.localtime(timezone.now() + timedelta(hours=2))
    complete(
        case,
        manager,
        {
            "unit": FieldUnit.USM,
            "technician": "Téc. Luis Quiroga",
            "visit_at": when.strftime("%Y-%m-%dT%H:%M"),
        },
        step="coordinate_visit",
    )
    stop()
    order = case.work_orders.get(state=WorkOrderState.ASSIGNED)
    workorder_close(
        work_order=order, state=WorkOrderState.CLOSED_RESOLVED, result="Router.", user=manager
    )
    stop()
    complete(case, team[Role.EXECUTIVE], talk("Funciona.", conform="yes"), step="quality_call")


def walk_f(team, stop, customer_product, **_):
    from posventa.claims.models import Complaint, ComplaintState
    from posventa.claims.services import complaint_record_answer

    invoice = InvoiceFactory(
        product=customer_product, period=date(2026, 10, 1), amount=Decimal("250.00")
    )
    stop(open_request(team, "F", "Reclamo de facturación", product=customer_product))
    case = stop.case
    reason = "Llamadas a celulares no reconocidas."
    complete(
        case,
        team[Role.EXECUTIVE],
        talk(
            "Reclama llamadas.",
            invoice=invoice.pk,
            disputed_amount="80.50",
            reason=reason,
            registers="executive",
        ),
        step="receive_request",
    )
    stop()
    complete(
        case,
        team[Role.EXECUTIVE],
        {"disputed_amount": "80.50", "reason": reason},
        step="register_by_executive",
    )
    stop()
    complaint_record_answer(
        complaint=Complaint.objects.get(case=case),
        state=ComplaintState.RESOLVED,
        resolution="Se anulan Bs 80.50.",
        user=team[Role.COMMERCIAL_MANAGER],
    )
    stop()
    complete(case, team[Role.EXECUTIVE], talk("Conforme.", accepted="yes"), step="tell_resolution")


def walk_g(team, stop, **_):
    from posventa.calls.models import CallRecord, CallSource

    now = timezone.localtime()
    current = f"{now.year:04d}-{now.month:02d}"
    line = ProductFactory(
        company=CompanyFactory(executive=team[Role.EXECUTIVE]),
        plan=PlanFactory(code="LF-EMP", product_type=product_type("fixed_line")),
        service_number="4425001",
    )
    ContactFactory(company=line.company, email="gerencia@cliente.example", is_primary=True)
    CallRecord.objects.create(
        product=line,
        started_at=timezone.now() - timedelta(days=40),
        called_number="4421111",
        destination="Cochabamba local",
        duration_seconds=125,
        cost=Decimal("0.40"),
        source=CallSource.COMTECO,
    )
    previous = (now.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    stop(open_request(team, "G", "Detalle de llamadas", product=line, channel="email"))
    case = stop.case
    complete(
        case,
        team[Role.EXECUTIVE],
        {"source": "comteco", "lines": [line.pk], "months": [current, previous]},
        step="receive_request",
    )
    stop()
    requirements = {"has_request_letter": True, "has_nit_copy": True, "has_id_copy": True}
    complete(case, team[Role.EXECUTIVE], requirements, step="check_requirements")
    stop()
    complete(case, team[Role.EXECUTIVE], talk("Acepta el cobro."), step="tell_fee")
    stop()
    complete(case, team[Role.COMMERCIAL_MANAGER], {"detail_obtained": True}, step="query_line")
    stop()
    complete(
        case,
        team[Role.EXECUTIVE],
        {
            "send_by": "email",
            "send_to": "gerencia@cliente.example",
            "interaction_summary": "Enviado.",
        },
        step="send_to_customer",
    )


def walk_h(team, stop, customer_product, **_):
    EquipmentFactory(product=customer_product, serial="RTR-0001", kind="router")
    stop(open_request(team, "H", "Retiro del producto", product=customer_product, channel="letter"))
    case, executive, manager = stop.case, team[Role.EXECUTIVE], team[Role.COMMERCIAL_MANAGER]
    complete(case, executive, {"cause": "Cierre de la sucursal."}, step="receive_request")
    stop()
    complete(case, executive, {"history_reviewed": "on"}, step="review_history")
    stop()
    complete(case, executive, talk("No acepta.", stays="no"), step="negotiate_retention")
    stop()
    complete(case, executive, ALL_DOCUMENTS, step="check_requirements")
    stop()
    complete(case, manager, {"contract_reviewed": "on"}, step="review_contract")
    stop()
    complete(case, manager, {"final_invoice_checked": "on"}, step="enter_withdrawal")
    stop()
    # The form of the equipment's return says what each piece needs.
    form = engine.task_form(pending(case, "check_equipment"))
    data = {name: value for name, value in form.initial.items() if value not in (None, "")}
    for name in form.fields:
        if name.startswith("condition_"):
            data[name] = "complete"
    complete(case, manager, data, step="check_equipment")
    stop()
    complete(case, manager, {"reception_legalised": "on"}, step="receive_equipment")
    stop()
    complete(case, manager, {"warehouse_received_by": "Juan (almacén)"}, step="hand_to_warehouse")


def walk_i(team, stop, customer_product, **_):
    from posventa.billing.services import invoice_mark_paid

    today = timezone.localdate()
    invoices = [
        InvoiceFactory(
            product=customer_product,
            period=date(2026, 1, 1),
            due_date=today - timedelta(days=40),
        ),
    ]
    stop(open_request(team, "I", "Gestión de cobranza", company=customer_product.company))
    case = stop.case
    promised = today + timedelta(days=3)
    complete(
        case,
        team[Role.EXECUTIVE],
        talk(
            "Se compromete a pagar.",
            call_result="promise",
            promised_on=promised.isoformat(),
            promised_amount=str(invoices[0].amount),
        ),
        step="call_debtor",
    )
    stop()
    for invoice in invoices:
        invoice_mark_paid(invoice=invoice, paid_on=today)
    day_after = datetime.combine(promised + timedelta(days=1), datetime.min.time(), LA_PAZ)
    with time_machine.travel(day_after + timedelta(hours=9), tick=False):
        assert engine.timers_advance() >= 1
    stop()
    with time_machine.travel(day_after + timedelta(hours=10), tick=True):
        complete(case, team[Role.EXECUTIVE], talk("Pagó."), step="close_collection")


def walk_j(team, stop, internet_plans, **_):
    from posventa.campaigns.models import CampaignKind
    from posventa.campaigns.services import call_start, campaign_create

    product = _internet(team, internet_plans)
    campaign = campaign_create(
        name="Fidelización",
        kind=CampaignKind.LOYALTY,
        executive=team[Role.EXECUTIVE],
        starts_on=timezone.localdate(),
        ends_on=timezone.localdate() + timedelta(days=5),
        user=team[Role.EXECUTIVE],
    )
    stop(call_start(item=campaign.items.get(product=product), user=team[Role.EXECUTIVE]))
    case, analyst = stop.case, team[Role.TECHNICAL_ANALYST]
    complete(
        case,
        team[Role.EXECUTIVE],
        talk("Dice que el internet está lento.", call_result="problem"),
        step="call_customer",
    )
    stop()
    complete(
        case,
        team[Role.EXECUTIVE],
        {"damaged_service": "internet", "cause": "slow", "problem": "Lento."},
        step="receive_report",
    )
    stop()
    _register_damage(case, team)
    stop()
    complete(
        case,
        analyst,
        {**E_DIAGNOSIS, "router": "misconfigured", "solved_remotely": "yes"},
        step="remote_diagnosis",
    )
    stop()
    complete(
        case,
        analyst,
        talk("Se cambió el canal.", customer_conform="yes"),
        step="test_with_customer",
    )
    stop()
    complete(
        case, team[Role.EXECUTIVE], talk("Funciona.", conform="yes"), step="quality_call_remote"
    )


def walk_k(team, stop, internet_plans, **_):
    from posventa.integrations.models import Coverage
    from posventa.reviews.models import ItemKind, ReviewItem
    from posventa.reviews.services import review_start, worklist_refresh

    Coverage.objects.create(
        zone="Zona Norte",
        neighbourhood="Queru Queru",
        technology="fiber",
        spare_ports=12,
        network_node="NAP-QQ-04",
    )
    copper = ProductFactory(
        company__executive=team[Role.EXECUTIVE],
        plan=internet_plans[1],
        technology="copper",
        installation_address="Av. América N° 1020",
        zone="Zona Norte",
        neighbourhood="Queru Queru",
    )
    worklist_refresh()
    item = ReviewItem.objects.get(product=copper, kind=ItemKind.MIGRATION)
    stop(review_start(item=item, user=team[Role.TECHNICAL_ANALYST]))
    case, analyst = stop.case, team[Role.TECHNICAL_ANALYST]
    complete(case, analyst, {"finding": "migration"}, step="review_customer")
    stop()
    complete(
        case,
        analyst,
        {"feasible": "yes", "excess_cable_metres": "10"},
        step="verify_feasibility",
    )
    stop()
    complete(
        case,
        team[Role.EXECUTIVE],
        talk("Acepta migrar.", offer_accepted="yes"),
        step="send_migration_offer",
    )
    stop()
    complete(
        case,
        team[Role.COMMERCIAL_MANAGER],
        {"customer_accepted_charge": "on", "migration_observations": "Acepta el cable"},
        step="enter_migration",
    )
    manager = team[Role.TECHNICAL_MANAGER]
    for kind in (WorkOrderKind.INSTALLATION, WorkOrderKind.WITHDRAWAL):
        stop()  # waits for the fiber's installation, then the copper's withdrawal
        order = case.work_orders.get(kind=kind)
        workorder_assign(
            work_order=order,
            unit=FieldUnit.RESOURCES,
            technician="Téc. Juan Pérez",
            scheduled_at=timezone.now() + timedelta(hours=3),
            user=manager,
        )
        workorder_close(
            work_order=order, state=WorkOrderState.CLOSED_RESOLVED, result="Hecho.", user=manager
        )
    stop()
    complete(
        case, team[Role.EXECUTIVE], talk("Navega bien.", conform="yes"), step="verify_migration"
    )


def walk_l(team, stop, **_):
    from posventa.visits.models import QualityResult

    analyst = team[Role.TECHNICAL_ANALYST]
    stop(
        open_request(
            team,
            "L",
            "Visita: la red interna falla",
            company=CompanyFactory(executive=team[Role.EXECUTIVE]),
        )
    )
    case = stop.case
    complete(
        case,
        analyst,
        {"diagnosis": "visit", "findings": "Pérdida de paquetes", **talk("Se revisa.")},
        step="diagnose",
    )
    stop()
    starts = timezone.localtime(timezone.now() + timedelta(days=1)).replace(
        hour=10, minute=0, second=0, microsecond=0
    )
    complete(
        case,
        analyst,
        {
            "analyst": str(analyst.pk),
            "starts_at": starts.strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (starts + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
            "person": "Ing. Rocío Mamani",
            "location": "Av. Blanco Galindo km 4",
        },
        step="schedule_visit",
    )
    stop()
    with time_machine.travel(starts + timedelta(hours=3), tick=False):
        complete(
            case,
            analyst,
            {"work_done": "Cambio de switch", "resolved": "yes"},
            step="record_service",
        )
        stop()
        complete(
            case,
            analyst,
            {"quality_result": QualityResult.SATISFIED, **talk("Conforme con la visita.")},
            step="quality_call",
        )


WALKS = {
    "A": walk_a,
    "B": walk_b,
    "C": walk_c,
    "D": walk_d,
    "E": walk_e,
    "F": walk_f,
    "G": walk_g,
    "H": walk_h,
    "I": walk_i,
    "J": walk_j,
    "K": walk_k,
    "L": walk_l,
}


@pytest.mark.parametrize("procedure", list(WALKS))
def test_cancelling_ends_the_procedure_at_every_step_of_its_main_path(
    db, media, team, customer_product, internet_plans, procedure
):
    runtime.specs.clear()
    deploy_only(*MODELS[procedure])
    stop = Walk(team)
    # A weekday morning in La Paz, as the procedures' own tests walk them.
    with time_machine.travel(datetime(2026, 11, 25, 9, 30, tzinfo=LA_PAZ), tick=True):
        WALKS[procedure](
            team, stop, customer_product=customer_product, internet_plans=internet_plans
        )
    assert stop.stops == MAIN_PATHS[procedure]
    # Walked to its end, the case closed the ordinary way.
    stop.case.refresh_from_db()
    assert stop.case.status == CaseStatus.CLOSED
    assert stop.case.outcome != Outcome.CANCELLED
    runtime.specs.clear()
