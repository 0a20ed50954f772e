"""A step completed at the moment the team lead cancels the case, on
PostgreSQL (SQLite serialises writers): both take the process's row first,
then the case's, so one waits for the other — never a deadlock — and the
case ends cancelled with nothing of its process left waiting."""

import threading

import pytest
from django.db import connection, connections

from posventa.accounts.roles import Role
from posventa.cases.models import CaseStatus, Outcome
from posventa.cases.services import case_cancel, case_open
from posventa.engine import runtime
from posventa.engine import services as engine
from posventa.engine.models import HumanTask, InstanceStatus, MessageSubscription
from posventa.factories import CompanyFactory, ProductFactory
from posventa.procedures.tests.fixtures import deploy_only

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row locks are tested on PostgreSQL"
    ),
]

ALL_DOCUMENTS = {"has_request_letter": "on", "has_nit_copy": "on", "has_id_copy": "on"}


@pytest.fixture
def models(media):
    deploy_only("b_plan_change.bpmn")
    yield
    runtime.specs.clear()


def race(team, internet_plans, product) -> dict:
    """Open a plan change, then complete its first step and cancel the case at once."""
    case = case_open(
        company=product.company,
        procedure="B",
        channel="email",
        subject="Cambio de plan",
        product=product,
        user=team[Role.EXECUTIVE],
    )
    [task] = HumanTask.objects.filter(instance=case.instance)
    barrier = threading.Barrier(2)
    outcomes = {"case": case}

    def complete():
        try:
            barrier.wait(timeout=10)
            engine.task_complete(
                task_id=task.task_id,
                user=team[Role.EXECUTIVE],
                data={"new_plan": internet_plans[2].pk, **ALL_DOCUMENTS},
            )
            outcomes["step"] = "completed"
        except engine.TaskAlreadyCompleted:
            outcomes["step"] = "gone"
        except Exception as error:  # a deadlock would land here
            outcomes["step"] = repr(error)
        finally:
            connections.close_all()

    def cancel():
        try:
            barrier.wait(timeout=10)
            case_cancel(case=case, user=team[Role.TEAM_LEAD], reason="Carrera de prueba.")
            outcomes["cancel"] = "cancelled"
        except Exception as error:
            outcomes["cancel"] = repr(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=complete), threading.Thread(target=cancel)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


def test_a_step_completed_while_the_case_is_cancelled_ends_cancelled_without_deadlock(
    models, team, internet_plans
):
    product = ProductFactory(
        company=CompanyFactory(executive=team[Role.EXECUTIVE]), plan=internet_plans[0]
    )
    for _round in range(4):  # either may take the rows first
        outcomes = race(team, internet_plans, product)
        assert outcomes["cancel"] == "cancelled"
        assert outcomes["step"] in ("completed", "gone")
        case = outcomes["case"]
        case.refresh_from_db()
        assert (case.status, case.outcome) == (CaseStatus.CLOSED, Outcome.CANCELLED)
        instance = case.instance
        assert instance.status == InstanceStatus.CANCELLED and instance.next_timer_at is None
        assert not HumanTask.objects.filter(instance=instance).exists()
        assert not MessageSubscription.objects.filter(instance=instance).exists()
        step = instance.events.get(bpmn_id="check_requirements")
        assert step.cancelled is (outcomes["step"] == "gone")
