"""The shared visit calendar through the API: the visits of a period (paged,
scoped as the web's calendar), scheduling a support visit and planning a
commercial one, moving, cancelling, the engineering service and the quality
call — each as the roles that may, a 403 for those who may not, a 404 for a
visit one may not see, Spanish 422s for bad input — and Annex 1 and the
support schedule: the same PDF, byte for byte, as the web's."""

from datetime import datetime

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from posventa.accounts.roles import Role
from posventa.factories import CompanyFactory, ProductFactory, UserFactory
from posventa.visits import services
from posventa.visits.models import EngineeringService, Visit, VisitKind
from posventa.visits.tests.helpers import at, pdf_text
from posventa.workorders.models import WorkOrder, WorkOrderState

pytestmark = pytest.mark.django_db

PLANNERS = [Role.TECHNICAL_ANALYST, Role.TEAM_LEAD, Role.TECHNICAL_MANAGER]
NOT_PLANNERS = [Role.EXECUTIVE, Role.COMMERCIAL_MANAGER, Role.DIVISION_HEAD]
CALENDAR_VIEWERS = [r for r in Role if r != Role.COMMERCIAL_MANAGER]


@pytest.fixture(autouse=True)
def monday():
    """Monday 23 November 2026, 8:00 in La Paz (the visit tests' week)."""
    with time_machine.travel(at(23, 8), tick=True):
        yield


@pytest.fixture
def company(team):
    return CompanyFactory(
        executive=team[Role.EXECUTIVE],
        legal_name="Minera Andina S.A.",
        address="Av. Blanco Galindo km 4",
    )


@pytest.fixture
def stranger(team):
    """Another executive's customer."""
    return CompanyFactory(
        executive=UserFactory(role=Role.EXECUTIVE, username="otra", first_name="Luis"),
        legal_name="Textiles del Valle",
    )


@pytest.fixture
def visit(team, company):
    return services.visit_schedule(
        company=company,
        analyst=team[Role.TECHNICAL_ANALYST],
        starts_at=at(25, 10),
        ends_at=at(25, 12),
        person="Ing. Rocío Mamani",
        location="Av. Blanco Galindo km 4",
        reason="Revisión de la red interna",
        user=team[Role.TEAM_LEAD],
    )


@pytest.fixture
def offer(team, company):
    return services.commercial_visit_plan(
        company=company,
        starts_at=at(25, 15),
        ends_at=at(25, 16),
        person="Lic. Marco Vargas",
        observations="Ofrecer fibra 100 Mbps",
        user=team[Role.EXECUTIVE],
    )


def iso(moment: datetime) -> str:
    return moment.isoformat()


def schedule_body(team, company, **extra) -> dict:
    return {
        "company_id": company.pk,
        "analyst_id": team[Role.TECHNICAL_ANALYST].pk,
        "starts_at": iso(at(26, 9)),
        "ends_at": iso(at(26, 11)),
        "person": "Ing. Rocío Mamani",
        "location": "Av. Blanco Galindo km 4",
        "reason": "Cortes en la red interna",
        **extra,
    }


# --- the calendar ---------------------------------------------------------------------------


@pytest.mark.parametrize("role", CALENDAR_VIEWERS)
def test_the_calendar_lists_the_period_for_those_who_see_it(call, visit, role):
    response = call(role, "get", "/visits?start=2026-11-23&end=2026-11-29")
    assert response.status_code == 200
    [item] = response.json()
    assert (item["id"], item["kind"], item["state"], item["work_order"]) == (
        visit.pk,
        "support",
        "scheduled",
        visit.work_order.number,
    )
    assert response["X-Total-Count"] == "1"
    assert call(role, "get", f"/visits/{visit.pk}").status_code == 200


def test_the_commercial_manager_has_no_calendar(call, visit):
    assert call(Role.COMMERCIAL_MANAGER, "get", "/visits").status_code == 403
    assert call(Role.COMMERCIAL_MANAGER, "get", "/visits/support-schedule").status_code == 403


