"""A step is completed once, however often its form is posted: the second
"Completar paso" (a double click, a second tab, the back button) runs nothing
again — no second order request, no second plan change — and lands on the
case's page saying the step was already completed. The engine's row locks
are the guard: the second request waits for the first and then finds the
inbox row gone (sequential on any database; concurrent on PostgreSQL, where
SQLite would serialise the writers anyway)."""

import threading

import pytest
from django.contrib.messages import get_messages
from django.db import connection, connections
from django.test import Client
from django.urls import reverse

from posventa.accounts.roles import Role
from posventa.cases.models import DocumentKind
from posventa.cases.services import case_open
from posventa.engine import runtime
from posventa.engine.models import HumanTask, TaskEvent
from posventa.factories import CompanyFactory, ProductFactory
from posventa.procedures.tests.fixtures import deploy_only
from posventa.procedures.tests.steps import complete, pending

ALL_DOCUMENTS = {"has_request_letter": "on", "has_nit_copy": "on", "has_id_copy": "on"}


def at_order_request(team, internet_plans, product):
    """A plan change waiting for the commercial manager's step, the one that
    changes the plan and prints the order request (the slow one)."""
    case = case_open(
        company=product.company,
        procedure="B",
        channel="email",
        subject="Cambio de plan",
        product=product,
        user=team[Role.EXECUTIVE],
    )
    complete(case, team[Role.EXECUTIVE], {"new_plan": internet_plans[2].pk, **ALL_DOCUMENTS})
    task = pending(case)
    assert task.bpmn_id == "enter_plan_change"
    return case, task


def assert_completed_once(case, task, internet_plans):
    case.refresh_from_db()
    assert TaskEvent.objects.filter(task_id=task.task_id, ended_at__isnull=False).count() == 1
    assert case.documents.filter(kind=DocumentKind.ORDER_REQUEST).count() == 1
    assert case.instance.events.filter(bpmn_id="print_order_request").count() == 1
    assert [t.bpmn_id for t in HumanTask.objects.filter(instance=case.instance)] == ["quality_call"]
    case.product.refresh_from_db()
    assert case.product.plan == internet_plans[2]


def test_a_step_posted_twice_is_completed_once_and_the_second_lands_on_the_case(
    client, procedures, team, customer_product, internet_plans
):
    case, task = at_order_request(team, internet_plans, customer_product)
    client.force_login(team[Role.COMMERCIAL_MANAGER])
    url = reverse("cases:task", args=[task.task_id])
    first = client.post(url, {"new_plan": internet_plans[2].pk})
    assert first.status_code == 302 and first.url == reverse("cases:inbox")
    second = client.post(url, {"new_plan": internet_plans[2].pk})
    assert second.status_code == 302
    assert second.url == reverse("cases:detail", args=[case.number])
    said = [str(m) for m in get_messages(second.wsgi_request)]
    assert any(m.startswith("Este paso ya fue completado") for m in said), said
    assert_completed_once(case, task, internet_plans)
    # Followed, the case page shows the word, and opening the step again too.
    page = client.get(url, follow=True).content.decode()
    assert "Este paso ya fue completado" in page and case.number in page


def test_a_completed_step_of_another_portfolio_still_answers_as_missing(
    client, procedures, team, customer_product, internet_plans
):
    from posventa.factories import UserFactory

    _case, task = at_order_request(team, internet_plans, customer_product)
    client.force_login(team[Role.COMMERCIAL_MANAGER])
    client.post(reverse("cases:task", args=[task.task_id]), {"new_plan": internet_plans[2].pk})
    stranger = UserFactory(username="otra", role=Role.EXECUTIVE)
    client.force_login(stranger)
    response = client.post(reverse("cases:task", args=[task.task_id]), {})
    # The answer never tells that the case exists.
    assert response.url == reverse("cases:inbox")


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("reference_data")
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are tested on PostgreSQL")
def test_two_concurrent_posts_of_a_step_complete_it_once(media, team, internet_plans):
    deploy_only("b_plan_change.bpmn")
    try:
        product = ProductFactory(
            company=CompanyFactory(executive=team[Role.EXECUTIVE]), plan=internet_plans[0]
        )
        case, task = at_order_request(team, internet_plans, product)
        url = reverse("cases:task", args=[task.task_id])
        barrier = threading.Barrier(2)
        answers: list = []

        def post():
            try:
                browser = Client()
                browser.force_login(team[Role.COMMERCIAL_MANAGER])
                barrier.wait(timeout=10)
                response = browser.post(url, {"new_plan": internet_plans[2].pk})
                answers.append((response.status_code, response.url))
            except Exception as error:  # a deadlock or a 500 would land here
                answers.append(repr(error))
            finally:
                connections.close_all()

        threads = [threading.Thread(target=post) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert sorted(answers) == sorted(
            [(302, reverse("cases:inbox")), (302, reverse("cases:detail", args=[case.number]))]
        ), answers
        assert_completed_once(case, task, internet_plans)
    finally:
        runtime.specs.clear()
