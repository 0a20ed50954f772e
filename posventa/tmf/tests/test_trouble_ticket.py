"""TMF621 Trouble Ticket over the damage (E) and billing-complaint (F) cases:
a ticket opened through the facade is a real case whose process runs, its
status follows the process to the end, the lists filter, page and select
fields, another portfolio's ticket is missing, and every answer matches the
official TMF621 document."""

import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from posventa.accounts.roles import Role
from posventa.api.services import token_create
from posventa.cases.models import Case, CaseStatus, Outcome
from posventa.cases.services import case_open
from posventa.engine import runtime
from posventa.engine.models import InstanceStatus
from posventa.events.models import Event
from posventa.factories import CompanyFactory, ProductFactory, UserFactory
from posventa.procedures.tests.fixtures import deploy_only
from posventa.procedures.tests.steps import complete, pending
from posventa.tmf import trouble_ticket
from posventa.tmf.tests import official

URL = "/tmf-api/troubleTicket/v4/troubleTicket"
LA_PAZ = ZoneInfo("America/La_Paz")


@pytest.fixture
def procedures(db, media):
    yield deploy_only("e_damage.bpmn", "f_billing_complaint.bpmn", "b_plan_change.bpmn")
    runtime.specs.clear()


@pytest.fixture(autouse=True)
def working_hours():
    with time_machine.travel(datetime(2026, 11, 25, 9, 30, tzinfo=LA_PAZ), tick=True):
        yield


@pytest.fixture
def internet(team, internet_plans):
    return ProductFactory(
        company__executive=team[Role.EXECUTIVE],
        plan=internet_plans[1],
        service_number="INT-5512300",
        technology="fiber",
    )


def headers(user) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {token_create(user=user, name='tmf')[1]}"}


@pytest.fixture
def as_executive(team):
    return headers(team[Role.EXECUTIVE])


def new_ticket(product, **extra) -> dict:
    body = {
        "description": "El internet no navega desde la mañana.",
        "severity": "major",
        "ticketType": "damage",
        "channel": {"id": "phone"},
        "relatedParty": [{"id": product.company.nit, "@referredType": "Organization"}],
        "relatedEntity": [{"id": str(product.pk), "role": "affected", "@referredType": "Product"}],
    }
    body.update(extra)
    return body


def post(client, body, auth):
    return client.post(URL, json.dumps(body), content_type="application/json", **auth)


def assert_tmf_error(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"code", "reason", "message", "status", "@type"}
    assert body["@type"] == "Error" and body["status"] == str(status)
    if code:
        assert body["code"] == code
    official.assert_matches("TMF621", "Error", body)
    return body


def test_a_posted_damage_ticket_opens_a_real_e_case_whose_process_runs(
    client, procedures, team, internet, as_executive
):
    response = post(client, new_ticket(internet), as_executive)
    assert response.status_code == 201, response.content
    body = response.json()
    official.assert_matches("TMF621", "TroubleTicket", body)
    case = Case.objects.get(number=body["id"])
    assert (case.procedure, case.company, case.product, case.channel) == (
        "E",
        internet.company,
        internet,
        "phone",
    )
    assert case.subject == "El internet no navega desde la mañana."
    assert case.instance.status == InstanceStatus.RUNNING
    assert pending(case).bpmn_id == "receive_report"
    assert body["status"] == "acknowledged"
    assert body["ticketType"] == "damage"
    assert body["href"] == f"http://testserver{URL}/{case.number}"
    assert body["relatedParty"][0]["id"] == str(internet.company.pk)
    assert body["relatedEntity"][0]["name"] == "INT-5512300"
    # The intake is the case's first interaction, and the ticket's first note.
    assert "recibida" in body["note"][0]["text"].lower() or body["note"][0]["text"]
    assert [c["status"] for c in body["statusChange"]] == ["acknowledged"]


def status_of(client, case, auth) -> str:
    body = client.get(f"{URL}/{case.number}", **auth).json()
    official.assert_matches("TMF621", "TroubleTicket", body)
    # The list filtered by the same status finds it: one rule for both.
    listed = client.get(URL, {"status": body["status"]}, **auth).json()
    assert case.number in [t["id"] for t in listed]
    others = [s for s in trouble_ticket.STATUSES if s != body["status"]]
    listed = client.get(URL, {"status": ",".join(others)}, **auth).json()
    assert case.number not in [t["id"] for t in listed]
    return body["status"]