def test_the_calendar_is_paged_filtered_and_this_week_by_default(call, team, company, visit):
    analyst2 = UserFactory(role=Role.TECHNICAL_ANALYST, username="analista2")
    for day in (24, 26):
        services.visit_schedule(
            company=company,
            analyst=analyst2,
            starts_at=at(day, 9),
            ends_at=at(day, 10),
            person="Sr. Pablo Ríos",
            location="Planta",
            user=team[Role.TEAM_LEAD],
        )
    later = services.visit_schedule(
        company=company,
        analyst=analyst2,
        starts_at=at(30, 9),
        ends_at=at(30, 10),
        person="Sr. Pablo Ríos",
        location="Planta",
        user=team[Role.TEAM_LEAD],
    )
    week = call(Role.TEAM_LEAD, "get", "/visits")
    assert week["X-Total-Count"] == "3"
    assert [v["starts_at"][:10] for v in week.json()] == ["2026-11-24", "2026-11-25", "2026-11-26"]
    first = call(Role.TEAM_LEAD, "get", "/visits?limit=2")
    assert len(first.json()) == 2 and 'rel="next"' in first["Link"]
    assert 'rel="last"' in first["Link"] and "offset=2" in first["Link"]
    mine = call(
        Role.TEAM_LEAD, "get", f"/visits?analyst_id={analyst2.pk}&start=2026-11-23&end=2026-11-30"
    )
    assert [v["analyst_id"] for v in mine.json()] == [analyst2.pk] * 3
    assert mine.json()[-1]["id"] == later.pk
    services.visit_cancel(visit=visit, reason="Resuelto en remoto", user=team[Role.TEAM_LEAD])
    assert call(Role.TEAM_LEAD, "get", "/visits")["X-Total-Count"] == "2"  # cancelled: left out
    backwards = call(Role.TEAM_LEAD, "get", "/visits?start=2026-11-29&end=2026-11-23")
    assert backwards.status_code == 422
    assert backwards.json()["errors"]["end"] == ["El periodo termina antes de empezar."]
    nobody = call(Role.TEAM_LEAD, "get", f"/visits?analyst_id={team[Role.EXECUTIVE].pk}")
    assert nobody.json()["errors"]["analyst_id"] == ["Elija un(a) analista técnico."]
    assert call(Role.TEAM_LEAD, "get", "/visits?start=1999-01-01").status_code == 422


def test_an_executive_sees_her_customers_and_her_own_commercial_visits_only(
    call, team, visit, offer, stranger
):
    theirs = services.visit_schedule(
        company=stranger,
        analyst=team[Role.TECHNICAL_ANALYST],
        starts_at=at(26, 14),
        ends_at=at(26, 15),
        person="Sra. Eva Cruz",
        location="Parque industrial",
        user=team[Role.TEAM_LEAD],
    )
    other_offer = services.commercial_visit_plan(
        company=stranger,
        starts_at=at(25, 15),
        ends_at=at(25, 16),
        person="Lic. Ana Paz",
        user=stranger.executive,
    )
    seen = call(Role.EXECUTIVE, "get", "/visits?start=2026-11-23&end=2026-11-29").json()
    assert {v["id"] for v in seen} == {visit.pk, offer.pk}
    assert {v["id"]: v["changeable"] for v in seen} == {visit.pk: False, offer.pk: True}
    for hidden in (theirs, other_offer):
        assert call(Role.EXECUTIVE, "get", f"/visits/{hidden.pk}").status_code == 404
        for action, body in [
            ("move", {"starts_at": iso(at(27, 9))}),
            ("cancel", {"reason": "x"}),
            ("engineering-service", {"work_done": "x"}),
            ("quality-call", {"result": "satisfied"}),
        ]:
            response = call(Role.EXECUTIVE, "post", f"/visits/{hidden.pk}/{action}", body)
            assert response.status_code == 404, action
    assert call(Role.EXECUTIVE, "get", "/visits/999999").status_code == 404
    # The team lead sees every executive's commercial visits.
    assert {v["id"] for v in call(Role.TEAM_LEAD, "get", "/visits?start=2026-11-23").json()} == {
        visit.pk,
        offer.pk,
        theirs.pk,
        other_offer.pk,
    }


# --- scheduling -----------------------------------------------------------------------------


