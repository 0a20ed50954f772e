"""The case's next move (cases.selectors.case_next_move): the pending step as
a button for whoever may take it, otherwise exactly what the case waits for
— a work order, UTAR, a date — or how it ended; and the work orders cases
wait on in the technical manager's inbox."""

import xml.etree.ElementTree as ET
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from posventa.accounts.roles import Role
from posventa.cases.models import CaseStatus
from posventa.cases.selectors import (
    MESSAGE_WAITS,
    TIMER_WAITS,
    MoveKind,
    case_next_move,
    work_orders_to_close,
)
from posventa.cases.services import case_cancel, case_open
from posventa.claims.services import complaint_record_answer
from posventa.engine import services as engine
from posventa.factories import (
    CompanyFactory,
    ContactFactory,
    InvoiceFactory,
    PlanFactory,
    ProductFactory,
    SuspensionFactory,
    UserFactory,
    product_type,
)
from posventa.inventory.services import product_suspend
from posventa.procedures.apps import MODELS_DIR
from posventa.procedures.tests import test_d_suspension as d
from posventa.procedures.tests import test_e_damage as e
from posventa.procedures.tests import test_i_collections as i
from posventa.procedures.tests import test_l_support_visits as l_visits
from posventa.procedures.tests.steps import complete, pending, talk
from posventa.workorders.models import WorkOrderKind, WorkOrderState
from posventa.workorders.selectors import work_orders_for
from posventa.workorders.services import workorder_close, workorder_create

LA_PAZ = ZoneInfo("America/La_Paz")
BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"


def kinds(move) -> list[str]:
    return [m.kind for m in move.moves]


# --- every wait of the twelve models has its sentence -------------------------------------


def _waits_of_the_models():
    """(file, process id, element id, what) for every element a process
    waits on that is not a person's step: message catches, timers."""
    found = []
    for path in sorted((MODELS_DIR / "bpmn").glob("*.bpmn")):
        root = ET.parse(path).getroot()
        messages = {m.get("id"): m.get("name") for m in root.iter(f"{BPMN}message")}
        for process in root.iter(f"{BPMN}process"):
            user_tasks = {t.get("id") for t in process.iter(f"{BPMN}userTask")}
            for tag in ("intermediateCatchEvent", "receiveTask", "boundaryEvent"):
                for element in process.iter(f"{BPMN}{tag}"):
                    found.append((path.name, process.get("id"), tag, element, messages, user_tasks))
    return found


def test_every_wait_of_the_twelve_models_has_its_sentence():
    waits = _waits_of_the_models()
    assert len(list((MODELS_DIR / "bpmn").glob("*.bpmn"))) == 12
    seen_messages, seen_timers, clocks = set(), set(), 0
    for name, process_id, tag, element, messages, user_tasks in waits:
        where = f"{name}: {process_id}/{element.get('id')}"
        definitions = [
            child.tag.removeprefix(BPMN) for child in element if "Definition" in child.tag
        ]
        if tag == "receiveTask" or "messageEventDefinition" in definitions:
            ref = element.get("messageRef")
            if ref is None:
                ref = element.find(f"{BPMN}messageEventDefinition").get("messageRef")
            message = messages[ref]
            assert message in MESSAGE_WAITS, f"{where} waits for {message!r} with no sentence"
            seen_messages.add(message)
        elif tag == "boundaryEvent":
            # The 24 hours beside a step: shown with that step, never a wait of its own.
            assert definitions == ["timerEventDefinition"], where
            assert element.get("cancelActivity") == "false", where
            assert element.get("attachedToRef") in user_tasks, where
            clocks += 1
        else:
            assert definitions == ["timerEventDefinition"], f"{where}: {definitions}"
            assert (process_id, element.get("id")) in TIMER_WAITS, f"{where} has no sentence"
            seen_timers.add((process_id, element.get("id")))
    # Nothing in the mapping that no model waits on any more.
    assert seen_messages == set(MESSAGE_WAITS)
    assert seen_timers == set(TIMER_WAITS)
    assert clocks > 20


