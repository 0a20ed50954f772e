"""How a case follows its process: status, outcome, attended time, the
interaction of each step and the 24-hour due time of each inbox row all come
from the process model, not from code per procedure.

- An end event's `outcome` property becomes the case's outcome when it closes.
- A user task with `marks_attended="true"` is the moment the request was
  answered; a case that closes without one was answered when it closed.
- While a task with `waits_for_customer="true"` is pending, the case waits
  for the customer; the time it waited before being attended is added up
  (`customer_wait`) for the indicators.
- A task's form may record an interaction (channel and summary) and apply
  itself to the case (keep documents, the quality call's result).
- The customer hears back (`channels.notify`, docs/notifications.md): when
  the request is attended, when the case closes (only that, when both happen
  at one step), at a user task with `informs_customer="true"` when it is done
  (the step's name and the interaction's summary; it stands for "attended"
  at its step), and at a waiting task with `informs_customer="when_ready"`
  as it starts. A case the team started hears of attended and closed only
  once it became a request.
"""

from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

from posventa.accounts.models import User
from posventa.accounts.roles import Role
from posventa.cases.models import Alert, CaseStatus
from posventa.cases.rules import ATTENTION_HOURS, attention_due
from posventa.cases.selectors import case_for_instance
from posventa.customers.models import Direction
from posventa.customers.services import interaction_record_within
from posventa.engine.models import InstanceStatus
from posventa.engine.registry import registry
from posventa.events import services as events
from posventa.outbox.services import email_queue
from posventa.procedures.catalog import TEAM_INITIATED


def is_true(value) -> bool:
    return str(value).strip().lower() in {"true", "1", "yes"}


def task_due(instance, info, ready_at):
    """Before the customer's request is answered, every step is due by its
    24 h from the request (`Case.requested_at`); afterwards (the quality
    call), and in a case the team started with no request in it (yet), by
    the step's own `sla_hours`."""
    case = case_for_instance(instance)
    if case is not None and case.requested_at is not None and case.attended_at is None:
        return attention_due(case.requested_at)
    hours = float(info.properties.get("sla_hours") or ATTENTION_HOURS)
    return ready_at + timedelta(hours=hours)


def _ready_before_the_request(case, task) -> bool:
    """In a case the team started, a step that was ready before the customer's
    request existed does not answer it: the loyalty call during which the
    customer reported the damage (`case_becomes_request`, run as the call
    completes) is not the damage's answer — E's registration is."""
    return (
        case.procedure in TEAM_INITIATED
        and case.requested_at is not None
        and case.requested_at > task.created_at
    )


def case_changed(case, *fields: str) -> None:
    """A step changed these fields of its case (the request answered, the
    quality call's result): they are saved with whatever else the step
    changes on the case, in one statement, once the process has moved
    (`on_saved`)."""
    case.__dict__.setdefault("_step_changes", set()).update(fields)


def before_run(*, instance) -> None:
    """The step's form read the case with its product (`case_for_instance`);
    the actions about to run may change that product: whoever reads it after
    them reads it again."""
    case = instance.__dict__.get("_case")
    if case is not None:
        case._state.fields_cache.pop("product", None)


def on_task_completed(*, instance, task, user, data, form) -> None:
    case = case_for_instance(instance)
    if case is None:
        return
    attended = False
    if (
        is_true(task.properties.get("marks_attended"))
        and case.attended_at is None
        and not _ready_before_the_request(case, task)
    ):
        case.attended_at = timezone.now()
        case.attended_role = task.role
        case_changed(case, "attended_at", "attended_role")  # the request is answered
        attended = True
    summary = (data.get("interaction_summary") or "").strip()
    # What the customer hears of this step, once the save shows where it led.
    instance.__dict__["_notify_step"] = {
        "name": task.name,
        "summary": summary,
        "informs": task.properties.get("informs_customer", ""),
        "attended": attended,
    }
    if summary:
        interaction_record_within(
            company=case.company,
            user=user,
            channel=data.get("interaction_channel") or case.channel,
            direction=Direction.OUTBOUND,
            summary=f"{task.name}: {summary}",
            case=case,
        )
    apply_to_case = getattr(form, "apply_to_case", None)
    if apply_to_case is not None:
        apply_to_case(case=case, user=user)


def _last_step_role(instance) -> str:
    """The role of the last person's step of a process (who gave the final word)."""
    lane = (
        instance.events.filter(kind="UserTask", ended_at__isnull=False, cancelled=False)
        .order_by("-ended_at", "-pk")
        .values_list("lane", flat=True)
        .first()
    )
    return registry.lanes.get(lane, "") if lane else ""