@pytest.mark.parametrize("role", PLANNERS)
def test_the_planners_schedule_a_support_visit_with_its_work_order(call, team, company, role):
    product = ProductFactory(company=company, installation_address="Planta Quillacollo")
    response = call(
        role, "post", "/visits", schedule_body(team, company, product_id=product.pk, location="")
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["kind"], body["state"], body["location"]) == (
        "support",
        "scheduled",
        "Planta Quillacollo",
    )
    order = WorkOrder.objects.get(number=body["work_order"])
    assert (order.state, order.unit, order.scheduled_at) == ("assigned", "pas", at(26, 9))
    assert Visit.objects.get(pk=body["id"]).scheduled_by == team[role]


@pytest.mark.parametrize("role", NOT_PLANNERS)
def test_the_others_may_not_schedule_a_support_visit(call, team, company, role):
    response = call(role, "post", "/visits", schedule_body(team, company))
    assert response.status_code == 403
    assert response.json()["detail"].startswith("Solo los analistas técnicos")
    assert not Visit.objects.exists()


def test_a_taken_slot_and_bad_input_are_refused_in_spanish(call, team, company, visit, stranger):
    analyst = team[Role.TECHNICAL_ANALYST]
    name = analyst.get_full_name() or analyst.username
    taken = call(
        Role.TEAM_LEAD,
        "post",
        "/visits",
        schedule_body(team, company, starts_at=iso(at(25, 11)), ends_at=iso(at(25, 13))),
    )
    assert taken.status_code == 422, taken.json()
    assert taken.json()["errors"].get("starts_at") == [
        f"{name} ya tiene una visita a Minera Andina S.A. el 25/11/2026 10:00: elija otro "
        "horario u otro(a) analista."
    ]
    cases = [
        ({"ends_at": iso(at(26, 8))}, "ends_at", "La visita debe terminar después de empezar."),
        ({"analyst_id": team[Role.EXECUTIVE].pk}, "analyst_id", "Elija un(a) analista técnico."),
        ({"analyst_id": 999999}, "analyst_id", "Elija un(a) analista técnico."),
        ({"person": "  "}, "person", "Indique a quién entrevistará el/la analista."),
        ({"location": "", "product_id": None}, "location", "Indique dónde es la visita."),
        ({"product_id": ProductFactory(company=stranger).pk}, "product_id", None),
        ({"starts_at": "2026-02-30T10:00"}, "starts_at", None),
    ]
    for extra, field, message in cases:
        response = call(Role.TEAM_LEAD, "post", "/visits", schedule_body(team, company, **extra))
        assert response.status_code == 422, extra
        errors = response.json()["errors"]
        assert field in errors, (extra, errors)
        if message:
            assert errors[field] == [message]
    missing = call(
        Role.TEAM_LEAD, "post", "/visits", schedule_body(team, company, company_id=999999)
    )
    assert missing.status_code == 404
    assert Visit.objects.count() == 1


def test_an_executive_plans_her_commercial_visit_with_the_web_form(call, team, company, stranger):
    body = {
        "company_id": company.pk,
        "day": "2026-11-25",
        "start": "15:00",
        "end": "16:30",
        "person": "Lic. Marco Vargas",
        "observations": "Oferta de fibra",
    }
    response = call(Role.EXECUTIVE, "post", "/visits/commercial", body)
    assert response.status_code == 201, response.content
    made = response.json()
    assert (made["kind"], made["executive_id"], made["location"], made["work_order"]) == (
        "commercial",
        team[Role.EXECUTIVE].pk,
        "Av. Blanco Galindo km 4",
        None,
    )
    assert datetime.fromisoformat(made["starts_at"]) == at(25, 15)
    clash = call(
        Role.EXECUTIVE, "post", "/visits/commercial", {**body, "start": "16:00", "end": "17:00"}
    )
    assert clash.status_code == 422
    assert clash.json()["errors"]["start"] == [
        "Ya tiene una visita a Minera Andina S.A. el 25/11/2026 15:00: elija otra hora."
    ]
    backwards = call(Role.EXECUTIVE, "post", "/visits/commercial", {**body, "end": "14:00"})
    assert backwards.json()["errors"]["end"] == ["La visita debe terminar después de empezar."]
    not_hers = call(
        Role.EXECUTIVE, "post", "/visits/commercial", {**body, "company_id": stranger.pk}
    )
    assert not_hers.status_code == 422
    assert not_hers.json()["errors"]["company_id"][0].startswith("Escoja una opción válida")
    bad_day = call(Role.EXECUTIVE, "post", "/visits/commercial", {**body, "day": "2026-02-30"})
    assert bad_day.json()["errors"]["day"] == ["Introduzca una fecha válida."]
    assert Visit.objects.filter(kind=VisitKind.COMMERCIAL).count() == 1
    for role in (r for r in Role if r != Role.EXECUTIVE):
        refused = call(role, "post", "/visits/commercial", body)
        assert refused.status_code == 403, role


