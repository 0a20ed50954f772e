"""Every change to a process instance: start, claim, release, complete, fire
timers, deliver messages, cancel.

Each action is one transaction holding a lock on the instance row: load the
state (the engine re-attached by the spec-ref converter), act, run the engine
until it waits, save the state and rebuild what derives from it — inbox rows,
next timer, message subscriptions — and append to the event log. Either all
of it commits or none.
"""

import json
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from uuid import UUID

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from SpiffWorkflow.bpmn.util.event import BpmnEvent
from SpiffWorkflow.exceptions import WorkflowException
from SpiffWorkflow.util.task import TaskState

from posventa.engine import runtime
from posventa.engine.context import acting_on
from posventa.engine.deployment import latest_version
from posventa.engine.models import (
    HumanTask,
    InstanceStatus,
    MessageSubscription,
    ProcessInstance,
    TaskEvent,
)
from posventa.engine.registry import registry

logger = logging.getLogger(__name__)


class EngineError(Exception):
    """An action on a process that cannot be done; the message says why, in Spanish."""


class TaskAlreadyCompleted(EngineError):
    pass


class NoInstanceWaiting(EngineError):
    pass


class StepFailed(EngineError):
    """The process could not advance (a service action or an expression failed)."""


class InstanceNotRunning(EngineError):
    """The process already ended (completed or cancelled)."""


class FormInvalid(ValidationError):
    """The submitted data does not pass the task's form: `form.errors` says where."""

    def __init__(self, form):
        self.form = form
        super().__init__(form.errors.get_json_data())


# --- starting ------------------------------------------------------------------------


@transaction.atomic
def instance_start(
    *, process_id: str, business_key: str, data: dict, actor=None
) -> ProcessInstance:
    """Start the newest deployed version of `process_id` with `data` as its
    first variables, and run it until it waits for a person, a timer or a message."""
    version = latest_version(process_id)
    instance = ProcessInstance(version=version, business_key=business_key, state="")
    instance.save()
    with acting_on(instance, actor):
        try:
            workflow = runtime.start(version.pk, data)
        except WorkflowException as err:
            raise StepFailed(_("The process could not start: %(error)s") % {"error": err}) from err
        _save(instance, workflow, Snapshot(), actor=actor)
    return instance


# --- people --------------------------------------------------------------------------


def may_work_on(user, task: HumanTask) -> bool:
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if task.assignee_id not in (None, user.pk):
        return False
    return user.is_superuser or task.role in registry.user_roles(user)


def _locked_task(task_id: UUID) -> HumanTask:
    """The inbox row and its instance, both locked, or TaskAlreadyCompleted.

    The instance's row first, then the inbox row: every action on a process
    takes them in that order (a timer, a message or a cancel locks the
    instance, then rebuilds or deletes its inbox rows; the host's hooks then
    update its own rows, the case), so two actions never wait on each other
    crosswise. Whoever waits on the lock while another completes the task
    finds, once the lock is released, that the row is gone."""
    gone = TaskAlreadyCompleted(_("This task is no longer pending: someone already completed it."))
    locked = ProcessInstance.objects.select_for_update(of=("self",)).filter(
        human_tasks__task_id=task_id
    )
    if not list(locked.values_list("pk")):
        raise gone
    try:
        return (
            HumanTask.objects.select_for_update(of=("self", "instance"))
            .select_related("instance")
            .get(task_id=task_id)
        )
    except HumanTask.DoesNotExist:
        raise gone from None


@transaction.atomic
def task_claim(*, task_id: UUID, user) -> HumanTask:
    """Take a task of one's role, so that it leaves the others' inboxes."""
    task = _locked_task(task_id)
    if task.assignee_id == user.pk:
        return task
    if task.assignee_id is not None:
        raise EngineError(_("%(name)s already took this task.") % {"name": task.assignee})
    if not may_work_on(user, task):
        raise PermissionDenied(_("This task belongs to another role."))
    task.assignee = user
    task.save(update_fields=["assignee"])
    task_taken(task=task)
    return task


def task_taken(*, task: HumanTask) -> None:
    """Note when someone first took the step (claimed it or opened its form):
    where time goes splits waiting in the inbox from working on it."""
    TaskEvent.objects.filter(
        instance_id=task.instance_id, task_id=task.task_id, taken_at__isnull=True
    ).update(taken_at=timezone.now())


