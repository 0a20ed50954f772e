"""The API is no existence oracle: another executive's customer, product,
case, task or complaint answers exactly as one that does not exist — the
same status and the same body — so a script cannot learn what is in a
portfolio it may not see by comparing answers."""

import json
from datetime import date
from decimal import Decimal
from uuid import uuid4

import pytest

from posventa.accounts.roles import Role
from posventa.api.services import token_create
from posventa.cases.models import Case
from posventa.cases.services import case_open
from posventa.claims.services import complaint_register
from posventa.engine import services as engine
from posventa.engine.models import HumanTask
from posventa.factories import CompanyFactory, InvoiceFactory, ProductFactory, UserFactory
from posventa.procedures.tests.fixtures import deploy_only

pytestmark = pytest.mark.django_db

MISSING_ID = 2**62  # a valid id no row has
MISSING_NIT = "9999999991"


@pytest.fixture
def theirs(team, customer_product, internet_plans, media):
    """Another executive's customer with a product, a case with a pending
    task, a task already completed, and a complaint."""
    deploy_only("b_plan_change.bpmn")
    other = UserFactory(role=Role.EXECUTIVE, username="otra")
    company = CompanyFactory(executive=other)
    product = ProductFactory(company=company, plan=internet_plans[0], technology="fiber")

    def open_case(on):
        return case_open(
            company=company,
            procedure="B",
            channel="email",
            subject="Cambio de plan",
            product=on,
            user=other,
        )

    case = open_case(product)
    task = HumanTask.objects.get(instance=case.instance)
    # Another product: one product takes one plan change at a time.
    second = ProductFactory(company=company, plan=internet_plans[0], technology="fiber")
    done = HumanTask.objects.get(instance=open_case(second).instance)
    engine.task_complete(
        task_id=done.task_id,
        user=other,
        data={
            "new_plan": internet_plans[1].pk,
            "has_request_letter": True,
            "has_nit_copy": True,
            "has_id_copy": True,
        },
    )
    invoice = InvoiceFactory(product=product, period=date(2026, 1, 1))
    complaint = complaint_register(invoice=invoice, disputed_amount=Decimal("10"), reason="Doble.")
    return {
        "executive": other,
        "company": company,
        "product": product,
        "case": case,
        "task": task,
        "completed_task": done,
        "complaint": complaint,
    }


@pytest.fixture
def ask(client, team):
    """ask(method, path, body=None) as the executive of `customer_product`."""
    key = token_create(user=team[Role.EXECUTIVE], name="test")[1]

    def do(method, path, body=None):
        response = getattr(client, method)(
            f"/api/v1{path}",
            data=json.dumps(body) if body is not None else None,
            content_type="application/json",
            headers={"Authorization": f"Bearer {key}"},
        )
        return response.status_code, response.json()

    return do


def assert_same_answer(ask, method, theirs_path, missing_path, theirs_body=None, missing_body=None):
    theirs_answer = ask(method, theirs_path, theirs_body)
    missing_answer = ask(method, missing_path, missing_body)
    assert theirs_answer == missing_answer
    return theirs_answer


def test_another_portfolios_customer_by_nit_answers_as_a_missing_one(ask, theirs):
    def opening(nit):
        return {"nit": nit, "procedure": "B", "channel": "email", "subject": "x"}

    status, _body = assert_same_answer(
        ask, "post", "/cases", "/cases", opening(theirs["company"].nit), opening(MISSING_NIT)
    )
    assert status == 404
    assert Case.objects.filter(company=theirs["company"]).count() == 2  # theirs, untouched


def test_another_portfolios_customer_by_id_answers_as_a_missing_one(ask, theirs):
    def opening(company_id):
        return {"company_id": company_id, "procedure": "B", "channel": "email", "subject": "x"}

    status, _body = assert_same_answer(
        ask, "post", "/cases", "/cases", opening(theirs["company"].pk), opening(MISSING_ID)
    )
    assert status == 404


def test_another_customers_product_answers_as_a_missing_one(ask, theirs, customer_product):
    def opening(product_id):
        return {
            "nit": customer_product.company.nit,
            "product_id": product_id,
            "procedure": "B",
            "channel": "email",
            "subject": "x",
        }

    status, body = assert_same_answer(
        ask, "post", "/cases", "/cases", opening(theirs["product"].pk), opening(MISSING_ID)
    )
    assert status == 422 and "product_id" in body["errors"]
    assert not Case.objects.filter(company=customer_product.company).exists()


def test_another_portfolios_case_answers_as_a_missing_one(ask, theirs):
    status, _body = assert_same_answer(
        ask, "get", f"/cases/{theirs['case'].number}", "/cases/PV-2026-999999"
    )
    assert status == 404


@pytest.mark.parametrize(
    ("method", "action", "body"),
    [
        ("get", "", None),
        ("post", "/claim", None),
        ("post", "/release", None),
        ("post", "/complete", {"data": {}}),
    ],
)
def test_another_portfolios_task_answers_as_a_missing_one(ask, theirs, method, action, body):
    status, _body = assert_same_answer(
        ask,
        method,
        f"/tasks/{theirs['task'].task_id}{action}",
        f"/tasks/{uuid4()}{action}",
        body,
        body,
    )
    assert status == 404
    assert HumanTask.objects.get(pk=theirs["task"].pk).assignee_id is None


def test_another_portfolios_completed_task_answers_as_a_missing_one(ask, theirs):
    """Not 409 "already completed": that would say the task existed."""
    status, _body = assert_same_answer(
        ask,
        "post",
        f"/tasks/{theirs['completed_task'].task_id}/complete",
        f"/tasks/{uuid4()}/complete",
        {"data": {}},
        {"data": {}},
    )
    assert status == 404


@pytest.mark.parametrize(
    ("method", "action", "body"),
    [("get", "", None), ("post", "/answer", {"state": "assigned"})],
)
def test_another_portfolios_complaint_answers_as_a_missing_one(ask, theirs, method, action, body):
    status, _body = assert_same_answer(
        ask,
        method,
        f"/claims/{theirs['complaint'].pk}{action}",
        f"/claims/{MISSING_ID}{action}",
        body,
        body,
    )
    assert status == 404
    theirs["complaint"].refresh_from_db()
    assert theirs["complaint"].state == "registered"


def test_filters_by_another_portfolios_customer_or_executive_give_what_a_missing_one_gives(
    ask, theirs
):
    company, executive = theirs["company"].pk, theirs["executive"].pk
    assert ask("get", f"/tasks?company_id={company}") == ask(
        "get", f"/tasks?company_id={MISSING_ID}"
    )
    assert ask("get", f"/tasks?company_id={company}") == (200, [])
    month = f"{theirs['case'].received_at:%Y-%m}"
    assert ask("get", f"/indicators/{month}/cases?executive={executive}") == ask(
        "get", f"/indicators/{month}/cases?executive={MISSING_ID}"
    )
    assert ask("get", f"/indicators/{month}/cases?executive={executive}") == (200, [])
