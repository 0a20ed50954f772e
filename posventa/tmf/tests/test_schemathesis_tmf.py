"""Schemathesis over /tmf-api/openapi.json, as posventa/api/tests/test_schemathesis.py
runs it over /api/v1/: generated requests — valid ones and invalid ones
(negative mode) — never get a server error, every answer is one the schema
documents (status, content type, body), and what breaks the schema is refused.

Each example runs as an executive with a bearer token, in a savepoint rolled
back afterwards. Path parameters are sometimes swapped for rows that exist
(a damage ticket and a plan-change order of hers), and a create body for one
naming her customer and product, so the examples also reach past the 404."""

import pytest
from django.core import signals
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode

from posventa.accounts.roles import Role
from posventa.api.services import token_create
from posventa.api.tests.schemathesis_setup import CHECKS, wsgi_schema
from posventa.cases.services import case_open
from posventa.engine import runtime
from posventa.procedures.tests.fixtures import deploy_only

pytestmark = pytest.mark.django_db

schema = wsgi_schema("/tmf-api/openapi.json")


@pytest.fixture
def existing(team, customer_product, media):
    deploy_only("e_damage.bpmn", "b_plan_change.bpmn")
    user = team[Role.EXECUTIVE]
    ticket = case_open(
        company=customer_product.company,
        procedure="E",
        channel="phone",
        subject="No navega",
        product=customer_product,
        user=user,
    )
    order = case_open(
        company=customer_product.company,
        procedure="B",
        channel="email",
        subject="Cambio de plan",
        product=customer_product,
        user=user,
        acknowledge_open_cases=True,
    )
    yield {
        "path": {
            "ticket_id": ticket.number,
            "order_id": order.number,
            "cancel_id": order.number,
        },
        "party": [{"id": str(customer_product.company.pk), "@referredType": "Organization"}],
        "product": {"id": str(customer_product.pk), "@referredType": "Product"},
    }
    runtime.specs.clear()


@pytest.fixture
def same_connection():
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def token(team):
    return token_create(user=team[Role.EXECUTIVE], name="schemathesis")[1]


@schema.given(data=st.data())
@schema.parametrize()
@settings(
    max_examples=25,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_the_tmf_api_answers_every_generated_request_as_its_schema_says(
    case, data, existing, token, same_connection
):
    if case.meta is None or case.meta.generation.mode == GenerationMode.POSITIVE:
        for name in case.path_parameters or {}:
            if name in existing["path"] and data.draw(st.booleans(), label=f"existing {name}"):
                case.path_parameters[name] = existing["path"][name]
        body = case.body
        if isinstance(body, dict) and "relatedParty" in body and data.draw(st.booleans()):
            body["relatedParty"] = existing["party"]
            if "relatedEntity" in body:
                body["relatedEntity"] = [existing["product"]]
            for item in body.get("productOrderItem") or []:
                if isinstance(item, dict):
                    item["product"] = existing["product"]
    with transaction.atomic():
        case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)
        transaction.set_rollback(True)