def test_the_ticket_status_follows_the_damage_process_to_its_end(
    client, procedures, team, internet, as_executive
):
    number = post(client, new_ticket(internet), as_executive).json()["id"]
    case = Case.objects.get(number=number)
    executive, analyst = team[Role.EXECUTIVE], team[Role.TECHNICAL_ANALYST]
    assert status_of(client, case, as_executive) == "acknowledged"

    complete(
        case,
        executive,
        {"damaged_service": "internet", "cause": "slow", "problem": "Lento."},
    )
    assert status_of(client, case, as_executive) == "inProgress"
    from posventa.engine import services as engine

    task = pending(case)
    form = engine.task_form(task)
    complete(
        case,
        executive,
        {
            "address": form.initial.get("address") or "Av. Ballivián 520",
            "zone": form.initial.get("zone") or "Centro",
            "neighbourhood": form.initial.get("neighbourhood") or "El Prado",
            "reference_phone": form.initial.get("reference_phone") or "70755511",
            "address_checked": "on",
            "interaction_channel": "phone",
            "interaction_summary": form.initial.get("interaction_summary") or "Daño registrado.",
        },
    )
    complete(
        case,
        analyst,
        {
            "wifi_coverage": "weak",
            "devices": "14",
            "contracted_mbps": "30",
            "measured_mbps": "28.4",
            "amplifiers": "",
            "router": "misconfigured",
            "findings": "Canal wifi saturado.",
            "solved_remotely": "yes",
        },
    )
    complete(
        case,
        analyst,
        {
            "customer_conform": "yes",
            "interaction_channel": "phone",
            "interaction_summary": "Pruebas con el cliente: 29 Mbps.",
        },
    )
    # Only the executive's quality call is left: the damage is solved.
    assert pending(case).form_key == "common/quality_call"
    assert status_of(client, case, as_executive) == "resolved"

    complete(
        case,
        executive,
        {"conform": "yes", "interaction_channel": "phone", "interaction_summary": "Funciona."},
    )
    assert (case.status, case.outcome) == (CaseStatus.CLOSED, Outcome.FULFILLED)
    assert status_of(client, case, as_executive) == "closed"
    body = client.get(f"{URL}/{case.number}", **as_executive).json()
    assert body["resolutionDate"]
    assert [c["status"] for c in body["statusChange"]] == ["acknowledged", "inProgress", "closed"]
    # Every contact of the case is a note.
    assert len(body["note"]) == case.interactions.count() >= 3


def test_a_billing_complaint_ticket_opens_an_f_case(
    client, procedures, team, internet, as_executive
):
    response = post(
        client,
        new_ticket(internet, ticketType="billingComplaint", name="Cobro doble en octubre"),
        as_executive,
    )
    assert response.status_code == 201, response.content
    body = response.json()
    official.assert_matches("TMF621", "TroubleTicket", body)
    case = Case.objects.get(number=body["id"])
    assert (case.procedure, case.subject) == ("F", "Cobro doble en octubre")
    assert case.instance.status == InstanceStatus.RUNNING
    assert body["ticketType"] == "billingComplaint"


def test_the_same_damage_twice_is_the_webs_spanish_409(
    client, procedures, team, internet, as_executive
):
    assert post(client, new_ticket(internet), as_executive).status_code == 201
    response = post(client, new_ticket(internet), as_executive)
    body = assert_tmf_error(response, 409, "collision")
    assert "en curso" in body["message"] or "caso" in body["message"]
    assert Case.objects.filter(procedure="E").count() == 1


def test_refused_values_are_spanish_and_open_nothing(
    client, procedures, team, internet, as_executive
):
    other = ProductFactory(company=CompanyFactory(executive=team[Role.EXECUTIVE]))
    body = assert_tmf_error(
        post(
            client,
            new_ticket(internet, relatedEntity=[{"id": str(other.pk), "@referredType": "Product"}]),
            as_executive,
        ),
        422,
    )
    assert body["message"].startswith("Los datos no son válidos.")
    assert "relatedEntity" in body["message"] and "producto" in body["message"]
    # A TMF attribute the facade does not take is refused, not ignored.
    body = assert_tmf_error(
        post(client, new_ticket(internet, priority="high"), as_executive), 400, "invalidBody"
    )
    assert "priority" in body["message"] and "no admite" in body["message"]
    body = assert_tmf_error(
        post(client, new_ticket(internet, ticketType="outage"), as_executive), 400
    )
    assert "ticketType" in body["message"]
    assert not Case.objects.exists()


