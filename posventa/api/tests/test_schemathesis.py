"""Schemathesis over the API's own OpenAPI schema: requests generated from it
— valid ones, and invalid ones (negative mode: wrong types, NUL characters,
values past the bounds) — never get a server error, every answer is one the
schema documents (status, content type, body), and what breaks the schema is
refused.

Each operation gets a bounded, repeatable number of examples (derandomized),
with the bearer token of the role that can reach it (ROLES; the
executive otherwise). Every example runs in a savepoint that
is rolled back, so what one example wrote (a claimed task, an opened case)
cannot change what the next one finds. Path parameters are sometimes swapped
for ids of rows that exist (the executive's pending task, case and a
complaint), so the examples also reach past the 404."""

from datetime import date
from decimal import Decimal

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
from posventa.claims.services import complaint_register
from posventa.engine.models import HumanTask
from posventa.factories import InvoiceFactory
from posventa.procedures.tests.fixtures import deploy_only

pytestmark = pytest.mark.django_db

schema = wsgi_schema("/api/v1/openapi.json")


@pytest.fixture
def existing(team, customer_product, media):
    """Rows whose ids the examples may use: a pending task, its case, a complaint."""
    deploy_only("b_plan_change.bpmn")
    case = case_open(
        company=customer_product.company,
        procedure="B",
        channel="email",
        subject="Cambio de plan",
        product=customer_product,
        user=team[Role.EXECUTIVE],
    )
    invoice = InvoiceFactory(product=customer_product, period=date(2026, 1, 1))
    complaint = complaint_register(invoice=invoice, disputed_amount=Decimal("10"), reason="Doble.")
    return {
        "path": {
            "task_id": str(HumanTask.objects.get(instance=case.instance).task_id),
            "number": case.number,
            "complaint_id": complaint.pk,
            "company_id": customer_product.company.pk,
            "product_id": customer_product.pk,
            "invoice_id": invoice.pk,
            "month": f"{case.received_at:%Y-%m}",
        },
        # What opens a case: the executive's customer, a procedure that runs.
        "body": {
            "nit": customer_product.company.nit,
            "product_id": customer_product.pk,
            "procedure": "B",
        },
    }


@pytest.fixture
def same_connection():
    """The examples go through Django's WSGI handler, which closes the
    database connection after each request — on PostgreSQL, with the test's
    transaction inside. Django's own test client keeps it open the same way."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


# Who calls each part of the API: the role that can reach it (the rest: the
# executive). The first prefix that the path has wins.
ROLES = [
    ("/cancel", Role.TEAM_LEAD),
    ("/indicators", Role.TEAM_LEAD),
    ("/claims", Role.COMMERCIAL_MANAGER),
    ("/work-orders", Role.TECHNICAL_MANAGER),
    ("/visits", Role.TECHNICAL_ANALYST),
    ("/reviews", Role.TECHNICAL_ANALYST),
]


def role_for(path: str) -> Role:
    return next((role for part, role in ROLES if part in path), Role.EXECUTIVE)


@pytest.fixture
def tokens(team):
    return {role: token_create(user=team[role], name="schemathesis")[1] for role in Role}


@schema.given(data=st.data())
@schema.parametrize()
@settings(
    max_examples=25,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_the_api_answers_every_generated_request_as_its_schema_says(
    case, data, existing, tokens, same_connection
):
    # Only in valid requests: an invalid one must stay invalid where it was made so.
    if case.meta is None or case.meta.generation.mode == GenerationMode.POSITIVE:
        for name in case.path_parameters or {}:
            if name in existing["path"] and data.draw(st.booleans(), label=f"existing {name}"):
                case.path_parameters[name] = existing["path"][name]
        if isinstance(case.body, dict) and "nit" in case.body and data.draw(st.booleans()):
            case.body.update(existing["body"])
    with transaction.atomic():
        token = tokens[role_for(case.path)]
        case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)
        transaction.set_rollback(True)
