"""A timer fires exactly once whatever happens to the worker firing it: an
action that fails or a process killed mid-way leaves the instance as it was
(its transaction rolls back) and the next run fires it once; two workers
firing at the same moment fire each timer once (row locks, PostgreSQL)."""

import threading
import time
from datetime import timedelta

import pytest
import time_machine
from django.db import connection, connections
from django.utils import timezone

from posventa.accounts.roles import Role
from posventa.common.models import WorkerHeartbeat
from posventa.engine import services
from posventa.engine.models import HumanTask, ProcessInstance
from posventa.engine.registry import registry


class _Killed(BaseException):
    """kill -9 in the middle of the action: nothing after it runs in the
    process (a BaseException: no `except Exception` records anything); the
    database drops the dead connection's transaction, as `atomic` does here."""


@pytest.fixture
def warn_action(test_registry):
    """The SLA timer's action writes a row (its effect in the database) and
    then does what `mode` says: "ok", "fail" (an error) or "kill"."""
    mode = {"now": "ok", "pause": 0.0}
    del registry.actions["test_warn"]

    @registry.register_action("test_warn")
    def warn(instance, reason):
        WorkerHeartbeat.objects.create(
            name=f"warned {instance.business_key}", beat_at=timezone.now()
        )
        time.sleep(mode["pause"])
        if mode["now"] == "fail":
            raise RuntimeError("the network feasibility service did not answer")
        if mode["now"] == "kill":
            raise _Killed
        return reason

    return mode


def _warned(key: str) -> int:
    return WorkerHeartbeat.objects.filter(name=f"warned {key}").count()


def _waiting_for_the_sla(clerk, key: str) -> ProcessInstance:
    instance = services.instance_start(process_id="approval", business_key=key, data={})
    [task] = instance.human_tasks.all()
    services.task_complete(task_id=task.task_id, user=clerk, data={"amount": 1})
    instance.refresh_from_db()
    return instance


@pytest.mark.django_db
@pytest.mark.parametrize("crash", ["fail", "kill"])
def test_a_timer_whose_firing_crashed_is_unmoved_and_fires_once_on_the_next_run(
    deployed, make_user, warn_action, crash
):
    deployed("approval.bpmn")
    clerk = make_user(Role.EXECUTIVE, username="clerk")
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        instance = _waiting_for_the_sla(clerk, "K-1")
    state, due = instance.state, instance.next_timer_at

    warn_action["now"] = crash
    with time_machine.travel(start + timedelta(hours=24, minutes=1), tick=False):
        if crash == "kill":
            with pytest.raises(_Killed):
                services.timers_advance()
        else:
            assert services.timers_advance() == 0  # logged, the others go on
        instance.refresh_from_db()
        assert (instance.state, instance.next_timer_at) == (state, due)
        assert _warned("K-1") == 0  # the action's write went with the transaction

        warn_action["now"] = "ok"  # the worker restarted, the service answers
        assert services.timers_advance() == 1
        assert services.timers_advance() == 0
    assert _warned("K-1") == 1
    instance.refresh_from_db()
    assert instance.next_timer_at is None
    assert HumanTask.objects.get(instance=instance).bpmn_id == "approve"


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are tested on PostgreSQL")
def test_two_workers_firing_timers_at_the_same_moment_fire_each_once(
    deployed, make_user, warn_action
):
    deployed("approval.bpmn")
    clerk = make_user(Role.EXECUTIVE, username="clerk")
    start = timezone.now()
    keys = [f"K-{n}" for n in range(4)]
    with time_machine.travel(start, tick=False):
        for key in keys:
            _waiting_for_the_sla(clerk, key)
    warn_action["pause"] = 0.1  # each firing holds its lock a while: the other worker meets it

    barrier = threading.Barrier(2)
    moved = []

    def worker():
        try:
            barrier.wait(timeout=10)
            moved.append(services.timers_advance())
        finally:
            connections.close_all()

    with time_machine.travel(start + timedelta(hours=24, minutes=1), tick=False):
        threads = [threading.Thread(target=worker) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)

    assert sum(moved) == len(keys) and len(moved) == 2
    assert [_warned(key) for key in keys] == [1] * len(keys)
    assert not ProcessInstance.objects.filter(next_timer_at__isnull=False).exists()
