"""Work orders through the API: the list and one order (with its log) for
those who follow them, and the technical manager's forms — assign,
reschedule, close — with the web's rules, permissions and Spanish messages;
an order closed through the API moves its case (procedure E) exactly as one
closed on its web page."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from posventa.accounts.roles import Role
from posventa.engine import runtime
from posventa.factories import (
    CompanyFactory,
    ContactFactory,
    PlanFactory,
    ProductFactory,
    product_type,
)
from posventa.procedures.tests.fixtures import deploy_only
from posventa.procedures.tests.steps import complete, pending
from posventa.visits import services as visit_services
from posventa.workorders.models import (
    FieldUnit,
    Technician,
    WorkOrder,
    WorkOrderKind,
    WorkOrderState,
)
from posventa.workorders.services import workorder_assign, workorder_close, workorder_create

pytestmark = pytest.mark.django_db

LA_PAZ = ZoneInfo("America/La_Paz")
VIEWERS = [Role.TECHNICAL_MANAGER, Role.TECHNICAL_ANALYST, Role.TEAM_LEAD, Role.DIVISION_HEAD]
NOT_VIEWERS = [Role.EXECUTIVE, Role.COMMERCIAL_MANAGER]
NOT_MANAGERS = [r for r in Role if r != Role.TECHNICAL_MANAGER]
NOT_FOLLOWED = "Su rol no hace seguimiento de órdenes de trabajo."


@pytest.fixture(autouse=True)
def working_hours():
    """A weekday morning in La Paz."""
    with time_machine.travel(datetime(2026, 11, 25, 9, 30, tzinfo=LA_PAZ), tick=True):
        yield


@pytest.fixture
def company(team):
    return CompanyFactory(executive=team[Role.EXECUTIVE], legal_name="Clínica Cala Cala S.R.L.")


@pytest.fixture
def orders(team, company):
    """A registered installation, a registered damage, and a damage closed unfounded."""
    manager = team[Role.TECHNICAL_MANAGER]
    product = ProductFactory(company=company, installation_address="Av. América N° 990")
    installation = workorder_create(
        kind=WorkOrderKind.INSTALLATION, company=company, product=product, user=manager
    )
    damage = workorder_create(
        kind=WorkOrderKind.DAMAGE,
        company=company,
        product=ProductFactory(company=company),
        damaged_service="internet",
        cause="slow",
        user=manager,
    )
    closed = workorder_create(
        kind=WorkOrderKind.DAMAGE,
        company=company,
        product=product,
        damaged_service="line",
        cause="noise",
        user=manager,
    )
    workorder_close(work_order=closed, state=WorkOrderState.UNFOUNDED, result="OK", user=manager)
    return {"installation": installation, "damage": damage, "closed": closed}


def tomorrow(hour=10) -> str:
    return (timezone.localtime() + timedelta(days=1)).replace(hour=hour, minute=0).isoformat()


def assign_body(**extra) -> dict:
    return {
        "unit": FieldUnit.RESOURCES,
        "technician": "Téc. Juan Pérez",
        "scheduled_at": tomorrow(),
        **extra,
    }


# --- reading --------------------------------------------------------------------------------


def test_the_list_has_the_web_lists_state_filter_and_pages(call, orders):
    opened = call(Role.TECHNICAL_MANAGER, "get", "/work-orders")
    assert opened.status_code == 200
    # By default the open ones, oldest first, as the web's list.
    assert [o["number"] for o in opened.json()] == [
        orders["installation"].number,
        orders["damage"].number,
    ]
    assert opened["X-Total-Count"] == "2"
    assert [
        o["state"] for o in call(Role.TEAM_LEAD, "get", "/work-orders?state=unfounded").json()
    ] == ["unfounded"]
    first = call(Role.TECHNICAL_MANAGER, "get", "/work-orders?state=all&limit=2")
    assert first["X-Total-Count"] == "3" and len(first.json()) == 2
    assert 'rel="next"' in first["Link"] and "offset=2" in first["Link"]
    assert "state=all" in first["Link"]
    rest = call(Role.TECHNICAL_MANAGER, "get", "/work-orders?state=all&limit=2&offset=2").json()
    assert [o["number"] for o in rest] == [orders["installation"].number]
    bad = call(Role.TECHNICAL_MANAGER, "get", "/work-orders?state=lost")
    assert bad.status_code == 422 and bad.json()["errors"]["state"][0].startswith("Elija uno de:")


@pytest.mark.parametrize("role", VIEWERS)
def test_those_who_follow_work_orders_read_the_list_and_one_order(call, orders, role):
    assert call(role, "get", "/work-orders").status_code == 200
    one = call(role, "get", f"/work-orders/{orders['closed'].number}")
    assert one.status_code == 200
    body = one.json()
    assert (body["state"], body["kind"], body["damaged_service"], body["cause"]) == (
        "unfounded",
        "damage",
        "line",
        "noise",
    )
    assert [entry["state"] for entry in body["log"]] == ["registered", "unfounded"]
    assert body["log"][-1]["note"] == "OK"


@pytest.mark.parametrize("role", NOT_VIEWERS)
def test_the_others_are_refused_with_the_webs_reason(call, orders, role):
    for path in ("/work-orders", f"/work-orders/{orders['closed'].number}"):
        response = call(role, "get", path)
        assert response.status_code == 403
        assert response.json()["detail"] == NOT_FOLLOWED


def test_a_missing_work_order_is_not_found(call, orders):
    for method, path, body in [
        ("get", "/work-orders/OT-2026-999999", None),
        ("post", "/work-orders/OT-2026-999999/assign", assign_body()),
        ("post", "/work-orders/OT-2026-999999/reschedule", {"scheduled_at": tomorrow()}),
        ("post", "/work-orders/OT-2026-999999/close", {"state": "unfounded", "result": "x"}),
    ]:
        response = call(Role.TECHNICAL_MANAGER, method, path, body)
        assert response.status_code == 404, path


def test_the_enums_carry_their_spanish_labels_in_the_schema(client):
    schema = client.get("/api/v1/openapi.json").json()
    assign = schema["components"]["schemas"]["AssignIn"]["properties"]["unit"]
    assert assign["enum"] == ["resources", "usm", "pas"]
    assert assign["x-labels"] == {
        "resources": "Gestión de Recursos (instalaciones)",
        "usm": "USM (mantenimiento en campo)",
        "pas": "PAS (soporte en campo)",
    }
    close = schema["components"]["schemas"]["CloseIn"]["properties"]["state"]
    assert close["enum"] == ["attended_without_solution", "closed_resolved", "unfounded"]
    assert all(close["x-labels"].values())
    out = schema["components"]["schemas"]["WorkOrderOut"]["properties"]
    for name in ("kind", "state", "priority", "unit", "damaged_service", "cause"):
        assert "x-labels" in str(out[name]), name
    assert "X-Total-Count" in str(schema["paths"]["/api/v1/work-orders"]["get"]["responses"]["200"])


# --- assign and reschedule ------------------------------------------------------------------


def test_the_technical_manager_assigns_an_order_as_the_web_form_does(call, orders, team):
    number = orders["installation"].number
    response = call(Role.TECHNICAL_MANAGER, "post", f"/work-orders/{number}/assign", assign_body())
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["state"], body["unit"], body["technician"]) == (
        "assigned",
        "resources",
        "Téc. Juan Pérez",
    )
    order = WorkOrder.objects.get(number=number)
    assert order.assigned_by == team[Role.TECHNICAL_MANAGER]
    assert timezone.localtime(order.scheduled_at).hour == 10
    assert [entry["state"] for entry in body["log"]] == ["registered", "assigned"]
    assert "Téc. Juan Pérez" in body["log"][-1]["note"]
    assert body["may_assign"] is True
    assert body["may_close_as"] == ["closed_resolved", "attended_without_solution"]


def test_bad_assignments_get_the_web_forms_spanish_messages_and_change_nothing(
    call, orders, technicians
):
    order = orders["installation"]
    Technician.objects.filter(name="Téc. Ana Rojas").update(active=False)
    before = timezone.localtime(order.created_at - timedelta(days=1)).isoformat()
    cases = [
        ({"technician": "Téc. Ana Rojas"}, "technician", "Elija un técnico activo de la lista."),
        ({"technician": "Nadie"}, "technician", "Elija un técnico activo de la lista."),
        (
            {"scheduled_at": before},
            "scheduled_at",
            "La visita no puede ser anterior al registro de la orden.",
        ),
        ({"unit": "nasa"}, "unit", "Elija uno de: resources, usm, pas."),
        ({"scheduled_at": "1999-12-31T10:00"}, "scheduled_at", None),
    ]
    for extra, field, message in cases:
        response = call(
            Role.TECHNICAL_MANAGER,
            "post",
            f"/work-orders/{order.number}/assign",
            assign_body(**extra),
        )
        assert response.status_code == 422, extra
        errors = response.json()["errors"]
        assert field in errors, errors
        if message:
            assert errors[field] == [message]
    order.refresh_from_db()
    assert (order.state, order.technician, order.changes.count()) == ("registered", "", 1)


def test_rescheduling_is_the_assignment_again_with_a_new_date(call, orders, team):
    order = orders["damage"]
    path = f"/work-orders/{order.number}"
    registered = call(
        Role.TECHNICAL_MANAGER, "post", f"{path}/reschedule", {"scheduled_at": tomorrow()}
    )
    assert registered.status_code == 422
    assert registered.json()["errors"]["__all__"] == [
        f"La orden de trabajo {order.number} todavía no está asignada: asígnela primero a una "
        "unidad de campo."
    ]
    call(Role.TECHNICAL_MANAGER, "post", f"{path}/assign", assign_body(unit="usm"))
    later = (timezone.localtime() + timedelta(days=3)).replace(hour=15, minute=30, second=0)
    moved = call(
        Role.TECHNICAL_MANAGER, "post", f"{path}/reschedule", {"scheduled_at": later.isoformat()}
    )
    assert moved.status_code == 200, moved.content
    body = moved.json()
    assert (body["state"], body["unit"], body["technician"]) == (
        "assigned",
        "usm",
        "Téc. Juan Pérez",
    )
    order.refresh_from_db()
    assert order.scheduled_at == later
    assert body["log"][-1]["note"].startswith("Reasignada")
    past = timezone.localtime(order.created_at - timedelta(hours=2)).isoformat()
    refused = call(Role.TECHNICAL_MANAGER, "post", f"{path}/reschedule", {"scheduled_at": past})
    assert refused.status_code == 422
    assert refused.json()["errors"]["scheduled_at"] == [
        "La visita no puede ser anterior al registro de la orden."
    ]
    order.refresh_from_db()
    assert order.scheduled_at == later
    closed = call(
        Role.TECHNICAL_MANAGER,
        "post",
        f"/work-orders/{orders['closed'].number}/reschedule",
        {"scheduled_at": tomorrow()},
    )
    assert closed.status_code == 422


@pytest.mark.parametrize("role", NOT_MANAGERS)
def test_only_the_technical_manager_assigns_reschedules_and_closes(call, orders, team, role):
    order = orders["damage"]
    workorder_assign(
        work_order=order,
        unit=FieldUnit.USM,
        technician="Téc. Luis Quiroga",
        scheduled_at=timezone.now() + timedelta(hours=3),
        user=team[Role.TECHNICAL_MANAGER],
    )
    path = f"/work-orders/{order.number}"
    for action, body in [
        ("assign", assign_body()),
        ("reschedule", {"scheduled_at": tomorrow()}),
        ("close", {"state": "unfounded", "result": "Resuelto en remoto."}),
    ]:
        response = call(role, "post", f"{path}/{action}", body)
        assert response.status_code == 403, (action, response.content)
        assert response.json()["detail"] == NOT_FOLLOWED
    order.refresh_from_db()
    assert (order.state, order.technician, order.changes.count()) == (
        "assigned",
        "Téc. Luis Quiroga",
        2,
    )


def test_a_visit_of_the_calendar_is_assigned_and_closed_there(call, team, company):
    visit = visit_services.visit_schedule(
        company=company,
        analyst=team[Role.TECHNICAL_ANALYST],
        starts_at=timezone.now() + timedelta(days=1),
        ends_at=timezone.now() + timedelta(days=1, hours=2),
        person="Ing. Rocío Mamani",
        location="Av. Blanco Galindo km 4",
        user=team[Role.TEAM_LEAD],
    )
    number = visit.work_order.number
    detail = call(Role.TECHNICAL_MANAGER, "get", f"/work-orders/{number}").json()
    assert detail["visit_id"] == visit.pk
    assert (detail["may_assign"], detail["may_close_as"]) == (False, [])
    for action, body in [
        ("assign", assign_body(unit="pas")),
        ("close", {"state": "closed_resolved", "result": "Hecho."}),
    ]:
        response = call(Role.TECHNICAL_MANAGER, "post", f"/work-orders/{number}/{action}", body)
        assert response.status_code == 422
        assert "calendario de visitas" in str(response.json()["errors"]), response.json()


# --- close ----------------------------------------------------------------------------------


def test_closing_refuses_what_the_web_form_refuses(call, orders):
    order = orders["installation"]
    path = f"/work-orders/{order.number}/close"
    # A registered installation has nothing to close it with: the form offers no state.
    response = call(
        Role.TECHNICAL_MANAGER, "post", path, {"state": "closed_resolved", "result": "x"}
    )
    assert response.status_code == 422
    assert "closed_resolved" in response.json()["errors"]["state"][0]
    assert response.json()["errors"]["state"][0].startswith("Escoja una opción válida")
    response = call(
        Role.TECHNICAL_MANAGER, "post", path, {"state": "closed_resolved", "result": ""}
    )
    assert response.status_code == 422
    assert response.json()["errors"]["result"] == ["Este campo no puede estar vacío."]
    already = call(
        Role.TECHNICAL_MANAGER,
        "post",
        f"/work-orders/{orders['closed'].number}/close",
        {"state": "unfounded", "result": "Otra vez."},
    )
    assert already.status_code == 422
    order.refresh_from_db()
    assert order.state == WorkOrderState.REGISTERED


def test_an_order_no_process_waits_for_closes_and_says_so(call, orders):
    order = orders["damage"]
    response = call(
        Role.TECHNICAL_MANAGER,
        "post",
        f"/work-orders/{order.number}/close",
        {"state": "unfounded", "result": "El cliente reinició el router; navega."},
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["cases"] == []
    assert body["work_order"]["state"] == "unfounded"
    assert body["notice"].startswith(f"La orden de trabajo {order.number} está cerrada")


# --- an order closed through the API moves its case as the web's close does ----------------


@pytest.fixture
def procedures(db, media):
    yield deploy_only("e_damage.bpmn", "j_loyalty_calls.bpmn")
    runtime.specs.clear()


def line_damage_at_the_field_unit(team, phone: str):
    """Procedure E for a telephone line without dial tone, walked to the
    field unit's visit: its work order is assigned and the case waits for it."""
    from posventa.cases.services import case_open
    from posventa.engine import services as engine

    plan = PlanFactory(
        code=f"FIJA-{phone}", name="Línea fija", product_type=product_type("fixed_line")
    )
    product = ProductFactory(
        company__executive=team[Role.EXECUTIVE],
        plan=plan,
        service_number=phone,
        installation_address="Calle Jordán N° 230",
    )
    ContactFactory(
        company=product.company, name="Sra. Ana Mendoza", phone="4456789", is_primary=True
    )
    case = case_open(
        company=product.company,
        procedure="E",
        channel="phone",
        subject="Sin tono",
        product=product,
        user=team[Role.EXECUTIVE],
    )
    executive = team[Role.EXECUTIVE]
    complete(
        case,
        executive,
        {"damaged_service": "line", "cause": "no_dial_tone", "problem": "La línea no tiene tono."},
    )
    form = engine.task_form(pending(case))
    complete(
        case,
        executive,
        {
            "address": form.initial["address"],
            "zone": form.initial["zone"],
            "neighbourhood": form.initial["neighbourhood"],
            "reference_phone": form.initial["reference_phone"],
            "address_checked": "on",
            "interaction_channel": "phone",
            "interaction_summary": form.initial["interaction_summary"],
        },
    )
    when = timezone.localtime(timezone.now() + timedelta(hours=2))
    complete(
        case,
        team[Role.TECHNICAL_MANAGER],
        {
            "unit": FieldUnit.USM,
            "technician": "Téc. Luis Quiroga",
            "visit_at": when.strftime("%Y-%m-%dT%H:%M"),
        },
        role=Role.TECHNICAL_MANAGER,
    )
    order = case.work_orders.get()
    assert order.state == WorkOrderState.ASSIGNED
    return case, order