def test_another_portfolios_ticket_is_missing_exactly_like_a_missing_one(
    client, procedures, team, internet, as_executive
):
    number = post(client, new_ticket(internet), as_executive).json()["id"]
    stranger = headers(UserFactory(role=Role.EXECUTIVE))
    theirs = client.get(f"{URL}/{number}", **stranger)
    missing = client.get(f"{URL}/PV-2026-999999", **stranger)
    assert_tmf_error(theirs, 404, "notFound")
    assert theirs.content == missing.content
    assert client.get(URL, **stranger).json() == []
    # Nor can she open a ticket on that customer: it is not hers.
    body = assert_tmf_error(post(client, new_ticket(internet), stranger), 422)
    assert "relatedParty" in body["message"]
    # The team lead sees every portfolio.
    assert client.get(f"{URL}/{number}", **headers(team[Role.TEAM_LEAD])).status_code == 200


def test_lists_page_filter_and_select_fields(client, procedures, team, internet, as_executive):
    second = ProductFactory(company=internet.company, service_number="INT-777")
    first = post(client, new_ticket(internet), as_executive).json()["id"]
    post(client, new_ticket(second, channel={"id": "email"}), as_executive)
    # One case that is not a ticket (a plan change) is not listed.
    plan_changed = ProductFactory(company__executive=team[Role.EXECUTIVE])
    case_open(
        company=plan_changed.company,
        procedure="B",
        channel="email",
        subject="Cambio de plan",
        product=plan_changed,
        user=team[Role.EXECUTIVE],
    )
    response = client.get(URL, {"limit": 1, "offset": 1}, **as_executive)
    assert response.status_code == 200
    assert (response["X-Total-Count"], response["X-Result-Count"]) == ("2", "1")
    assert [t["id"] for t in response.json()] == [first]  # newest first

    by_product = client.get(URL, {"relatedEntity.id": "INT-777"}, **as_executive).json()
    assert [t["relatedEntity"][0]["name"] for t in by_product] == ["INT-777"]
    by_party = client.get(URL, {"relatedParty.id": str(internet.company.pk)}, **as_executive)
    assert by_party["X-Total-Count"] == "2"
    by_nit = client.get(URL, {"relatedParty.id": internet.company.nit}, **as_executive)
    assert by_nit["X-Total-Count"] == "2"
    assert client.get(URL, {"channel.id": "email"}, **as_executive)["X-Total-Count"] == "1"
    assert client.get(URL, {"ticketType": "billingComplaint"}, **as_executive).json() == []

    selected = client.get(URL, {"fields": "status,ticketType"}, **as_executive).json()
    for item in selected:
        assert set(item) == {"id", "href", "@type", "status", "ticketType"}
    official.assert_each_matches("TMF621", "TroubleTicket", selected, fields="status,ticketType")
    one = client.get(f"{URL}/{first}", {"fields": "creationDate"}, **as_executive).json()
    assert set(one) == {"id", "href", "@type", "creationDate"}
    datetime.fromisoformat(one["creationDate"])  # ISO 8601


def test_unknown_filters_and_bad_values_are_a_spanish_400(client, procedures, as_executive):
    body = assert_tmf_error(client.get(URL, {"severity": "major"}, **as_executive), 400)
    assert body["code"] == "unknownFilter"
    assert "no se puede filtrar por severity" in body["message"]
    body = assert_tmf_error(client.get(URL, {"status": "open"}, **as_executive), 400)
    assert "open" in body["message"] and "inProgress" in body["message"]
    assert_tmf_error(client.get(URL, {"limit": 0}, **as_executive), 400, "invalidQuery")
    assert_tmf_error(client.get(URL, {"fields": "a b"}, **as_executive), 400)


