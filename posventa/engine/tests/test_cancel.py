"""Ending a running process by hand: nothing of it waits any more, and the
event log says which steps were left pending — nothing made up."""

from datetime import timedelta

import pytest
import time_machine
from django.db import IntegrityError, transaction
from django.utils import timezone

from posventa.accounts.roles import Role
from posventa.engine import services
from posventa.engine.models import InstanceStatus, MessageSubscription, ProcessInstance


@pytest.fixture
def clerk(make_user):
    return make_user(Role.EXECUTIVE, username="clerk")


def test_cancel_at_a_user_task_removes_the_inbox_row_and_closes_its_log_row(deployed, clerk):
    deployed("approval.bpmn")
    instance = services.instance_start(process_id="approval", business_key="C-1", data={})
    [task] = instance.human_tasks.all()

    services.instance_cancel(instance_id=instance.pk)

    instance.refresh_from_db()
    assert instance.status == InstanceStatus.CANCELLED
    assert instance.completed_at is not None and instance.next_timer_at is None
    assert not instance.human_tasks.exists()
    assert instance.result == {}  # it reached no end event
    path = list(instance.events.values_list("bpmn_id", "cancelled"))
    assert path == [("start", False), ("request", True)]  # no end event made up
    request = instance.events.get(bpmn_id="request")
    assert request.ended_at is not None and request.actor is None
    # Whoever had the form open finds the step gone.
    with pytest.raises(services.TaskAlreadyCompleted):
        services.task_complete(task_id=task.task_id, user=clerk, data={"amount": "10"})


def test_cancel_while_waiting_for_a_message_drops_the_subscription(deployed):
    deployed("waiting.bpmn")
    instance = services.instance_start(
        process_id="waiting", business_key="C-2", data={"job_id": "JOB-1"}
    )
    assert MessageSubscription.objects.filter(instance=instance).exists()

    services.instance_cancel(instance_id=instance.pk)

    instance.refresh_from_db()
    assert not instance.subscriptions.exists() and not instance.waits_for_message
    with pytest.raises(services.NoInstanceWaiting):
        services.deliver_message(name="job_done", correlation={"job_id": "JOB-1"}, payload={})
    assert instance.events.get(bpmn_id="wait_job").cancelled


def test_cancel_while_a_timer_waits_clears_it_and_the_tick_skips_the_instance(deployed):
    deployed("waiting.bpmn")
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        instance = services.instance_start(
            process_id="waiting", business_key="C-3", data={"job_id": "JOB-2"}
        )
        services.deliver_message(
            name="job_done", correlation={"job_id": "JOB-2"}, payload={"job_id": "JOB-2"}
        )
    instance.refresh_from_db()
    assert instance.next_timer_at is not None

    services.instance_cancel(instance_id=instance.pk)

    instance.refresh_from_db()
    assert instance.next_timer_at is None
    with time_machine.travel(start + timedelta(hours=3), tick=False):
        assert services.timers_advance() == 0
    assert not instance.human_tasks.exists()
    assert instance.events.get(bpmn_id="pause").cancelled


def test_an_ended_process_cannot_be_cancelled_and_nothing_changes(deployed):
    deployed("approval.bpmn")
    instance = services.instance_start(process_id="approval", business_key="C-4", data={})
    services.instance_cancel(instance_id=instance.pk)
    instance.refresh_from_db()
    state, ended = instance.state, instance.completed_at
    with pytest.raises(services.InstanceNotRunning):
        services.instance_cancel(instance_id=instance.pk)
    instance.refresh_from_db()
    assert (instance.state, instance.completed_at) == (state, ended)


def test_the_database_refuses_an_ended_process_without_its_end_time(deployed):
    deployed("approval.bpmn")
    instance = services.instance_start(process_id="approval", business_key="C-5", data={})
    with pytest.raises(IntegrityError), transaction.atomic():
        ProcessInstance.objects.filter(pk=instance.pk).update(status=InstanceStatus.CANCELLED)
    with pytest.raises(IntegrityError), transaction.atomic():
        ProcessInstance.objects.filter(pk=instance.pk).update(status="paused")
