from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from posventa.accounts.roles import Role
from posventa.engine import services
from posventa.engine.models import HumanTask, InstanceStatus, MessageSubscription, TaskEvent
from posventa.engine.tests.conftest import model_files


@pytest.fixture
def clerk(make_user):
    return make_user(Role.EXECUTIVE, username="clerk")


@pytest.fixture
def boss(make_user):
    return make_user(Role.COMMERCIAL_MANAGER, username="boss")


def only_task(instance) -> HumanTask:
    [task] = instance.human_tasks.all()
    return task


def test_a_started_process_waits_in_the_inbox_of_its_lane_role(deployed, clerk):
    deployed("approval.bpmn")
    instance = services.instance_start(process_id="approval", business_key="K-1", data={})
    task = only_task(instance)
    assert (task.bpmn_id, task.lane, task.role, task.form_key) == (
        "request",
        "Clerk",
        "executive",
        "test/request",
    )
    assert task.assignee is None
    assert instance.status == InstanceStatus.RUNNING


def test_a_process_runs_to_its_end_and_records_the_outcome_and_the_path(
    deployed, clerk, boss, calls
):
    deployed("approval.bpmn")
    instance = services.instance_start(process_id="approval", business_key="K-2", data={})
    services.task_complete(task_id=only_task(instance).task_id, user=clerk, data={"amount": "300"})
    approve = only_task(instance)
    assert approve.role == "commercial_manager"
    assert approve.due_at == approve.created_at + timedelta(hours=24)

    services.task_complete(task_id=approve.task_id, user=boss, data={"approved": "on"})

    instance.refresh_from_db()
    assert instance.status == InstanceStatus.COMPLETED
    assert instance.result == {"end_event": "end_approved", "outcome": "fulfilled"}
    assert calls == [("record", "K-2", 300)]
    assert not instance.human_tasks.exists()
    assert instance.next_timer_at is None
    path = list(instance.events.values_list("bpmn_id", flat=True))
    assert path == ["start", "request", "approve", "decide", "record", "end_approved"]
    request = instance.events.get(bpmn_id="request")
    assert request.actor == clerk and request.data == {"amount": 300}
    assert all(e.ended_at for e in instance.events.all())


def test_the_default_flow_is_taken_when_no_condition_holds(deployed, clerk, boss):
    deployed("approval.bpmn")
    instance = services.instance_start(process_id="approval", business_key="K-3", data={})
    services.task_complete(task_id=only_task(instance).task_id, user=clerk, data={"amount": 5000})
    services.task_complete(task_id=only_task(instance).task_id, user=boss, data={"approved": "on"})
    instance.refresh_from_db()
    assert instance.result["outcome"] == "rejected"


def test_invalid_form_data_changes_nothing(deployed, clerk):
    deployed("approval.bpmn")
    instance = services.instance_start(process_id="approval", business_key="K-4", data={})
    state_before = instance.state
    task = only_task(instance)
    with pytest.raises(services.FormInvalid) as excinfo:
        services.task_complete(task_id=task.task_id, user=clerk, data={"amount": "-3"})
    assert "amount" in excinfo.value.form.errors
    instance.refresh_from_db()
    assert instance.state == state_before
    assert only_task(instance).pk == task.pk


def test_another_role_may_not_complete_or_claim(deployed, boss):
    deployed("approval.bpmn")
    instance = services.instance_start(process_id="approval", business_key="K-5", data={})
    task = only_task(instance)
    with pytest.raises(PermissionDenied):
        services.task_complete(task_id=task.task_id, user=boss, data={"amount": 1})
    with pytest.raises(PermissionDenied):
        services.task_claim(task_id=task.task_id, user=boss)


