"""TMF622 Product Ordering over the product-change cases (A, B, C, D, H): an
order posted through the facade is a real case whose process runs, its state
follows the process (pending while the customer owes documents, completed
with the plan changed as the item's characteristic, rejected), the collision
check is the web's, cancelling is the team lead's, another portfolio's order
is missing, and every answer matches the official TMF622 document."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from posventa.accounts.roles import Role
from posventa.api.services import token_create
from posventa.cases.models import Case, CaseStatus, Outcome
from posventa.cases.services import case_open
from posventa.engine import runtime
from posventa.engine.models import InstanceStatus
from posventa.events.models import Event
from posventa.factories import UserFactory
from posventa.procedures.tests.fixtures import deploy_only
from posventa.procedures.tests.steps import complete, pending
from posventa.tmf import product_ordering
from posventa.tmf.tests import official

URL = "/tmf-api/productOrdering/v4/productOrder"
CANCEL_URL = "/tmf-api/productOrdering/v4/cancelProductOrder"
ALL_DOCUMENTS = {"has_request_letter": "on", "has_nit_copy": "on", "has_id_copy": "on"}


@pytest.fixture
def procedures(db, media):
    yield deploy_only("b_plan_change.bpmn", "h_withdrawal.bpmn", "e_damage.bpmn")
    runtime.specs.clear()


def headers(user) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {token_create(user=user, name='tmf')[1]}"}


@pytest.fixture
def as_executive(team):
    return headers(team[Role.EXECUTIVE])


def new_order(product, category="planChange", action="modify", **extra) -> dict:
    body = {
        "category": category,
        "description": "Cambio a un plan de más velocidad",
        "channel": [{"id": "email"}],
        "relatedParty": [{"id": str(product.company.pk), "@referredType": "Organization"}],
        "productOrderItem": [
            {
                "id": "1",
                "action": action,
                "product": {"id": product.service_number, "@referredType": "Product"},
            }
        ],
    }
    body.update(extra)
    return body


def post(client, url, body, auth):
    return client.post(url, json.dumps(body), content_type="application/json", **auth)


def assert_tmf_error(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"code", "reason", "message", "status", "@type"}
    assert body["status"] == str(status) and body["@type"] == "Error"
    if code:
        assert body["code"] == code
    official.assert_matches("TMF622", "Error", body)
    return body


def state_of(client, case, auth) -> dict:
    body = client.get(f"{URL}/{case.number}", **auth).json()
    official.assert_matches("TMF622", "ProductOrder", body)
    listed = client.get(URL, {"state": body["state"]}, **auth).json()
    assert case.number in [o["id"] for o in listed]
    others = [s for s in product_ordering.STATES if s != body["state"]]
    assert case.number not in [
        o["id"] for o in client.get(URL, {"state": ",".join(others)}, **auth).json()
    ]
    return body


def test_a_posted_plan_change_opens_a_real_b_case_and_completes_with_it(
    client, procedures, team, customer_product, internet_plans, as_executive
):
    response = post(client, URL, new_order(customer_product), as_executive)
    assert response.status_code == 201, response.content
    body = response.json()
    official.assert_matches("TMF622", "ProductOrder", body)
    case = Case.objects.get(number=body["id"])
    assert (case.procedure, case.product, case.channel) == ("B", customer_product, "email")
    assert case.instance.status == InstanceStatus.RUNNING
    assert pending(case).bpmn_id == "check_requirements"
    assert body["state"] == "acknowledged"
    assert body["category"] == "planChange"
    [item] = body["productOrderItem"]
    assert (item["action"], item["state"], item["product"]["id"]) == (
        "modify",
        "acknowledged",
        str(customer_product.pk),
    )

    executive, commercial = team[Role.EXECUTIVE], team[Role.COMMERCIAL_MANAGER]
    letter = SimpleUploadedFile("carta.pdf", b"%PDF-1.4 carta", content_type="application/pdf")
    complete(
        case,
        executive,
        {"new_plan": internet_plans[2].pk, **ALL_DOCUMENTS},
        files={"file_request_letter": letter},
    )
    assert state_of(client, case, as_executive)["state"] == "inProgress"
    complete(case, commercial, {"new_plan": internet_plans[2].pk})
    # The plan changed: the item's product says to what.
    body = state_of(client, case, as_executive)
    assert body["state"] == "inProgress"  # the quality call is still to come
    characteristic = body["productOrderItem"][0]["product"]["productCharacteristic"]
    assert {"name": "plan", "value": "Internet 50 Mbps", "valueType": "string"} in characteristic
    complete(
        case,
        executive,
        {"conform": "yes", "interaction_channel": "phone", "interaction_summary": "Conforme."},
    )
    body = state_of(client, case, as_executive)
    assert body["state"] == "completed"
    assert body["completionDate"] and body["productOrderItem"][0]["state"] == "completed"
    assert len(body["note"]) == case.interactions.count() == 2


def test_an_order_waiting_for_documents_is_pending_and_one_given_up_is_rejected(
    client, procedures, team, customer_product, internet_plans, as_executive
):
    number = post(client, URL, new_order(customer_product), as_executive).json()["id"]
    case = Case.objects.get(number=number)
    complete(case, team[Role.EXECUTIVE], {"new_plan": internet_plans[1].pk})
    assert case.status == CaseStatus.WAITING_CUSTOMER
    assert state_of(client, case, as_executive)["state"] == "pending"
    complete(
        case,
        team[Role.EXECUTIVE],
        {"completed": "no", "interaction_channel": "phone", "interaction_summary": "Desiste."},
    )
    assert case.outcome == Outcome.REQUIREMENTS_NOT_MET
    body = state_of(client, case, as_executive)
    assert body["state"] == "rejected" and "completionDate" not in body


def test_a_withdrawal_is_an_order_with_a_delete_item(
    client, procedures, team, customer_product, as_executive
):
    response = post(
        client,
        URL,
        new_order(customer_product, category="withdrawal", action="delete", description=""),
        as_executive,
    )
    assert response.status_code == 201, response.content
    body = response.json()
    official.assert_matches("TMF622", "ProductOrder", body)
    case = Case.objects.get(number=body["id"])
    assert case.procedure == "H" and case.instance.status == InstanceStatus.RUNNING
    assert "retiro" in case.subject.lower() or case.subject
    assert body["productOrderItem"][0]["action"] == "delete"


def test_the_item_action_must_be_the_categorys_and_nothing_opens_otherwise(
    client, procedures, customer_product, as_executive
):
    body = assert_tmf_error(
        post(client, URL, new_order(customer_product, action="delete"), as_executive), 422
    )
    assert "productOrderItem.action" in body["message"] and "modify" in body["message"]
    body = assert_tmf_error(
        post(
            client,
            URL,
            new_order(customer_product, requestedStartDate="2026-12-01T00:00:00Z"),
            as_executive,
        ),
        400,
        "invalidBody",
    )
    assert "requestedStartDate" in body["message"]
    assert not Case.objects.exists()


def test_a_collision_is_the_webs_spanish_409(
    client, procedures, team, customer_product, as_executive
):
    assert post(client, URL, new_order(customer_product), as_executive).status_code == 201
    body = assert_tmf_error(
        post(
            client,
            URL,
            new_order(customer_product, category="withdrawal", action="delete"),
            as_executive,
        ),
        409,
        "collision",
    )
    assert "cambio" in body["message"].lower()
    assert Case.objects.count() == 1


def test_cancel_product_order_is_case_cancel_with_its_permissions(
    client, procedures, team, customer_product, as_executive
):
    number = post(client, URL, new_order(customer_product), as_executive).json()["id"]
    cancel = {"productOrder": {"id": number}, "cancellationReason": "El cliente ya no lo quiere."}
    assert_tmf_error(post(client, CANCEL_URL, cancel, as_executive), 403, "forbidden")
    assert Case.objects.get(number=number).status == CaseStatus.OPEN
    assert_tmf_error(client.get(f"{CANCEL_URL}/{number}", **as_executive), 404)

    lead = headers(team[Role.TEAM_LEAD])
    response = post(client, CANCEL_URL, cancel, lead)
    assert response.status_code == 201, response.content
    body = response.json()
    official.assert_matches("TMF622", "CancelProductOrder", body)
    assert (body["state"], body["productOrder"]["id"]) == ("done", number)
    case = Case.objects.get(number=number)
    assert (case.status, case.outcome) == (CaseStatus.CLOSED, Outcome.CANCELLED)
    order = client.get(f"{URL}/{number}", **lead).json()
    assert (order["state"], order["cancellationReason"]) == (
        "cancelled",
        cancel["cancellationReason"],
    )
    again = client.get(f"{CANCEL_URL}/{number}", **lead)
    assert again.status_code == 200 and again.json() == body
    listed = client.get(CANCEL_URL, **lead)
    official.assert_each_matches("TMF622", "CancelProductOrder", listed.json())
    assert listed["X-Total-Count"] == "1"
    assert_tmf_error(post(client, CANCEL_URL, cancel, lead), 409, "conflict")


def test_another_portfolios_order_is_missing_and_lists_filter_and_select(
    client, procedures, team, customer_product, as_executive
):
    number = post(client, URL, new_order(customer_product), as_executive).json()["id"]
    stranger = headers(UserFactory(role=Role.EXECUTIVE))
    theirs = client.get(f"{URL}/{number}", **stranger)
    assert_tmf_error(theirs, 404, "notFound")
    assert theirs.content == client.get(f"{URL}/PV-2026-999999", **stranger).content
    assert client.get(URL, **stranger)["X-Total-Count"] == "0"
    cancel = {"productOrder": {"id": number}, "cancellationReason": "x"}
    assert_tmf_error(post(client, CANCEL_URL, cancel, stranger), 404)

    # A damage case on the same customer is a ticket, not an order.
    case_open(
        company=customer_product.company,
        procedure="E",
        channel="phone",
        subject="No navega",
        product=customer_product,
        user=team[Role.EXECUTIVE],
        acknowledge_open_cases=True,
    )
    listed = client.get(URL, **as_executive)
    assert (listed["X-Total-Count"], listed["X-Result-Count"]) == ("1", "1")
    for query, count in [
        ({"category": "planChange"}, "1"),
        ({"category": "withdrawal,relocation"}, "0"),
        ({"relatedParty.id": customer_product.company.nit}, "1"),
        ({"productOrderItem.product.id": str(customer_product.pk)}, "1"),
        ({"productOrderItem.product.id": "NO-SUCH"}, "0"),
        ({"channel.id": "phone"}, "0"),
        ({"id": number}, "1"),
    ]:
        assert client.get(URL, query, **as_executive)["X-Total-Count"] == count, query
    selected = client.get(URL, {"fields": "state,orderDate"}, **as_executive).json()
    assert set(selected[0]) == {"id", "href", "@type", "state", "orderDate"}
    official.assert_each_matches("TMF622", "ProductOrder", selected, fields="state,orderDate")
    body = assert_tmf_error(client.get(URL, {"status": "x"}, **as_executive), 400, "unknownFilter")
    assert "state" in body["message"]
    assert_tmf_error(client.get(URL, {"category": "upgrade"}, **as_executive), 400)


def test_hub_event_is_the_tmf622_event_of_an_order_and_none_otherwise(
    procedures, team, customer_product
):
    case = case_open(
        company=customer_product.company,
        procedure="B",
        channel="email",
        subject="Cambio de plan",
        product=customer_product,
        user=team[Role.EXECUTIVE],
    )
    event = Event(kind="case.state_changed", occurred_at=case.received_at, case=case)
    body = product_ordering.hub_event(event, root="https://posventa.example")
    assert body["eventType"] == "ProductOrderStateChangeEvent"
    assert body["eventTime"] == case.received_at.isoformat()
    order = body["event"]["productOrder"]
    official.assert_matches("TMF622", "ProductOrder", order)
    assert order["href"] == f"https://posventa.example{URL}/{case.number}"
    json.dumps(body)
    damage = case_open(
        company=customer_product.company,
        procedure="E",
        channel="phone",
        subject="No navega",
        product=customer_product,
        user=team[Role.EXECUTIVE],
        acknowledge_open_cases=True,
    )
    event = Event(kind="case.created", occurred_at=damage.received_at, case=damage)
    assert product_ordering.hub_event(event) is None
    assert (
        product_ordering.hub_event(Event(kind="case.created", occurred_at=case.received_at)) is None
    )


def test_an_order_is_not_patched_nor_deleted(client, procedures, customer_product, as_executive):
    number = post(client, URL, new_order(customer_product), as_executive).json()["id"]
    patch = client.patch(
        f"{URL}/{number}", '{"description": "x"}', content_type="application/json", **as_executive
    )
    body = assert_tmf_error(patch, 405, "methodNotAllowed")
    assert "PATCH" in body["message"]
    assert_tmf_error(client.delete(f"{URL}/{number}", **as_executive), 405)
    assert Case.objects.get(number=number).description == "Cambio a un plan de más velocidad"