# --- moving and cancelling ------------------------------------------------------------------


@pytest.mark.parametrize("role", PLANNERS)
def test_the_planners_move_a_support_visit_and_its_order_follows(call, team, visit, role):
    analyst2 = UserFactory(role=Role.TECHNICAL_ANALYST, username="analista2")
    response = call(
        role,
        "post",
        f"/visits/{visit.pk}/move",
        {"starts_at": iso(at(27, 14)), "analyst_id": analyst2.pk},
    )
    assert response.status_code == 200, response.content
    visit.refresh_from_db()
    assert (visit.starts_at, visit.ends_at, visit.analyst) == (at(27, 14), at(27, 16), analyst2)
    order = visit.work_order
    order.refresh_from_db()
    assert order.scheduled_at == at(27, 14)
    assert order.technician == (analyst2.get_full_name() or analyst2.username)


def test_moving_onto_a_taken_slot_or_by_others_is_refused(call, team, company, visit, offer):
    other = services.visit_schedule(
        company=company,
        analyst=team[Role.TECHNICAL_ANALYST],
        starts_at=at(26, 9),
        ends_at=at(26, 11),
        person="Sr. Pablo Ríos",
        location="Planta",
        user=team[Role.TEAM_LEAD],
    )
    clash = call(Role.TEAM_LEAD, "post", f"/visits/{visit.pk}/move", {"starts_at": iso(at(26, 10))})
    assert clash.status_code == 422
    assert "ya tiene una visita" in clash.json()["errors"]["starts_at"][0]
    # She sees her customer's support visit, but it is not hers to change.
    mine = call(Role.EXECUTIVE, "post", f"/visits/{visit.pk}/move", {"starts_at": iso(at(27, 9))})
    assert mine.status_code == 403
    # The team lead sees the executive's commercial visit, but does not change it.
    lead = call(Role.TEAM_LEAD, "post", f"/visits/{offer.pk}/move", {"starts_at": iso(at(27, 9))})
    assert lead.status_code == 403
    assert lead.json()["detail"] == "Solo la ejecutiva o el ejecutivo de la visita puede cambiarla."
    visit.refresh_from_db(), offer.refresh_from_db(), other.refresh_from_db()
    assert (visit.starts_at, offer.starts_at, other.starts_at) == (
        at(25, 10),
        at(25, 15),
        at(26, 9),
    )
    moved = call(Role.EXECUTIVE, "post", f"/visits/{offer.pk}/move", {"starts_at": iso(at(27, 9))})
    assert moved.status_code == 200
    assert datetime.fromisoformat(moved.json()["ends_at"]) == at(27, 10)
    services.visit_cancel(visit=other, reason="Pospuesta", user=team[Role.TEAM_LEAD])
    again = call(Role.TEAM_LEAD, "post", f"/visits/{other.pk}/move", {"starts_at": iso(at(28, 9))})
    assert again.json()["errors"]["__all__"] == ["Solo se puede mover una visita programada."]


@pytest.mark.parametrize("role", PLANNERS)
def test_the_planners_cancel_a_support_visit_and_its_order_closes(call, visit, role):
    empty = call(role, "post", f"/visits/{visit.pk}/cancel", {"reason": "   "})
    assert empty.status_code == 422
    assert empty.json()["errors"]["reason"] == ["Indique por qué se cancela la visita."]
    response = call(role, "post", f"/visits/{visit.pk}/cancel", {"reason": "Resuelto en remoto"})
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "cancelled"
    visit.work_order.refresh_from_db()
    assert visit.work_order.state == WorkOrderState.ATTENDED_WITHOUT_SOLUTION