@transaction.atomic
def task_release(*, task_id: UUID, user) -> HumanTask:
    """Give a claimed task back to the role's common inbox."""
    task = _locked_task(task_id)
    if task.assignee_id != user.pk and not user.is_superuser:
        raise PermissionDenied(_("Only whoever took the task can release it."))
    task.assignee = None
    task.save(update_fields=["assignee"])
    return task


@transaction.atomic
def task_assign(*, task_id: UUID, user) -> tuple[HumanTask, int | None]:
    """Hand a pending task to `user`, whoever held it (a supervisor's
    decision; the caller checks who may decide it). She must be active and
    work in the task's role. Returns the task and whom it was assigned to
    before (an id, or None). A task completed meanwhile raises
    TaskAlreadyCompleted; anything else refused, EngineError."""
    task = _locked_task(task_id)
    if not getattr(user, "is_active", False):
        raise EngineError(_("%(name)s is not an active user.") % {"name": user})
    if task.role not in registry.user_roles(user):
        raise EngineError(
            _("%(name)s does not work as %(role)s: the task is for that role.")
            % {"name": user, "role": task.get_role_label()}
        )
    if task.assignee_id == user.pk:
        raise EngineError(_("%(name)s already holds this task.") % {"name": user})
    before = task.assignee_id
    task.assignee = user
    task.save(update_fields=["assignee"])
    return task, before


def task_form(task: HumanTask, data=None, files=None):
    """The task's form, bound to `data` when given."""
    form_class = registry.forms[task.form_key]
    return form_class(data=data, files=files, task=task)


@transaction.atomic
def task_complete(*, task_id: UUID, user, data: dict, files=None) -> ProcessInstance:
    """Complete a user task with the data of its form and advance the process.

    Bad data raises FormInvalid and changes nothing; a task already completed
    (by someone else, a second ago) raises TaskAlreadyCompleted."""
    task = _locked_task(task_id)
    if not may_work_on(user, task):
        raise PermissionDenied(_("This task belongs to another role or another person."))
    form = task_form(task, data, files)
    if not form.is_valid():
        raise FormInvalid(form)
    values = form.task_data()
    instance = task.instance
    workflow = runtime.load(instance.state)
    before = _snapshot(workflow)
    spiff_task = runtime.find_task(workflow, task.task_id)
    if spiff_task is None or spiff_task.state != TaskState.READY:
        raise TaskAlreadyCompleted(_("This task is no longer pending."))
    with acting_on(instance, user):
        try:
            spiff_task.data.update(values)
            spiff_task.run()
            runtime.advance(workflow)
        except WorkflowException as err:
            raise StepFailed(
                _("The process could not advance: %(error)s") % {"error": err}
            ) from err
        # The host's bookkeeping first (e.g. "the request was answered now"),
        # so the rebuilt inbox rows see it.
        for hook in registry.on_task_completed:
            hook(instance=instance, task=task, user=user, data=values, form=form)
        _save(instance, workflow, before, actor=user, completed=(task.task_id, values))
    return instance


# --- timers and messages ---------------------------------------------------------------


def timers_advance(*, now: datetime | None = None) -> int:
    """Fire every due timer (the job worker calls this each minute); returns
    how many instances moved. Each instance moves in its own transaction."""
    now = now or timezone.now()
    due = ProcessInstance.objects.filter(
        status=InstanceStatus.RUNNING, next_timer_at__lte=now
    ).values_list("pk", flat=True)
    moved = 0
    for pk in list(due):
        try:
            with transaction.atomic():
                instance = ProcessInstance.objects.select_for_update().get(pk=pk)
                if instance.next_timer_at is None or instance.next_timer_at > now:
                    continue  # another worker got there first
                workflow = runtime.load(instance.state)
                before = _snapshot(workflow)
                with acting_on(instance):
                    runtime.advance(workflow)
                    _save(instance, workflow, before)
                moved += 1
        except WorkflowException:
            logger.exception("Timer of process instance %s failed", pk)
    return moved


def _canonical(values: dict) -> str:
    return json.dumps(values, sort_keys=True, default=str)