def on_saved(*, instance, ready) -> None:
    case = case_for_instance(instance)
    if case is None:
        return
    fields = []
    now = timezone.now()
    before = events.case_snapshot(case)  # what the step's events compare with
    if instance.status == InstanceStatus.COMPLETED:
        if case.status != CaseStatus.CLOSED:
            case.status = CaseStatus.CLOSED
            case.closed_at = instance.completed_at
            case.outcome = instance.result.get("outcome") or "fulfilled"
            if case.attended_at is None:
                case.attended_at = instance.completed_at  # answered with the final word
                case.attended_role = _last_step_role(instance)
            fields = ["status", "closed_at", "outcome", "attended_at", "attended_role"]
    else:
        waiting = any(is_true(t.properties.get("waits_for_customer")) for t in ready)
        status = CaseStatus.WAITING_CUSTOMER if waiting else CaseStatus.OPEN
        if case.status != status:
            case.status = status  # the pending step is the customer's
            fields = ["status"]
    began_waiting = case.waiting_since is None and case.status == CaseStatus.WAITING_CUSTOMER
    if began_waiting:
        case.waiting_since = now
        fields.append("waiting_since")
    elif case.waiting_since is not None and case.status != CaseStatus.WAITING_CUSTOMER:
        # The customer answered: the wait counts while the request was not yet attended.
        until = min(now, case.attended_at) if case.attended_at else now
        case.customer_wait += max(until - case.waiting_since, timedelta(0))
        case.waiting_since = None
        fields += ["customer_wait", "waiting_since"]
    fields = sorted({*fields, *case.__dict__.pop("_step_changes", ())})
    if fields:
        # Values the process computed, not input: the database's constraints
        # hold them (a closed case has its outcome, the wait is not negative).
        case.save(update_fields=[*fields, "updated_at"])
    events.step_publish(case=case, before=before, ready=ready)
    _notify(
        instance, case, ready=ready, closed_now="closed_at" in fields, began_waiting=began_waiting
    )


def _notify(instance, case, *, ready, closed_now: bool, began_waiting: bool) -> None:
    """Tell the customer what this save changed (docs/notifications.md): the
    step just done if it informs the customer, a waiting step that informs
    her as it starts, the case closed — or, when none of these, the request
    attended. A case the team started hears of attended and closed only
    once it became a request."""
    done = instance.__dict__.pop("_notify_step", None)
    asked = case.requested_at is not None
    summary = done["summary"] if done else ""
    informed = []
    if done and is_true(done["informs"]):
        informed.append((done["name"], summary))
    if began_waiting:
        informed += [
            (t.name, summary)
            for t in ready
            if str(t.properties.get("informs_customer", "")).lower() == "when_ready"
        ]
    if not (informed or (asked and (closed_now or (done and done["attended"])))):
        return
    from posventa.channels.notify import notify_case

    for step, message in informed:
        notify_case(case=case, event="informed", step=step, message=message)
    if asked and closed_now:
        notify_case(case=case, event="closed")
    elif asked and done and done["attended"] and not informed:
        notify_case(case=case, event="attended")


def warn_team_lead(instance, step: str = "") -> dict:
    """A step broke its time: warn the team leads (an alert in their inbox and
    an e-mail)."""
    case = case_for_instance(instance)
    if case is None:
        return {"warned": 0}
    message = _('Case %(number)s (%(company)s): the step "%(step)s" is past its time.') % {
        "number": case.number,
        "company": case.company,
        "step": step,
    }
    Alert.objects.create(case=case, role=Role.TEAM_LEAD, message=message)
    recipients = list(
        User.objects.filter(role=Role.TEAM_LEAD, is_active=True)
        .exclude(email="")
        .values_list("email", flat=True)
    )
    if recipients:
        # Through the outbox: sent once the step's transaction commits (no
        # e-mail for a rollback), and kept and retried if the mail server or
        # the worker fails meanwhile (docs/resilience.md).
        email_queue(
            template="cases/email/past_its_time",
            to=recipients,
            context={"case": case, "message": message},
            case=case,
        )
    return {"warned": len(recipients)}


def connect() -> None:
    registry.task_due = task_due
    registry.on_task_completed.append(on_task_completed)
    registry.on_saved.append(on_saved)
    registry.before_run.append(before_run)
    registry.register_action("warn_team_lead")(warn_team_lead)