# --- a person's step -------------------------------------------------------------------------


def test_the_pending_step_is_a_button_for_whoever_may_take_it_and_a_wait_for_the_others(
    plan_change_case, team
):
    case = plan_change_case
    executive = team[Role.EXECUTIVE]
    move = case_next_move(case, executive)
    assert kinds(move) == [MoveKind.TAKE]
    assert move.primary.text == "Completar: Verifica requisitos"
    assert move.primary.url == reverse("cases:task", args=[pending(case).task_id])
    assert "En la bandeja de Ejecutivo(a)" in move.primary.detail
    assert move.clock is not None and move.clock.level == "ok"

    # Another role: who holds it, since when — no button.
    other = case_next_move(case, team[Role.COMMERCIAL_MANAGER])
    assert other.primary is None and kinds(other) == [MoveKind.OTHERS]
    since = f"{pending(case).created_at.astimezone(LA_PAZ):%d/%m/%Y %H:%M}"
    assert other.moves[0].text == f"Espera a Ejecutivo(a): Verifica requisitos desde el {since}"

    # Taken by the executive: the team lead is told by whom; she, that she has it.
    engine.task_claim(task_id=pending(case).task_id, user=executive)
    held = case_next_move(case, team[Role.TEAM_LEAD]).moves[0]
    assert held.text.startswith(f"Espera a {executive} (Ejecutivo(a)): Verifica requisitos")
    assert "Lo tomó usted" in case_next_move(case, executive).primary.detail


def test_a_step_taken_by_a_colleague_of_the_same_role_is_hers_not_a_button(
    procedures, team, customer_product, internet_plans
):
    case = case_open(
        company=customer_product.company,
        procedure="B",
        channel="email",
        subject="Cambio de plan",
        product=customer_product,
        user=team[Role.EXECUTIVE],
    )
    complete(
        case,
        team[Role.EXECUTIVE],
        {
            "new_plan": internet_plans[2].pk,
            "has_request_letter": "on",
            "has_nit_copy": "on",
            "has_id_copy": "on",
        },
    )
    colleague = UserFactory(role=Role.COMMERCIAL_MANAGER, first_name="Rosa", last_name="Paz")
    assert case_next_move(case, colleague).primary is not None
    engine.task_claim(task_id=pending(case).task_id, user=team[Role.COMMERCIAL_MANAGER])
    move = case_next_move(case, colleague)
    assert move.primary is None
    assert move.moves[0].text.startswith(
        f"Espera a {team[Role.COMMERCIAL_MANAGER]} (Gestor(a) comercial): Registra el cambio"
    )


def test_a_case_waiting_for_the_customers_documents_says_so(plan_change_case, team, internet_plans):
    case = plan_change_case
    complete(case, team[Role.EXECUTIVE], {"new_plan": internet_plans[1].pk, "has_nit_copy": "on"})
    assert case.status == CaseStatus.WAITING_CUSTOMER
    move = case_next_move(case, team[Role.EXECUTIVE])
    assert move.primary.text == "Completar: Solicita documentos al cliente"
    assert "El caso espera la respuesta del cliente." in move.primary.detail


# --- E: a work order to close ----------------------------------------------------------------


@pytest.fixture
def line_damage(procedures, team):
    """A telephone line damage (E) whose visit the technical manager has
    coordinated: the case waits for the work order to close."""
    with time_machine.travel(datetime(2026, 11, 25, 9, 30, tzinfo=LA_PAZ), tick=True):
        plan = PlanFactory(
            code="FIJA-1", name="Línea fija empresarial", product_type=product_type("fixed_line")
        )
        product = ProductFactory(
            company__executive=team[Role.EXECUTIVE], plan=plan, service_number="4251234"
        )
        ContactFactory(company=product.company, name="Sra. Ana Mendoza", phone="4456789")
        case = e.open_a_case(team, product, "Sin tono")
        e.receive(case, team, service="line", cause="no_dial_tone", problem="Sin tono.")
        e.register(case, team)
        when = e.coordinate(case, team, technician="Téc. Luis Quiroga")
    return case, e.the_order(case), when


