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
