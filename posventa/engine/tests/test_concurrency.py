"""Two people completing the same task at the same moment, on PostgreSQL
(SQLite serialises writers and has no row locks to test)."""

import threading

import pytest
from django.db import connection, connections

from posventa.accounts.roles import Role
from posventa.engine import services
from posventa.engine.models import HumanTask, TaskEvent

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row locks are tested on PostgreSQL"
    ),
]


def test_two_users_completing_one_task_exactly_one_succeeds(deployed, make_user, calls):
    first = make_user(Role.EXECUTIVE, username="first_clerk")
    second = make_user(Role.EXECUTIVE, username="second_clerk")
    deployed("approval.bpmn")
    instance = services.instance_start(process_id="approval", business_key="RACE", data={})
    [task] = instance.human_tasks.all()

    barrier = threading.Barrier(2)
    outcomes = {}

    def complete(user):
        try:
            barrier.wait(timeout=10)
            services.task_complete(task_id=task.task_id, user=user, data={"amount": 5})
            outcomes[user.username] = "completed"
        except services.TaskAlreadyCompleted:
            outcomes[user.username] = "already completed"
        finally:
            connections.close_all()

    threads = [threading.Thread(target=complete, args=(u,)) for u in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes.values()) == ["already completed", "completed"]
    assert TaskEvent.objects.filter(instance=instance, bpmn_id="request").count() == 1
    [next_task] = HumanTask.objects.filter(instance=instance)
    assert next_task.bpmn_id == "approve"


def test_two_users_claiming_one_task_exactly_one_takes_it(deployed, make_user, calls):
    first = make_user(Role.EXECUTIVE, username="first_clerk")
    second = make_user(Role.EXECUTIVE, username="second_clerk")
    deployed("approval.bpmn")
    instance = services.instance_start(process_id="approval", business_key="CLAIM", data={})
    [task] = instance.human_tasks.all()

    barrier = threading.Barrier(2)
    outcomes = {}

    def claim(user):
        try:
            barrier.wait(timeout=10)
            services.task_claim(task_id=task.task_id, user=user)
            outcomes[user.username] = "took it"
        except services.EngineError as error:
            outcomes[user.username] = str(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=claim, args=(u,)) for u in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    task.refresh_from_db()
    winner = task.assignee.username
    loser = ({"first_clerk", "second_clerk"} - {winner}).pop()
    assert outcomes[winner] == "took it"
    assert outcomes[loser] == f"{task.assignee} ya tomó esta tarea."


def _claim_and_complete_at_once(task, *, claimer, completer) -> list[Exception]:
    """One claim and one completion of `task` from two threads at the same
    moment; the errors other than "no longer pending" for the claim."""
    barrier = threading.Barrier(2)
    errors = []

    def claim():
        try:
            barrier.wait(timeout=10)
            services.task_claim(task_id=task.task_id, user=claimer)
        except services.TaskAlreadyCompleted:
            pass  # the completion went first
        except Exception as error:
            errors.append(error)
        finally:
            connections.close_all()

    def complete():
        try:
            barrier.wait(timeout=10)
            services.task_complete(task_id=task.task_id, user=completer, data={"amount": 5})
        except Exception as error:
            errors.append(error)  # the claim went first: not hers any more
        finally:
            connections.close_all()

    threads = [threading.Thread(target=claim), threading.Thread(target=complete)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert all(not thread.is_alive() for thread in threads), "a thread is stuck"
    return errors


def test_a_claim_and_a_completion_at_once_never_wait_crosswise(deployed, make_user, calls):
    """The claim locks the inbox row alone; the step locks the instance, then
    the row. Whichever goes first, the other finds the task gone or claimed
    by someone else: never a deadlock, never half of both."""
    clerk = make_user(Role.EXECUTIVE, username="clerk")
    other = make_user(Role.EXECUTIVE, username="other_clerk")
    deployed("approval.bpmn")
    for attempt in range(5):
        instance = services.instance_start(
            process_id="approval", business_key=f"MIX-{attempt}", data={}
        )
        [task] = instance.human_tasks.all()
        errors = _claim_and_complete_at_once(task, claimer=other, completer=clerk)
        left = list(HumanTask.objects.filter(instance=instance).values_list("bpmn_id", "assignee"))
        if errors:
            assert [type(error).__name__ for error in errors] == ["PermissionDenied"]
            assert left == [("request", other.pk)]
        else:
            assert [bpmn_id for bpmn_id, _ in left] == ["approve"]