@transaction.atomic
def deliver_message(*, name: str, correlation: dict, payload: dict) -> list[ProcessInstance]:
    """Route an outside event (e.g. "work order closed") to the instances
    waiting for it with these correlation values; NoInstanceWaiting says so
    clearly when none does."""
    subscriptions = list(
        MessageSubscription.objects.filter(message_name=name, correlation=_canonical(correlation))
    )
    if not subscriptions:
        raise NoInstanceWaiting(
            _("No process is waiting for the message %(name)s with %(correlation)s.")
            % {"name": name, "correlation": _canonical(correlation)}
        )
    delivered = []
    for instance_id in sorted({s.instance_id for s in subscriptions}):
        instance = ProcessInstance.objects.select_for_update().get(pk=instance_id)
        workflow = runtime.load(instance.state)
        before = _snapshot(workflow)
        waiting = runtime.waiting_messages(workflow, name)
        if not waiting:
            continue
        spiff_task, definition = waiting[0]
        with acting_on(instance):
            try:
                workflow.send_event(
                    BpmnEvent(definition, payload, definition.get_correlations(spiff_task, payload))
                )
                runtime.advance(workflow)
            except WorkflowException as err:
                raise StepFailed(
                    _("The message could not be delivered: %(error)s") % {"error": err}
                ) from err
            _save(instance, workflow, before)
        delivered.append(instance)
    if not delivered:
        raise NoInstanceWaiting(
            _("No process is waiting for the message %(name)s.") % {"name": name}
        )
    return delivered


# --- ending by hand -------------------------------------------------------------------


@transaction.atomic
def instance_cancel(*, instance_id: int) -> ProcessInstance:
    """End a running instance where it stands, before any end event: nothing
    of it waits any more — no inbox row, no timer, no message subscription —
    and the event log closes the steps that were pending as cancelled. No
    step is run and no end event is logged: the log says what happened.

    Under the instance's row lock, so a step completed, a timer fired or a
    message delivered at the same moment either went first (and the cancel
    sees its result) or finds the instance ended (TaskAlreadyCompleted,
    NoInstanceWaiting, or the timer tick skips it). The host records why
    (e.g. the case's reason); the hooks of a save are not called."""
    instance = ProcessInstance.objects.select_for_update().get(pk=instance_id)
    if instance.status != InstanceStatus.RUNNING:
        raise InstanceNotRunning(_("This process has already ended."))
    workflow = runtime.load(instance.state)
    before = _snapshot(workflow)
    with acting_on(instance):
        workflow.cancel()  # every unfinished task, in called processes too, is CANCELLED
    instance.state = runtime.dump(workflow)
    instance.status = InstanceStatus.CANCELLED
    instance.completed_at = timezone.now()
    instance.next_timer_at = None
    instance.waits_for_message = False
    instance.save(
        update_fields=[
            "state",
            "status",
            "completed_at",
            "next_timer_at",
            "waits_for_message",
            "updated_at",
        ]
    )
    instance.human_tasks.all().delete()
    instance.subscriptions.all().delete()
    # Closes the open rows (cancelled=True, at the moment of the cancel);
    # tasks that never started get none.
    _append_events(instance, workflow, before)
    return instance


# --- saving and what derives from the state ---------------------------------------------


_LOGGED_STATES = TaskState.READY | TaskState.STARTED | TaskState.WAITING | TaskState.COMPLETED


@dataclass(frozen=True)
class Snapshot:
    """What the derived rows held at the last save, read from the workflow as
    it was loaded: which user tasks had inbox rows, which tasks had event log
    rows and whether those were closed. Spares reading them back."""

    ready: frozenset = frozenset()
    logged: dict = field(default_factory=dict)  # task id → its event row is closed


def _loggable(task) -> bool:
    spec = task.task_spec
    if getattr(spec, "bpmn_id", None) is None:
        return False  # SpiffWorkflow's own bookkeeping tasks
    # A boundary timer is a step only once it fires.
    return type(spec).__name__ != "BoundaryEvent" or task.state == TaskState.COMPLETED


def _snapshot(workflow) -> Snapshot:
    return Snapshot(
        ready=frozenset(t.id for t in runtime.ready_user_tasks(workflow)),
        logged={
            t.id: t.state in (TaskState.COMPLETED, TaskState.CANCELLED)
            for t in workflow.get_tasks(state=_LOGGED_STATES | TaskState.CANCELLED)
            if _loggable(t)
        },
    )