def test_an_executive_cancels_her_commercial_visit_not_a_support_one(call, visit, offer):
    assert (
        call(Role.EXECUTIVE, "post", f"/visits/{visit.pk}/cancel", {"reason": "x"}).status_code
        == 403
    )
    for role in (Role.TEAM_LEAD, Role.DIVISION_HEAD):
        refused = call(role, "post", f"/visits/{offer.pk}/cancel", {"reason": "x"})
        assert refused.status_code == 403
    done = call(Role.EXECUTIVE, "post", f"/visits/{offer.pk}/cancel", {"reason": "Otra semana"})
    assert done.status_code == 200 and done.json()["state"] == "cancelled"
    assert "Otra semana" in done.json()["observations"]


# --- the engineering service and the quality call -------------------------------------------


def test_the_engineering_service_then_the_quality_call(call, team, visit):
    early = call(
        Role.TECHNICAL_ANALYST,
        "post",
        f"/visits/{visit.pk}/engineering-service",
        {"work_done": "x"},
    )
    assert early.status_code == 422
    assert early.json()["errors"]["__all__"] == ["La visita todavía no se realizó."]
    not_yet = call(
        Role.TEAM_LEAD, "post", f"/visits/{visit.pk}/quality-call", {"result": "satisfied"}
    )
    assert not_yet.json()["errors"]["__all__"] == [
        "La llamada de control de calidad va después de realizada la visita."
    ]
    with time_machine.travel(at(25, 13), tick=True):
        for role in (Role.TEAM_LEAD, Role.EXECUTIVE, Role.DIVISION_HEAD):
            refused = call(
                role, "post", f"/visits/{visit.pk}/engineering-service", {"work_done": "x"}
            )
            assert refused.status_code == 403, role
        empty = call(
            Role.TECHNICAL_ANALYST,
            "post",
            f"/visits/{visit.pk}/engineering-service",
            {"work_done": ""},
        )
        assert empty.json()["errors"]["work_done"] == ["Escriba el trabajo realizado en la visita."]
        done = call(
            Role.TECHNICAL_ANALYST,
            "post",
            f"/visits/{visit.pk}/engineering-service",
            {"work_done": "Cableado estructurado revisado; switch reemplazado."},
        )
        assert done.status_code == 200, done.content
        body = done.json()
        assert body["state"] == "done"
        assert body["engineering_service"]["work_done"].startswith("Cableado estructurado")
        order = WorkOrder.objects.get(number=body["work_order"])
        assert order.state == WorkOrderState.CLOSED_RESOLVED
        assert EngineeringService.objects.get().recorded_by == team[Role.TECHNICAL_ANALYST]

        bad = call(Role.TEAM_LEAD, "post", f"/visits/{visit.pk}/quality-call", {"result": "meh"})
        assert bad.status_code == 422
        assert bad.json()["errors"]["result"] == ["Elija uno de: satisfied, not_satisfied."]
        for role in (Role.EXECUTIVE, Role.DIVISION_HEAD, Role.COMMERCIAL_MANAGER):
            refused = call(
                role, "post", f"/visits/{visit.pk}/quality-call", {"result": "satisfied"}
            )
            assert refused.status_code == 403, role
        rated = call(
            Role.TEAM_LEAD,
            "post",
            f"/visits/{visit.pk}/quality-call",
            {"result": "satisfied", "notes": "Conforme con la visita."},
        )
        assert rated.status_code == 200
        assert (rated.json()["quality_result"], rated.json()["quality_notes"]) == (
            "satisfied",
            "Conforme con la visita.",
        )
        twice = call(
            Role.TEAM_LEAD, "post", f"/visits/{visit.pk}/quality-call", {"result": "satisfied"}
        )
        assert twice.status_code == 422


def test_the_technical_manager_records_an_unresolved_visit(call, visit):
    with time_machine.travel(at(25, 13), tick=True):
        response = call(
            Role.TECHNICAL_MANAGER,
            "post",
            f"/visits/{visit.pk}/engineering-service",
            {"work_done": "Falla en la troncal del proveedor.", "resolved": False},
        )
    assert response.status_code == 200, response.content
    visit.work_order.refresh_from_db()
    assert visit.work_order.state == WorkOrderState.ATTENDED_WITHOUT_SOLUTION