def test_a_damage_waiting_for_its_work_order_names_it_and_who_closes_it(line_damage, team):
    case, order, when = line_damage
    move = case_next_move(case, team[Role.EXECUTIVE])
    assert kinds(move) == [MoveKind.WORK_ORDER]
    wait = move.moves[0]
    assert wait.text == f"Espera el cierre de la {order.number} (Gestor(a) técnico)"
    assert f"visita el {when:%d/%m/%Y %H:%M}" in wait.detail
    assert "técnico Téc. Luis Quiroga" in wait.detail
    assert wait.url == ""  # the executive does not follow work orders
    manager = case_next_move(case, team[Role.TECHNICAL_MANAGER]).moves[0]
    assert manager.url == reverse("workorders:detail", args=[order.number])

    # In the technical manager's inbox, nobody else's.
    [row] = work_orders_to_close(team[Role.TECHNICAL_MANAGER])
    assert (row.order, row.cases, row.url) == (order, [case.number], manager.url)
    for role in (Role.EXECUTIVE, Role.TECHNICAL_ANALYST, Role.TEAM_LEAD, Role.COMMERCIAL_MANAGER):
        assert work_orders_to_close(team[role]) == []

    # Closed: the order leaves the inbox and the case goes on to its quality call.
    workorder_close(
        work_order=order,
        state=WorkOrderState.CLOSED_RESOLVED,
        result="Par reparado.",
        user=team[Role.TECHNICAL_MANAGER],
    )
    assert work_orders_to_close(team[Role.TECHNICAL_MANAGER]) == []
    assert case_next_move(case, team[Role.EXECUTIVE]).primary.text.startswith(
        "Completar: Llamada de control de calidad"
    )


def test_the_panel_reads_a_handful_of_rows_whatever_the_history(line_damage, team):
    """Case page speed: the panel reads the running processes, their steps,
    subscriptions and pending events, and the work order — no process state
    is loaded for a message wait."""
    import time

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    case, _order, _when = line_damage
    # A first call loads what any first request loads (the URL conf and its views).
    case_next_move(case, team[Role.TECHNICAL_MANAGER])
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        case_next_move(case, team[Role.TECHNICAL_MANAGER])
    elapsed = time.perf_counter() - started
    assert len(queries) <= 8, [q["sql"] for q in queries]
    assert elapsed < 0.2
    print(f"next move waiting on a work order: {len(queries)} queries, {elapsed * 1000:.1f} ms")


def test_the_inbox_shows_the_technical_manager_the_work_orders_to_close(client, line_damage, team):
    case, order, _when = line_damage
    client.force_login(team[Role.TECHNICAL_MANAGER])
    html = client.get(reverse("cases:inbox")).content.decode()
    assert "Órdenes de trabajo por cerrar" in html
    assert reverse("workorders:detail", args=[order.number]) in html
    assert case.number in html and "Téc. Luis Quiroga" in html
    client.force_login(team[Role.EXECUTIVE])
    html = client.get(reverse("cases:inbox")).content.decode()
    assert "Órdenes de trabajo por cerrar" not in html and order.number not in html


def test_an_order_no_case_waits_on_stays_on_the_work_order_list_only(line_damage, team):
    """Registered by hand, nothing waits for it: the list of work orders
    shows it, the inbox does not (it is no step of a case)."""
    _case, order, _when = line_damage
    loose = workorder_create(
        kind=WorkOrderKind.INSTALLATION,
        company=order.company,
        address="Calle Jordán N° 230",
        description="Instalar",
        user=team[Role.TECHNICAL_MANAGER],
    )
    rows = work_orders_to_close(team[Role.TECHNICAL_MANAGER])
    assert [row.order for row in rows] == [order]
    assert loose in work_orders_for(user=team[Role.TECHNICAL_MANAGER])
    assert work_orders_to_close(UserFactory(role=Role.TECHNICAL_MANAGER, is_active=False)) == []


