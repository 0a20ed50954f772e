# ruff: noqa: F811 — the fixtures imported from readonly.py are parameters here
"""TMF637 Product Inventory (/tmf-api/productInventory/v4/product): the
customers' installed products, read-only, scoped by portfolio, each full
answer valid against the official TMF637 v4 document."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from posventa.events.models import Event, EventKind
from posventa.factories import (
    CompanyFactory,
    EnabledServiceFactory,
    EquipmentFactory,
    PlanFactory,
    ProductFactory,
    SuspensionFactory,
    product_type,
)
from posventa.inventory.models import ProductStatus
from posventa.tmf.product_inventory import hub_event
from posventa.tmf.tests.official import assert_each_matches, assert_matches
from posventa.tmf.tests.readonly import (  # noqa: F401 — fixtures
    as_executive,
    as_other_executive,
    as_team_lead,
    assert_not_found,
    assert_tmf_error,
    ids,
)

URL = "/tmf-api/productInventory/v4/product"

pytestmark = pytest.mark.django_db


@pytest.fixture
def mine(executive):
    """Two products of one of the executive's companies: an internet access
    with its router and a past suspension, and a withdrawn fixed line with a
    supplementary service."""
    company = CompanyFactory(executive=executive, trade_name="ACME")
    internet = ProductFactory(company=company, service_number="70000001")
    EquipmentFactory(product=internet, serial="SN-ROUTER-1")
    SuspensionFactory(
        product=internet,
        starts_on=date(2025, 3, 1),
        ends_on=date(2025, 3, 31),
        reconnected_on=date(2025, 4, 1),
    )
    line = EnabledServiceFactory(
        product__company=company, product__service_number="70000002"
    ).product
    line.status = ProductStatus.WITHDRAWN
    line.withdrawn_on = date(2026, 6, 30)
    line.save()
    return {"company": company, "internet": internet, "line": line}


@pytest.fixture
def theirs(other_executive):
    return ProductFactory(company=CompanyFactory(executive=other_executive))


def test_the_list_holds_only_the_portfolios_products_each_a_valid_tmf637_product(
    as_executive, mine, theirs
):
    response = as_executive.get(URL)
    assert ids(response) == [str(mine["internet"].pk), str(mine["line"].pk)]
    assert_each_matches("TMF637", "Product", response.json())
    assert response["X-Total-Count"] == "2"
    assert response["X-Result-Count"] == "2"


def test_the_team_lead_sees_every_portfolio(as_team_lead, mine, theirs):
    assert str(theirs.pk) in ids(as_team_lead.get(URL))


def test_a_product_reads_with_its_plan_services_equipment_suspensions_and_customer(
    as_executive, mine
):
    internet, company = mine["internet"], mine["company"]
    response = as_executive.get(f"{URL}/{internet.pk}")
    assert response.status_code == 200
    body = response.json()
    assert_matches("TMF637", "Product", body)
    assert body["href"] == f"http://testserver{URL}/{internet.pk}"
    assert body["status"] == "active"
    assert body["startDate"] == "2024-01-15T00:00:00-04:00"
    assert body["productOffering"]["id"] == internet.plan.code
    assert body["productSpecification"]["id"] == "internet"
    assert body["productPrice"][0]["price"]["taxIncludedAmount"] == {
        "unit": "BOB",
        "value": 250.0,
    }
    assert body["productPrice"][0]["name"] == "Cargo mensual del plan"
    characteristics = {c["name"]: c["value"] for c in body["productCharacteristic"]}
    assert characteristics["serviceNumber"] == "70000001"
    assert characteristics["technology"] == "copper"
    assert characteristics["suspension"] == {
        "startDate": "2025-03-01",
        "endDate": "2025-03-31",
        "reconnectionDate": "2025-04-01",
    }
    resources = {(r["@referredType"], r["value"]) for r in body["realizingResource"]}
    assert resources == {("LogicalResource", "70000001"), ("PhysicalResource", "SN-ROUTER-1")}
    customer = body["relatedParty"][0]
    assert customer["id"] == str(company.pk)
    assert customer["href"] == f"http://testserver/tmf-api/party/v4/organization/{company.pk}"
    assert customer["role"] == "customer"
    assert customer["name"] == "ACME"
    assert "terminationDate" not in body


def test_a_withdrawn_product_is_terminated_with_its_date_and_its_services(as_executive, mine):
    line = mine["line"]
    body = as_executive.get(f"{URL}/{line.pk}").json()
    assert_matches("TMF637", "Product", body)
    assert body["status"] == "terminated"
    assert body["terminationDate"] == "2026-06-30T00:00:00-04:00"
    assert [s["name"] for s in body["realizingService"]] == [
        line.enabled_services.get().service.name
    ]


def test_another_portfolios_product_is_a_404_exactly_like_a_missing_one(as_executive, mine, theirs):
    assert_not_found(as_executive.get(f"{URL}/{theirs.pk}"))
    assert_not_found(as_executive.get(f"{URL}/999999"))
    assert_not_found(as_executive.get(f"{URL}/abc"))
    assert_not_found(as_executive.get(f"{URL}/{'9' * 40}"))


def test_fields_selects_the_attributes_and_the_partial_answer_is_still_valid(as_executive, mine):
    response = as_executive.get(URL, fields="status,relatedParty.name")
    items = response.json()
    assert {tuple(sorted(item)) for item in items} == {
        ("@type", "href", "id", "relatedParty", "status")
    }
    assert_each_matches("TMF637", "Product", items, fields="status,relatedParty.name")
    one = as_executive.get(f"{URL}/{mine['line'].pk}", fields="status").json()
    assert one == {
        "id": str(mine["line"].pk),
        "href": f"http://testserver{URL}/{mine['line'].pk}",
        "@type": "Product",
        "status": "terminated",
    }


def test_offset_and_limit_page_the_list_with_the_total_in_a_header(as_executive, executive):
    company = CompanyFactory(executive=executive)
    products = [ProductFactory(company=company, service_number=f"7100000{n}") for n in range(5)]
    response = as_executive.get(URL, offset=1, limit=2)
    assert ids(response) == [str(p.pk) for p in products[1:3]]
    assert response["X-Total-Count"] == "5"
    assert response["X-Result-Count"] == "2"
    assert ids(as_executive.get(URL, offset=5)) == []


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"status": "terminated"}, ["line"]),
        ({"status": "active,terminated"}, ["internet", "line"]),
        ({"realizingResource.value": "SN-ROUTER-1"}, ["internet"]),
        ({"realizingResource.value": "70000002"}, ["line"]),
        ({"productSpecification.id": "fixed_line"}, ["line"]),
        ({"id": "{internet}"}, ["internet"]),
    ],
)
def test_filtering_by_attribute(as_executive, mine, params, expected):
    params = {k: v.format(internet=mine["internet"].pk) for k, v in params.items()}
    assert ids(as_executive.get(URL, **params)) == [str(mine[name].pk) for name in expected]


def test_filtering_by_customer_and_offering(as_executive, executive, mine):
    other_company = CompanyFactory(executive=executive)
    other = ProductFactory(company=other_company, plan=PlanFactory(code="FIBRA-100"))
    assert ids(as_executive.get(URL, **{"relatedParty.id": str(other_company.pk)})) == [
        str(other.pk)
    ]
    assert ids(as_executive.get(URL, **{"productOffering.id": "FIBRA-100"})) == [str(other.pk)]
    assert ids(as_executive.get(URL, name=other.plan.name)) == [str(other.pk)]


def test_a_filter_cannot_reach_another_portfolio(as_executive, mine, theirs):
    assert ids(as_executive.get(URL, **{"relatedParty.id": str(theirs.company_id)})) == []
    assert ids(as_executive.get(URL, id=str(theirs.pk))) == []


def test_an_unknown_filter_or_status_is_refused_in_spanish(as_executive, mine):
    assert_tmf_error(
        as_executive.get(URL, serial="x"),
        400,
        "unknownFilter",
        "La lista no se puede filtrar por serial",
    )
    assert_tmf_error(
        as_executive.get(URL, status="live"),
        400,
        "invalidQuery",
        "Valor desconocido live para status. Puede ser: active, suspended, terminated.",
    )


def test_without_a_token_the_answer_is_a_spanish_401(client, mine):
    response = client.get(URL)
    body = assert_tmf_error(response, 401, "unauthorized")
    assert body["reason"] == "No autenticado"


def _event(product, change, kind=EventKind.PRODUCT_CHANGED):
    return Event.objects.create(
        kind=kind,
        occurred_at=timezone.now() - timedelta(minutes=1),
        product=product,
        data={"change": change},
    )


@pytest.mark.parametrize(
    ("change", "event_type", "field_path"),
    [
        ("suspended", "ProductStateChangeEvent", None),
        ("reconnected", "ProductStateChangeEvent", None),
        ("withdrawn", "ProductStateChangeEvent", None),
        ("installed", "ProductCreateEvent", None),
        ("plan", "ProductAttributeValueChangeEvent", "productOffering"),
        ("services", "ProductAttributeValueChangeEvent", "realizingService"),
        ("relocated", "ProductAttributeValueChangeEvent", "productCharacteristic"),
    ],
)
def test_a_product_change_is_the_tmf637_event_of_its_kind(mine, change, event_type, field_path):
    product = mine["internet"]
    event = _event(product, change)
    body = hub_event(event)
    assert_matches("TMF637", event_type, body)
    assert body["eventType"] == event_type
    assert body["eventId"] == str(event.id)
    assert body.get("fieldPath") == field_path
    assert body["event"]["product"]["id"] == str(product.pk)
    assert body["event"]["product"]["href"] == f"{URL}/{product.pk}"


def test_a_suspension_event_carries_the_product_as_it_stands(mine):
    product = mine["internet"]
    product.status = ProductStatus.SUSPENDED
    product.save()
    body = hub_event(_event(product, "suspended"))
    assert body["event"]["product"]["status"] == "suspended"


@pytest.mark.parametrize(
    "kind",
    [k for k in EventKind.values if k != EventKind.PRODUCT_CHANGED],
)
def test_other_events_say_nothing_on_the_product_inventory_hub(mine, kind):
    assert hub_event(_event(mine["internet"], "", kind=kind)) is None


def test_a_product_event_without_its_product_says_nothing(mine):
    assert hub_event(_event(None, "plan")) is None


def test_a_fixed_line_bundle_type_is_a_bundle(as_executive, executive):
    multipack = ProductFactory(
        company=CompanyFactory(executive=executive),
        plan=PlanFactory(product_type=product_type("multipack")),
    )
    body = as_executive.get(f"{URL}/{multipack.pk}").json()
    assert body["isBundle"] is True
    assert_matches("TMF637", "Product", body)


@pytest.mark.parametrize(
    "path",
    [
        "/tmf-api/productInventory/v4/product",
        "/tmf-api/partyInteraction/v4/partyInteraction",
        "/tmf-api/party/v4/organization",
    ],
)
def test_the_openapi_document_gives_each_list_its_body_and_count_headers(as_executive, path):
    document = as_executive.get("/tmf-api/openapi.json").json()
    ok = document["paths"][path]["get"]["responses"]["200"]
    assert ok["content"]["application/json"]["schema"]["type"] == "array"
    assert set(ok["headers"]) == {"X-Total-Count", "X-Result-Count"}


@pytest.mark.parametrize(
    "path",
    [
        "/tmf-api/productInventory/v4/product",
        "/tmf-api/partyInteraction/v4/partyInteraction",
        "/tmf-api/party/v4/organization",
    ],
)
@pytest.mark.parametrize("method", ["post", "patch", "delete"])
def test_the_read_only_facades_refuse_writes_with_a_spanish_405(
    client, as_executive, mine, path, method
):
    product = mine["internet"]
    for target in (path, f"{path}/{product.pk}"):
        response = getattr(client, method)(
            target, {}, content_type="application/json", headers=as_executive.headers
        )
        assert_tmf_error(response, 405, "methodNotAllowed", "Esta ruta no admite el método")
    product.refresh_from_db()
    assert product.status == ProductStatus.ACTIVE


def test_the_product_inventory_hub_delivers_the_tmf637_event_to_the_portfolios_subscribers(
    mine, executive, other_executive
):
    """End to end with posventa/events: a suspension published on the product
    reaches the executive's TMF637 subscription filtered on the state change,
    with the body `hub_event` renders; another portfolio's subscriber and a
    subscription filtered on another event type get nothing."""
    import json

    from posventa.events.models import Delivery, HubApi, Subscription
    from posventa.events.services import product_changed_publish

    def subscribe(owner, query):
        return Subscription.objects.create(
            api=HubApi.PRODUCT_INVENTORY,
            callback="https://listener.example.com/tmf637",
            owner=owner,
            secret="s" * 32,
            query=query,
        )

    wanted = subscribe(executive, "eventType=ProductStateChangeEvent")
    subscribe(executive, "eventType=ProductAttributeValueChangeEvent")
    subscribe(other_executive, "")
    product = mine["internet"]
    product.status = ProductStatus.SUSPENDED
    product.save()
    event = product_changed_publish(product=product, change="suspended")
    deliveries = list(Delivery.objects.filter(event=event))
    assert [d.subscription_id for d in deliveries] == [wanted.pk]
    body = json.loads(bytes(deliveries[0].body))
    assert_matches("TMF637", "ProductStateChangeEvent", body)
    assert body == json.loads(json.dumps(hub_event(event)))
    assert body["event"]["product"]["status"] == "suspended"