# --- Annex 1 and the support schedule: the web's PDF -----------------------------------------


def web_get(user, name: str, params: dict):
    browser = Client()
    browser.force_login(user)
    return browser.get(reverse(f"visits:{name}"), params)


def test_annex_1_is_the_webs_pdf_byte_for_byte(call, team, offer, visit):
    executive = team[Role.EXECUTIVE]
    period = {"start": "2026-11-23", "end": "2026-11-29"}
    with time_machine.travel(at(23, 9), tick=False):
        web = web_get(executive, "schedule_form", period)
        api = call(Role.EXECUTIVE, "get", "/visits/annex-1?start=2026-11-23&end=2026-11-29")
    assert api.status_code == 200 and api["Content-Type"] == "application/pdf"
    assert api.content == web.content
    assert api["Content-Disposition"] == web["Content-Disposition"]
    text = pdf_text(api)
    assert "Cronograma de visitas a empresas – ofertas de servicio" in text
    assert "Lic. Marco Vargas" in text and "Ing. Rocío Mamani" not in text
    lead = call(
        Role.TEAM_LEAD,
        "get",
        f"/visits/annex-1?executive_id={executive.pk}&start=2026-11-23&end=2026-11-29",
    )
    assert lead.status_code == 200 and "Lic. Marco Vargas" in pdf_text(lead)
    assert (
        call(
            Role.DIVISION_HEAD,
            "get",
            f"/visits/annex-1?executive_id={executive.pk}&start=2026-11-23&end=2026-11-29",
        ).status_code
        == 200
    )


@pytest.mark.parametrize(
    "role", [Role.COMMERCIAL_MANAGER, Role.TECHNICAL_ANALYST, Role.TECHNICAL_MANAGER]
)
def test_annex_1_is_refused_to_the_roles_without_commercial_visits(call, team, offer, role):
    response = call(role, "get", "/visits/annex-1?start=2026-11-23&end=2026-11-29")
    assert response.status_code == 403


def test_annex_1_needs_an_executive_she_may_print_and_a_period(call, team, offer):
    other = UserFactory(role=Role.EXECUTIVE, username="ejecutivo2")
    message = ["Elija un(a) ejecutivo(a) y un periodo (desde, hasta) para el formulario."]
    theirs = call(
        Role.EXECUTIVE,
        "get",
        f"/visits/annex-1?executive_id={other.pk}&start=2026-11-23&end=2026-11-29",
    )
    assert theirs.status_code == 422 and theirs.json()["errors"]["executive_id"] == message
    no_one = call(Role.TEAM_LEAD, "get", "/visits/annex-1?start=2026-11-23&end=2026-11-29")
    assert no_one.json()["errors"]["executive_id"] == message
    no_end = call(Role.EXECUTIVE, "get", "/visits/annex-1?start=2026-11-23")
    assert no_end.status_code == 422 and no_end.json()["errors"]["end"] == message


def test_the_support_schedule_is_the_webs_pdf_byte_for_byte(call, team, visit, offer):
    analyst = team[Role.TECHNICAL_ANALYST]
    params = {"start": "2026-11-23", "end": "2026-11-29", "analyst": analyst.pk}
    with time_machine.travel(at(23, 9), tick=False):
        web = web_get(team[Role.TEAM_LEAD], "support_schedule", params)
        api = call(
            Role.TEAM_LEAD,
            "get",
            f"/visits/support-schedule?start=2026-11-23&end=2026-11-29&analyst_id={analyst.pk}",
        )
    assert api.status_code == 200 and api.content == web.content
    text = pdf_text(api)
    assert "Ing. Rocío Mamani" in text and "Lic. Marco Vargas" not in text
    backwards = call(
        Role.TEAM_LEAD, "get", "/visits/support-schedule?start=2026-11-29&end=2026-11-23"
    )
    assert backwards.json()["errors"]["end"] == [
        "Elija un periodo (desde, hasta) para el cronograma de soporte."
    ]