# --- F: UTAR's answer -------------------------------------------------------------------------


def test_a_billing_complaint_at_utar_says_since_when(procedures, team, customer_product):
    with time_machine.travel(datetime(2026, 12, 3, 10, 0, tzinfo=LA_PAZ), tick=True):
        invoice = InvoiceFactory(product=customer_product, period=date(2026, 11, 1), amount=250)
        case = case_open(
            company=customer_product.company,
            procedure="F",
            channel="phone",
            subject="Reclamo",
            product=customer_product,
            user=team[Role.EXECUTIVE],
        )
        complete(
            case,
            team[Role.EXECUTIVE],
            talk(
                "Reclama llamadas.",
                invoice=invoice.pk,
                disputed_amount="80.50",
                reason="Llamadas no reconocidas.",
                registers="executive",
            ),
        )
        complete(case, team[Role.EXECUTIVE], {"disputed_amount": "80.50", "reason": "Llamadas."})
    complaint = case.complaints.get()
    move = case_next_move(case, team[Role.COMMERCIAL_MANAGER])
    assert kinds(move) == [MoveKind.UTAR]
    assert move.moves[0].text == "Espera la respuesta de UTAR desde el 03/12/2026"
    assert move.moves[0].detail.startswith(f"Reclamo {complaint.pk} sobre la factura de 11/2026")
    assert move.moves[0].url == reverse("claims:detail", args=[complaint.pk])
    complaint_record_answer(
        complaint=complaint,
        state="resolved",
        resolution="Se anulan las llamadas.",
        user=team[Role.COMMERCIAL_MANAGER],
    )
    assert case_next_move(case, team[Role.EXECUTIVE]).primary.text == (
        "Completar: Informa la resolución de UTAR"
    )


# --- D and I: dates ---------------------------------------------------------------------------


@pytest.fixture
def suspended_product(customer_product):
    suspension = SuspensionFactory(
        product=customer_product, starts_on=date(2026, 2, 1), ends_on=date(2026, 5, 31)
    )
    product_suspend(product=customer_product, on=suspension.starts_on)
    customer_product.refresh_from_db()
    return customer_product


def test_a_reconnection_on_a_later_day_says_the_day(procedures, team, suspended_product):
    with time_machine.travel(d.NOW, tick=True):
        case = d.open_d_case(team, suspended_product)
        complete(case, team[Role.EXECUTIVE], d.reconnection_request(date(2026, 3, 9)))
        complete(case, team[Role.COMMERCIAL_MANAGER], {"reconnect_on": "2026-03-09"})
        move = case_next_move(case, team[Role.EXECUTIVE])
    assert kinds(move) == [MoveKind.TIMER]
    assert move.moves[0].text == "Se reconecta automáticamente el 09/03/2026"


def test_a_closed_suspension_still_says_when_the_product_comes_back(
    procedures, team, customer_product
):
    with time_machine.travel(d.NOW, tick=True):
        case = d.open_d_case(team, customer_product)
        d.suspend(case, team, date(2026, 3, 10), date(2026, 5, 9))
        later = case_next_move(case, team[Role.EXECUTIVE])
        d.quality_call(case, team)
        case.refresh_from_db()
        closed = case_next_move(case, team[Role.EXECUTIVE])
    assert case.status == CaseStatus.CLOSED
    # Before the quality call: the step, and the suspension's first day.
    assert kinds(later) == [MoveKind.TAKE, MoveKind.TIMER]
    assert later.moves[1].text == "Se suspende automáticamente el 10/03/2026"
    assert later.moves[1].detail == "Suspensión temporal del 10/03/2026 al 09/05/2026"
    # Closed: how it ended, and what the system still does by itself.
    assert kinds(closed) == [MoveKind.CLOSED, MoveKind.TIMER]
    assert closed.ended and closed.clock is None
    assert closed.moves[0].text == "Cerrado el 02/03/2026 · resultado: Atendido"
    assert closed.moves[1].text == "Se suspende automáticamente el 10/03/2026"
    with time_machine.travel(datetime(2026, 3, 10, 0, 1, tzinfo=LA_PAZ), tick=False):
        assert engine.timers_advance() == 1
        after = case_next_move(case, team[Role.EXECUTIVE])
    assert after.moves[1].text == "Se reconecta automáticamente el 10/05/2026"