def _save(
    instance: ProcessInstance, workflow, before: Snapshot, *, actor=None, completed=None
) -> None:
    now = timezone.now()
    instance.state = runtime.dump(workflow)
    instance.next_timer_at = runtime.next_timer_due(workflow)
    if workflow.is_completed() and instance.status != InstanceStatus.COMPLETED:
        instance.status = InstanceStatus.COMPLETED
        instance.completed_at = now
        instance.result = _end_properties(workflow)
        instance.next_timer_at = None
    waiting = runtime.waiting_messages(workflow)
    had_subscriptions, instance.waits_for_message = instance.waits_for_message, bool(waiting)
    instance.save()
    ready = _rebuild_inbox(instance, workflow, before, now)
    _append_events(instance, workflow, before, actor=actor, completed=completed)
    if waiting or had_subscriptions:
        _rebuild_subscriptions(instance, workflow, waiting, had_subscriptions=had_subscriptions)
    for hook in registry.on_saved:
        hook(instance=instance, ready=ready)


def _when(task) -> datetime:
    return datetime.fromtimestamp(task.last_state_change, tz=UTC)


def _end_properties(workflow) -> dict:
    """Properties of the end event the process finished on."""
    ends = [
        runtime.describe(t)
        for t in sorted(
            workflow.get_tasks(state=TaskState.COMPLETED), key=lambda t: t.last_state_change
        )
        if type(t.task_spec).__name__ == "EndEvent" and t.workflow is workflow
    ]
    # A side path (a warning after a timer) may end without properties; the
    # end that says something is the one that counts.
    telling = [info for info in ends if info.properties] or ends
    if not telling:
        return {}
    return {"end_event": telling[-1].bpmn_id, **telling[-1].properties}


def _due(instance, info, ready_at):
    if registry.task_due is not None:
        return registry.task_due(instance, info, ready_at)
    hours = info.properties.get("sla_hours")
    return ready_at + timedelta(hours=float(hours)) if hours else None


def _rebuild_inbox(instance, workflow, before: Snapshot, now) -> list:
    ready = {t.id: runtime.describe(t) for t in runtime.ready_user_tasks(workflow)}
    existing = before.ready
    gone = existing - ready.keys()
    if gone:
        instance.human_tasks.filter(task_id__in=gone).delete()
    rows = []
    for task_id in ready.keys() - existing:
        info = ready[task_id]
        rows.append(
            HumanTask(
                instance=instance,
                task_id=task_id,
                bpmn_id=info.bpmn_id,
                name=info.name,
                lane=info.lane or "",
                role=registry.lanes.get(info.lane or "", ""),
                form_key=info.properties.get("formKey", ""),
                created_at=now,
                due_at=_due(instance, info, now),
                instructions=info.instructions,
                properties=info.properties,
            )
        )
    HumanTask.objects.bulk_create(rows)
    return list(ready.values())


def _append_events(instance, workflow, before: Snapshot, *, actor=None, completed=None) -> None:
    new = []
    completed_id, completed_data = completed or (None, None)
    for task in workflow.get_tasks(state=_LOGGED_STATES | TaskState.CANCELLED):
        if not _loggable(task):
            continue
        closed_before = before.logged.get(task.id)
        if closed_before:
            continue
        done = task.state in (TaskState.COMPLETED, TaskState.CANCELLED)
        ended = {}
        if done:
            ended = {"ended_at": _when(task), "cancelled": task.state == TaskState.CANCELLED}
            if task.id == completed_id:
                ended.update(actor=actor, data=completed_data)
        if closed_before is None:
            if task.state == TaskState.CANCELLED:
                continue  # cancelled before it ever started
            info = runtime.describe(task)
            new.append(
                TaskEvent(
                    instance=instance,
                    task_id=task.id,
                    bpmn_id=info.bpmn_id,
                    name=info.name,
                    kind=info.kind,
                    lane=info.lane or "",
                    started_at=_when(task),
                    **ended,
                )
            )
        elif ended:  # its row was open and the task is now done: close it
            TaskEvent.objects.filter(instance=instance, task_id=task.id).update(**ended)
    TaskEvent.objects.bulk_create(new)


def _rebuild_subscriptions(instance, workflow, waiting: list, *, had_subscriptions: bool) -> None:
    if had_subscriptions:
        instance.subscriptions.all().delete()
    rows = []
    for task, definition in waiting:
        properties = [p.name for p in getattr(definition, "correlation_properties", [])]
        if properties:
            values = {}
            # A message caught inside a called process (a call activity)
            # keeps its correlations on that process's own workflow.
            for key_values in task.workflow.correlations.values():
                values.update({k: v for k, v in key_values.items() if k in properties})
        else:
            values = {"business_key": instance.business_key}
        rows.append(
            MessageSubscription(
                instance=instance,
                message_name=definition.name,
                correlation=_canonical(values),
                task_id=task.id,
            )
        )
    MessageSubscription.objects.bulk_create(rows)