def where_it_stands(case, order) -> dict:
    case.refresh_from_db()
    order.refresh_from_db()
    return {
        "case": (case.status, case.outcome),
        "pending": [(t.bpmn_id, t.role) for t in case.instance.human_tasks.all()],
        "history": [
            (event.bpmn_id, event.ended_at is None)
            for event in case.instance.events.order_by("started_at", "pk")
        ],
        "order": (order.state, order.result, order.closed_by_id),
        "log": list(order.changes.values_list("state", "note")),
    }


def test_closing_through_the_api_moves_the_case_exactly_as_the_web_close(call, procedures, team):
    by_web, web_order = line_damage_at_the_field_unit(team, "4251234")
    by_api, api_order = line_damage_at_the_field_unit(team, "4251235")
    assert where_it_stands(by_web, web_order)["pending"] == []  # the case waits for the order
    closing = {"state": "closed_resolved", "result": "Par reparado en la caja de distribución."}

    web = Client()
    web.force_login(team[Role.TECHNICAL_MANAGER])
    page = web.post(reverse("workorders:close", args=[web_order.number]), closing)
    assert page.status_code == 302
    response = call(
        Role.TECHNICAL_MANAGER, "post", f"/work-orders/{api_order.number}/close", closing
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["cases"] == [by_api.number]
    assert body["notice"] == (
        f"La orden de trabajo {api_order.number} está cerrada; el caso {by_api.number} pasa a "
        "su siguiente paso."
    )

    after_web, after_api = where_it_stands(by_web, web_order), where_it_stands(by_api, api_order)
    assert after_api == after_web
    assert after_api["pending"] == [("quality_call", Role.EXECUTIVE)]
    assert after_api["order"][0] == WorkOrderState.CLOSED_RESOLVED