def test_a_ticket_is_cancelled_by_patch_only_as_the_case_is(
    client, procedures, team, internet, as_executive
):
    number = post(client, new_ticket(internet), as_executive).json()["id"]
    change = {"status": "cancelled", "statusChangeReason": "El cliente lo resolvió solo."}
    patch = json.dumps(change)
    body = assert_tmf_error(
        client.patch(f"{URL}/{number}", patch, content_type="application/json", **as_executive),
        403,
    )
    assert "Solo" in body["message"] or "responsable" in body["message"].lower()
    assert Case.objects.get(number=number).status == CaseStatus.OPEN

    lead = headers(team[Role.TEAM_LEAD])
    response = client.patch(
        f"{URL}/{number}", patch, content_type="application/merge-patch+json", **lead
    )
    assert response.status_code == 200, response.content
    body = response.json()
    official.assert_matches("TMF621", "TroubleTicket", body)
    assert (body["status"], body["statusChangeReason"]) == (
        "cancelled",
        change["statusChangeReason"],
    )
    case = Case.objects.get(number=number)
    assert (case.status, case.outcome) == (CaseStatus.CLOSED, Outcome.CANCELLED)
    assert case.instance.status != InstanceStatus.RUNNING
    # Already closed: a 409; any other attribute: not supported.
    assert_tmf_error(
        client.patch(f"{URL}/{number}", patch, content_type="application/json", **lead), 409
    )
    assert_tmf_error(
        client.patch(
            f"{URL}/{number}",
            json.dumps({"description": "otra"}),
            content_type="application/json",
            **lead,
        ),
        400,
    )
    assert_tmf_error(client.delete(f"{URL}/{number}", **lead), 405)


def test_without_a_token_the_answer_is_a_tmf_401(client):
    assert_tmf_error(client.get(URL), 401, "unauthorized")


def test_hub_event_is_the_tmf621_event_of_a_ticket_and_none_otherwise(procedures, team, internet):
    case = case_open(
        company=internet.company,
        procedure="E",
        channel="phone",
        subject="No navega",
        product=internet,
        user=team[Role.EXECUTIVE],
    )
    event = Event(kind="case.created", occurred_at=case.received_at, case=case)
    body = trouble_ticket.hub_event(event, root="https://posventa.example")
    assert body["eventType"] == "TroubleTicketCreateEvent"
    assert body["eventId"] == str(event.pk)
    ticket = body["event"]["troubleTicket"]
    official.assert_matches("TMF621", "TroubleTicket", ticket)
    assert ticket["href"] == f"https://posventa.example{URL}/{case.number}"
    assert ticket["status"] == "acknowledged"
    json.dumps(body)  # ready to send
    assert (
        trouble_ticket.hub_event(
            Event(kind="case.closed", occurred_at=case.received_at, case=case)
        )["eventType"]
        == "TroubleTicketStatusChangeEvent"
    )
    plan_change = case_open(
        company=internet.company,
        procedure="B",
        channel="email",
        subject="Cambio de plan",
        product=ProductFactory(company=internet.company),
        user=team[Role.EXECUTIVE],
    )
    assert (
        trouble_ticket.hub_event(
            Event(kind="case.created", occurred_at=case.received_at, case=plan_change)
        )
        is None
    )
    assert (
        trouble_ticket.hub_event(
            Event(kind="product.changed", occurred_at=case.received_at, case=case)
        )
        is None
    )
    assert (
        trouble_ticket.hub_event(Event(kind="case.created", occurred_at=case.received_at)) is None
    )


def test_a_list_costs_the_same_queries_for_one_ticket_or_three(
    client, procedures, team, as_executive
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(URL, **as_executive).status_code == 200
        return len(captured.captured_queries)

    products = [
        ProductFactory(company__executive=team[Role.EXECUTIVE], service_number=f"INT-{n}")
        for n in range(3)
    ]
    post(client, new_ticket(products[0]), as_executive)
    one = queries()
    for product in products[1:]:
        post(client, new_ticket(product), as_executive)
    assert queries() == one


def test_an_events_links_are_absolute_on_the_public_url_when_it_is_set(
    procedures, team, internet, settings
):
    case = case_open(
        company=internet.company,
        procedure="E",
        channel="phone",
        subject="No navega",
        product=internet,
        user=team[Role.EXECUTIVE],
    )
    event = Event(kind="case.created", occurred_at=case.received_at, case=case)
    assert trouble_ticket.hub_event(event)["event"]["troubleTicket"]["href"] == (
        f"{URL}/{case.number}"
    )
    settings.POSVENTA_PUBLIC_URL = "https://posventa.example"
    assert trouble_ticket.hub_event(event)["event"]["troubleTicket"]["href"] == (
        f"https://posventa.example{URL}/{case.number}"
    )
