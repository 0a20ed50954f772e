"""The statements of the hot path, pinned (issue 17): opening a case and
taking a plain step. Counted as production runs them — each service's
transaction is the real one (a transactional test), so what is counted is
what the service sends the database inside it: no savepoint is hidden. Not
counted: the transaction's BEGIN and COMMIT (SQLite's show as statements,
the PostgreSQL driver sends its own unseen) and what runs once it has
committed (the job that sends the customer's notification: the tests' queue
runs it then; docs/engine.md says what it costs in each profile).

`bench/procedure_b.py` measures their time; this keeps a later change from
slipping back (an opening took about 70 statements before, a plain step 19).
What each statement is for: docs/engine.md, "The hot path"."""

from contextlib import contextmanager

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from posventa.accounts.roles import Role
from posventa.cases.services import case_open
from posventa.channels.models import Notification
from posventa.engine import services as engine
from posventa.engine.models import HumanTask, TaskEvent
from posventa.factories import ContactFactory, ProductFactory
from posventa.procedures.tests.fixtures import deploy_only

pytestmark = pytest.mark.django_db(transaction=True)

DOCUMENTS = {"has_request_letter": "on", "has_nit_copy": "on", "has_id_copy": "on"}


@contextmanager
def at_most(limit: int, monkeypatch):
    """The statements sent inside the block — its transactions' BEGIN and
    COMMIT and what would run after their commit left out; fails above
    `limit`, listing them."""
    monkeypatch.setattr(transaction, "on_commit", lambda *args, **kwargs: None)
    with CaptureQueriesContext(connection) as captured:
        yield
    statements = [
        q["sql"] for q in captured.captured_queries if not q["sql"].startswith(("BEGIN", "COMMIT"))
    ]
    listing = "\n".join(sql[:150] for sql in statements)
    assert len(statements) <= limit, f"{len(statements)} statements:\n{listing}"
    monkeypatch.undo()


@pytest.fixture
def b_deployed(reference_data, media):
    yield deploy_only("b_plan_change.bpmn")


@pytest.fixture
def products(customer_product, internet_plans):
    """Two products of a customer whose contact hears the case number by e-mail."""
    company = customer_product.company
    ContactFactory(company=company, email="compras@cliente.bo", is_primary=True)
    return [
        customer_product,
        ProductFactory(company=company, plan=internet_plans[0], technology="fiber"),
    ]


def open_case(team, product):
    return case_open(
        company=product.company,
        procedure="B",
        channel="email",
        subject="Cambio de plan",
        product=product,
        user=team[Role.EXECUTIVE],
    )


def test_opening_a_case_takes_at_most_20_statements(b_deployed, team, products, monkeypatch):
    """Checked in Python where Python can; the database's own checks made
    in the inserts themselves; no savepoint inside. Counted on the second
    case: the first one parses the process model into the worker's cache.
    15 before the events (issue 19): "case created" and its first step's
    "task created" are 2 rows, each reads the active subscriptions (2), and
    the step asks which of its tasks were already told (1)."""
    open_case(team, products[0])
    with at_most(20, monkeypatch):
        case = open_case(team, products[1])
    assert case.instance.human_tasks.get().bpmn_id == "check_requirements"
    assert case.interactions.get().direction == "inbound"
    assert Notification.objects.filter(case=case, event="received").count() == 1


def test_a_plain_step_claim_and_complete_takes_at_most_12_statements(
    b_deployed, team, products, internet_plans, monkeypatch
):
    """Verify the requirements: the claim is two statements; the step locks
    its row and instance in one, reads its case once for the form and the
    hooks, and writes the instance, the inbox row and the event log once each.
    The next step's "task created" event (issue 19) adds three: which tasks
    were already told, its row, the active subscriptions (the budget was 10)."""
    executive = team[Role.EXECUTIVE]
    case = open_case(team, products[0])
    task = case.instance.human_tasks.get()
    with at_most(12, monkeypatch):
        engine.task_claim(task_id=task.task_id, user=executive)
        engine.task_complete(
            task_id=task.task_id,
            user=executive,
            data={"new_plan": internet_plans[2].pk, **DOCUMENTS},
        )
    [next_task] = HumanTask.objects.filter(instance_id=case.instance_id)
    assert (next_task.bpmn_id, next_task.assignee_id) == ("enter_plan_change", None)
    done = TaskEvent.objects.get(instance_id=case.instance_id, bpmn_id="check_requirements")
    assert done.actor == executive and done.taken_at is not None
    assert done.taken_at <= done.ended_at