def test_claiming_reserves_the_task_and_releasing_gives_it_back(deployed, clerk, make_user):
    other = make_user(Role.EXECUTIVE, username="other_clerk")
    deployed("approval.bpmn")
    instance = services.instance_start(process_id="approval", business_key="K-6", data={})
    task = services.task_claim(task_id=only_task(instance).task_id, user=clerk)
    assert task.assignee == clerk
    with pytest.raises(services.EngineError):
        services.task_claim(task_id=task.task_id, user=other)
    with pytest.raises(PermissionDenied):
        services.task_complete(task_id=task.task_id, user=other, data={"amount": 1})
    services.task_release(task_id=task.task_id, user=clerk)
    assert services.task_claim(task_id=task.task_id, user=other).assignee == other


def test_completing_a_task_twice_says_it_is_already_completed(deployed, clerk):
    deployed("approval.bpmn")
    instance = services.instance_start(process_id="approval", business_key="K-7", data={})
    task_id = only_task(instance).task_id
    services.task_complete(task_id=task_id, user=clerk, data={"amount": 1})
    with pytest.raises(services.TaskAlreadyCompleted):
        services.task_complete(task_id=task_id, user=clerk, data={"amount": 1})
    assert TaskEvent.objects.filter(bpmn_id="request").count() == 1


def test_an_instance_started_on_version_1_finishes_on_version_1(deployed, clerk, boss, calls):
    [v1] = deployed("approval.bpmn")
    old = services.instance_start(process_id="approval", business_key="OLD", data={})
    files = model_files("approval.bpmn")
    # Version 2 no longer records anything on approval.
    files["approval.bpmn"] = files["approval.bpmn"].replace(
        'value="amount" />', 'value="amount * 2" />'
    )
    [v2] = deployed(files=files)
    new = services.instance_start(process_id="approval", business_key="NEW", data={})
    assert (old.version, new.version) == (v1, v2)
    for instance in (old, new):
        services.task_complete(task_id=only_task(instance).task_id, user=clerk, data={"amount": 10})
        services.task_complete(
            task_id=only_task(instance).task_id, user=boss, data={"approved": "on"}
        )
    assert calls == [("record", "OLD", 10), ("record", "NEW", 20)]


def test_the_sla_timer_fires_after_24_hours_without_interrupting_the_task(deployed, clerk, calls):
    deployed("approval.bpmn")
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        instance = services.instance_start(process_id="approval", business_key="K-8", data={})
        services.task_complete(task_id=only_task(instance).task_id, user=clerk, data={"amount": 1})
    instance.refresh_from_db()
    assert instance.next_timer_at == start + timedelta(hours=24)
    with time_machine.travel(start + timedelta(hours=23), tick=False):
        assert services.timers_advance() == 0
    with time_machine.travel(start + timedelta(hours=24, minutes=1), tick=False):
        assert services.timers_advance() == 1
    assert calls == [("warn", "K-8", "sla")]
    instance.refresh_from_db()
    assert only_task(instance).bpmn_id == "approve"  # still waiting for the boss
    assert instance.next_timer_at is None


def test_a_message_reaches_the_instance_waiting_with_its_correlation(deployed, clerk):
    deployed("waiting.bpmn")
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        instance = services.instance_start(
            process_id="waiting", business_key="K-9", data={"job_id": "JOB-7"}
        )
        assert not instance.human_tasks.exists()
        assert MessageSubscription.objects.get().message_name == "job_done"
        with pytest.raises(services.NoInstanceWaiting, match="job_done"):
            services.deliver_message(name="job_done", correlation={"job_id": "JOB-8"}, payload={})
        services.deliver_message(
            name="job_done", correlation={"job_id": "JOB-7"}, payload={"job_id": "JOB-7", "ok": 1}
        )
    instance.refresh_from_db()
    assert not instance.subscriptions.exists()
    assert instance.next_timer_at == start + timedelta(hours=2)
    with time_machine.travel(start + timedelta(hours=2, seconds=1), tick=False):
        services.timers_advance()
    assert only_task(instance).bpmn_id == "tell"
    with pytest.raises(services.NoInstanceWaiting):
        services.deliver_message(name="job_done", correlation={"job_id": "JOB-7"}, payload={})