def test_a_payment_promise_says_when_it_is_checked(procedures, team, customer_product):
    with time_machine.travel(i.NOW, tick=True):
        InvoiceFactory(
            product=customer_product, period=date(2026, 1, 1), due_date=date(2026, 1, 20)
        )
        case = i.open_i_case(team, customer_product.company)
        complete(case, team[Role.EXECUTIVE], i.promise(date(2026, 3, 5), "250.00"))
        move = case_next_move(case, team[Role.TEAM_LEAD])
    assert kinds(move) == [MoveKind.TIMER]
    assert move.moves[0].text == "Espera el pago comprometido; se verifica el 06/03/2026"
    assert move.moves[0].detail == "Bs 250,00 comprometidos para el 05/03/2026"


# --- L: a scheduled visit -----------------------------------------------------------------------


def test_a_scheduled_visit_says_when_who_and_where(procedures, team):
    analyst = team[Role.TECHNICAL_ANALYST]
    with time_machine.travel(l_visits.at(24, 9), tick=False):
        company = CompanyFactory(executive=team[Role.EXECUTIVE])
        case = case_open(
            company=company,
            procedure="L",
            channel="phone",
            subject="Visita: la red interna falla",
            user=team[Role.EXECUTIVE],
        )
        l_visits.diagnose(case, team, "visit")
        l_visits.schedule(case, team, analyst)
        for_analyst = case_next_move(case, analyst)
        for_executive = case_next_move(case, team[Role.EXECUTIVE])
    visit = f"Visita agendada para el 25/11/2026 10:00 con {analyst} en Av. Blanco Galindo km 4"
    assert for_analyst.primary.text.startswith("Completar: Realiza la visita")
    assert visit in for_analyst.primary.detail
    assert for_executive.primary is None
    assert for_executive.moves[0].text.startswith("Espera a Analista técnico: Realiza la visita")
    assert visit in for_executive.moves[0].detail


# --- ended --------------------------------------------------------------------------------------


def test_a_cancelled_case_says_when_by_whom_and_why(plan_change_case, team):
    case = case_cancel(
        case=plan_change_case,
        user=team[Role.TEAM_LEAD],
        reason="La solicitud fue un error.",
        channel="phone",
    )
    move = case_next_move(case, team[Role.EXECUTIVE])
    assert kinds(move) == [MoveKind.CANCELLED]
    today = f"{case.closed_at.astimezone(LA_PAZ):%d/%m/%Y}"
    assert move.moves[0].text == f"Cancelado el {today} por {team[Role.TEAM_LEAD]}"
    assert move.moves[0].detail == "La solicitud fue un error."


def test_the_case_page_shows_the_next_move_first(client, plan_change_case, team):
    client.force_login(team[Role.EXECUTIVE])
    html = client.get(reverse("cases:detail", args=[plan_change_case.number])).content.decode()
    assert 'data-testid="next-move-primary"' in html
    assert "Completar: Verifica requisitos" in html
    assert html.index('data-testid="next-move"') < html.index('id="diagram"')
    assert "Nada: el caso está cerrado o espera un evento" not in html
    client.force_login(team[Role.COMMERCIAL_MANAGER])
    html = client.get(reverse("cases:detail", args=[plan_change_case.number])).content.decode()
    assert 'data-testid="next-move-primary"' not in html
    assert "Espera a Ejecutivo(a): Verifica requisitos" in html
