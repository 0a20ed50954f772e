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
from django.db.models import Value
from django.db.models.functions import Coalesce
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
    instance = instance_new(version_id=latest_version(process_id).pk, business_key=business_key)
    return instance_run(instance, data=data, actor=actor)


def instance_new(*, version_id: int, business_key: str) -> ProcessInstance:
    """The row of a new instance, whose process has not run yet
    (`instance_run` runs it). With `instance_run`, `instance_start` for a
    service that starts a process as one of its own writes (`case_open`),
    in its transaction and with no savepoint of their own — if they raise,
    the caller's transaction fails with them — and with the host's row (the
    case) written in between, pointing to the instance, for the hooks to
    find."""
    instance = ProcessInstance(version_id=version_id, business_key=business_key, state="")
    instance.save(force_insert=True)
    return instance


def instance_run(instance: ProcessInstance, *, data: dict, actor=None) -> ProcessInstance:
    """Run a new instance (`instance_new`) from its start with `data` as its
    first variables, until it waits; inside the caller's transaction."""
    with acting_on(instance, actor):
        try:
            workflow = runtime.start(instance.version_id, data)
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
    """The inbox row and its instance, both locked, in one statement, or
    TaskAlreadyCompleted.

    The instance's row first, then the inbox row (`FOR UPDATE OF` locks
    them in the order it names them): every action on a process takes them
    in that order (a timer, a message or a cancel locks the instance, then
    rebuilds or deletes its inbox rows; the host's hooks then update its own
    rows, the case), so two actions never wait on each other crosswise.
    Whoever waits on the lock while another completes the task finds, once
    the lock is released, that the row is gone."""
    try:
        return (
            HumanTask.objects.select_for_update(of=("instance", "self"))
            .select_related("instance")
            .get(task_id=task_id)
        )
    except HumanTask.DoesNotExist:
        raise TaskAlreadyCompleted(
            _("This task is no longer pending: someone already completed it.")
        ) from None


def task_claim(*, task_id: UUID, user) -> HumanTask:
    """Take a task of one's role, so that it leaves the others' inboxes.

    Two statements and no transaction of its own: the row as it is, then
    one conditional update that takes it only if nobody holds it yet (a
    single statement is atomic, and locks the inbox row alone, so it cannot
    wait crosswise with a step or a cancel holding the instance). When the
    update finds it taken or gone meanwhile, the row is read again to say
    by whom."""
    task = HumanTask.objects.filter(task_id=task_id).first()
    if task is None:
        raise TaskAlreadyCompleted(
            _("This task is no longer pending: someone already completed it.")
        )
    if task.assignee_id == user.pk:
        return task
    if task.assignee_id is not None:
        raise EngineError(_("%(name)s already took this task.") % {"name": task.assignee})
    if not may_work_on(user, task):
        raise PermissionDenied(_("This task belongs to another role."))
    now = timezone.now()
    taken = HumanTask.objects.filter(pk=task.pk, assignee__isnull=True).update(
        assignee=user, taken_at=Coalesce("taken_at", Value(now))
    )
    if not taken:
        return task_claim(task_id=task_id, user=user)  # says who has it now, or that it is gone
    task.assignee = user
    task.taken_at = task.taken_at or now
    return task


def task_taken(*, task: HumanTask) -> None:
    """Note when someone first took the step (claimed it or opened its form):
    where time goes splits waiting in the inbox from working on it."""
    if task.taken_at is None:
        HumanTask.objects.filter(pk=task.pk, taken_at__isnull=True).update(taken_at=timezone.now())


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
    instance = task.instance
    workflow = runtime.load(instance.state)
    spiff_task = runtime.find_task(workflow, task.task_id)
    if spiff_task is None or spiff_task.state != TaskState.READY:
        raise TaskAlreadyCompleted(_("This task is no longer pending."))
    # The form reads the variables from the workflow just loaded, not again.
    task.__dict__["_variables"] = dict(spiff_task.data)
    form = task_form(task, data, files)
    if not form.is_valid():
        raise FormInvalid(form)
    values = form.task_data()
    before = _snapshot(workflow)
    for hook in registry.before_run:
        hook(instance=instance)
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
        _save(
            instance,
            workflow,
            before,
            actor=user,
            completed=Completed(task.task_id, values, task.taken_at),
        )
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


_INSTANCE_STEP_FIELDS = [
    "state",
    "next_timer_at",
    "status",
    "completed_at",
    "result",
    "waits_for_message",
    "updated_at",
]


@dataclass(frozen=True)
class Completed:
    """The user task a save completes: what was submitted, and when the
    person took it (its inbox row's `taken_at`), for its event-log row."""

    task_id: UUID
    data: dict
    taken_at: datetime | None = None


def _save(
    instance: ProcessInstance,
    workflow,
    before: Snapshot,
    *,
    actor=None,
    completed: Completed | None = None,
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
    # The row exists (a start inserted it): only what a step can change.
    instance.save(update_fields=_INSTANCE_STEP_FIELDS)
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
    """The inbox rows of the user tasks now ready: the rows of those done are
    deleted, rows for the new ones written. The common step — one task done,
    the next one ready — rewrites the done task's row as the next one: one
    statement instead of a delete and an insert."""
    ready = {t.id: runtime.describe(t) for t in runtime.ready_user_tasks(workflow)}
    existing = before.ready
    gone = list(existing - ready.keys())
    rows = [
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
        for task_id, info in ready.items()
        if task_id not in existing
    ]
    if len(gone) == 1 and len(rows) == 1:
        row = rows[0]
        if instance.human_tasks.filter(task_id=gone[0]).update(
            **{f: getattr(row, f) for f in _INBOX_FIELDS}, assignee=None, taken_at=None
        ):
            gone, rows = [], []
    if gone:
        instance.human_tasks.filter(task_id__in=gone).delete()
    if rows:
        HumanTask.objects.bulk_create(rows)
    return list(ready.values())


_INBOX_FIELDS = [
    "task_id",
    "bpmn_id",
    "name",
    "lane",
    "role",
    "form_key",
    "created_at",
    "due_at",
    "instructions",
    "properties",
]


def _append_events(
    instance, workflow, before: Snapshot, *, actor=None, completed: Completed | None = None
) -> None:
    """The event log's rows for what this save changed, in one statement: a
    row for each task that started, and the rows of those that ended closed
    (an upsert on the row's instance and task: a new row is inserted, an
    open one gets its end)."""
    rows = []
    for task in workflow.get_tasks(state=_LOGGED_STATES | TaskState.CANCELLED):
        if not _loggable(task):
            continue
        closed_before = before.logged.get(task.id)
        if closed_before:
            continue
        done = task.state in (TaskState.COMPLETED, TaskState.CANCELLED)
        if closed_before is not None and not done:
            continue  # its row is open and the task still runs: nothing changed
        if closed_before is None and task.state == TaskState.CANCELLED:
            continue  # cancelled before it ever started
        info = runtime.describe(task)
        row = TaskEvent(
            instance=instance,
            task_id=task.id,
            bpmn_id=info.bpmn_id,
            name=info.name,
            kind=info.kind,
            lane=info.lane or "",
            # A row already open keeps its start (not among the fields updated).
            started_at=_when(task),
        )
        if done:
            row.ended_at = _when(task)
            row.cancelled = task.state == TaskState.CANCELLED
            if completed is not None and task.id == completed.task_id:
                row.actor = actor
                row.data = completed.data
                row.taken_at = completed.taken_at
        rows.append(row)
    if rows:
        TaskEvent.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["instance", "task_id"],
            update_fields=["ended_at", "cancelled", "actor", "data", "taken_at"],
        )


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
