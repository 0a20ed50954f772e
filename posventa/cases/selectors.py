"""Reads on cases: the inbox, a case with its history, scoped by the user."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Exists, OuterRef, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from posventa.accounts.roles import Role
from posventa.cases.models import Alert, Case, CaseStatus
from posventa.cases.rules import ATTENTION_HOURS, attention_due, warning_hours
from posventa.customers.models import Company
from posventa.engine.models import (
    HumanTask,
    InstanceStatus,
    MessageSubscription,
    ProcessInstance,
    TaskEvent,
)
from posventa.engine.selectors import inbox_tasks


def cases_visible_to(user) -> QuerySet[Case]:
    return Case.objects.visible_to(user)


def cases_for(
    *,
    user,
    procedure: str = "",
    status: str = "",
    outcome: str = "",
    received_from: date | None = None,
    received_to: date | None = None,
    executive_id: int | None = None,
    company_id: int | None = None,
) -> QuerySet[Case]:
    """The cases the user may see (`cases_visible_to`: those of the companies
    she may open), by procedure, status, outcome, the days they were received
    on (La Paz, both included), the customer's executive and the customer if
    asked; the newest first."""
    cases = cases_visible_to(user)
    if procedure:
        cases = cases.filter(procedure=procedure)
    if status:
        cases = cases.filter(status=status)
    if outcome:
        cases = cases.filter(outcome=outcome)
    if received_from is not None:
        cases = cases.filter(received_at__gte=_start_of(received_from))
    if received_to is not None:
        cases = cases.filter(received_at__lt=_start_of(received_to + timedelta(days=1)))
    if executive_id:
        cases = cases.filter(company__executive_id=executive_id)
    if company_id:
        cases = cases.filter(company_id=company_id)
    return cases.select_related("company__executive", "product").order_by("-received_at", "-pk")


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def case_for_instance(instance) -> Case | None:
    """The case a process instance runs for (its business key is the case
    number, known before the two are linked). Kept on the instance object, so
    the hooks of one step share one case and one query."""
    if "_case" not in instance.__dict__:
        instance.__dict__["_case"] = (
            Case.objects.select_related("company").filter(number=instance.business_key).first()
        )
    return instance.__dict__["_case"]


def inbox(*, user, procedure: str = "", company_id: int | None = None) -> QuerySet[HumanTask]:
    """The user's pending steps — her role's, hers or nobody's — on the
    customers she may see, the most urgent first."""
    tasks = inbox_tasks(user).filter(instance__case__company__in=Company.objects.visible_to(user))
    if procedure:
        tasks = tasks.filter(instance__case__procedure=procedure)
    if company_id:
        tasks = tasks.filter(instance__case__company_id=company_id)
    # The instance is joined for its case; its state (kilobytes of JSON) is not needed.
    return tasks.select_related("instance__case__company", "assignee").defer(
        "instance__state", "instance__result"
    )


def alerts_for(user) -> QuerySet[Alert]:
    """Unread warnings for the user's role, on the customers she may see."""
    if user is None or not user.is_authenticated or not user.role:
        return Alert.objects.none()
    return (
        Alert.objects.filter(role=user.role, read_at__isnull=True)
        .filter(case__company__in=Company.objects.visible_to(user))
        .select_related("case__company")
        .order_by("-created_at")
    )


@dataclass(frozen=True)
class Clock:
    """Where a case stands against its 24 hours."""

    due_at: datetime
    attended_at: datetime | None

    @property
    def seconds_left(self) -> float:
        end = self.attended_at or timezone.now()
        return (self.due_at - end).total_seconds()

    @property
    def level(self) -> str:
        """ok, warning (from the watch's warning hour, 18 h by default), late
        (past the 24 h), done (answered in time)."""
        if self.attended_at is not None:
            return "done" if self.seconds_left > 0 else "late"
        if self.seconds_left <= 0:
            return "late"
        warn_before = (ATTENTION_HOURS - warning_hours()) * 3600
        return "warning" if self.seconds_left <= warn_before else "ok"


def case_clock(case: Case) -> Clock | None:
    """The 24 hours of a customer's request, from when it reached the team;
    none for the team's own work (a collections call, a loyalty call, a
    preventive review) until the customer reports a damage in it."""
    if case.requested_at is None:
        return None
    return Clock(due_at=attention_due(case.requested_at), attended_at=case.attended_at)


@dataclass(frozen=True)
class TimelineEntry:
    when: datetime
    kind: str  # step, pending, cancelled, interaction, document, email, change
    title: str
    who: str = ""
    detail: str = ""
    url: str = ""


def case_timeline(case: Case) -> list[TimelineEntry]:
    """Steps, interactions, documents and e-mails of the case, in order."""
    entries = []
    if case.instance_id:
        events = TaskEvent.objects.filter(
            instance_id=case.instance_id, kind__in=["UserTask", "ServiceTask"]
        ).select_related("actor")
        for event in events:
            entries.append(
                TimelineEntry(
                    when=event.ended_at or event.started_at,
                    # A step left pending when its path or its case ended says so.
                    kind="cancelled"
                    if event.cancelled
                    else ("step" if event.ended_at else "pending"),
                    title=event.name,
                    who=str(event.actor) if event.actor else "",
                    detail=event.lane,
                )
            )
    for interaction in case.interactions.select_related("recorded_by"):
        entries.append(
            TimelineEntry(
                when=interaction.occurred_at,
                kind="interaction",
                title=interaction.get_channel_display(),
                who=str(interaction.recorded_by),
                detail=interaction.summary,
            )
        )
    for document in case.documents.select_related("uploaded_by"):
        entries.append(
            TimelineEntry(
                when=document.created_at,
                kind="document",
                title=document.title,
                who=str(document.uploaded_by) if document.uploaded_by else "",
                # Through the view that checks who may see the case, never /media/.
                url=reverse("cases:document", args=[case.number, document.pk]),
            )
        )
    for change in case.product_changes.select_related("product"):
        entries.append(
            TimelineEntry(
                when=change.created_at,
                kind="change",
                title=str(change),
                detail=change.product.service_number,
            )
        )
    # The technical manager's calls to the Operations Center for the case's
    # work orders (procedure E step 11, J 5.1, K 14): whom, the priority agreed.
    for agreed in case.prioritisations.select_related("work_order", "recorded_by"):
        entries.append(
            TimelineEntry(
                when=agreed.called_at,
                kind="change",
                title=_("Prioritised with the Operations Center: %(priority)s")
                % {"priority": agreed.get_priority_display()},
                who=str(agreed.recorded_by),
                detail=f"{agreed.work_order.number} · {agreed.operations_contact}: "
                f"{agreed.agreement}",
            )
        )
    for email in case.emails.all():
        recipients = ", ".join(email.to)
        if email.cc:
            recipients += " · CC " + ", ".join(email.cc)
        entries.append(
            TimelineEntry(
                when=email.sent_at or email.created_at,
                kind="email",
                title=email.subject,
                who=str(email.get_status_display()),
                detail=recipients,
            )
        )
    return sorted(entries, key=lambda e: e.when)


# --- orphans: cases nothing moves any more ------------------------------------------------


class OrphanKind:
    """Why a case is stuck: nothing it waits for can ever come."""

    NO_PROCESS = "no_process"  # open, and no process was started for it
    PROCESS_ENDED = "process_ended"  # open, and its process has ended
    NOTHING_PENDING = "nothing_pending"  # its process waits for no step, timer or message
    NOBODYS_STEP = "nobodys_step"  # a pending step belongs to no role
    STILL_RUNNING = "still_running"  # closed, and its process still runs

    LABELS = {
        NO_PROCESS: _("open, without a process"),
        PROCESS_ENDED: _("open, and its process has ended"),
        NOTHING_PENDING: _("its process waits for no step, timer or message"),
        NOBODYS_STEP: _("a pending step belongs to no role"),
        STILL_RUNNING: _("closed, and its process still runs"),
    }


@dataclass(frozen=True)
class Orphan:
    """A case (or a process) nothing will move any more: its process waits
    for no inbox row, timer or message, or the case and its process
    disagree on whether it ended. There should never be any; the team lead
    cancels the case, or asks why."""

    kind: str
    case: Case | None
    instance: ProcessInstance | None = None
    detail: str = ""

    @property
    def label(self) -> str:
        return str(OrphanKind.LABELS[self.kind])

    @property
    def business_key(self) -> str:
        return self.case.number if self.case else self.instance.business_key


def _owner_case(instance) -> Case | None:
    """The case a process runs for: its own, or — for a process a case's step
    started (procedure D's dates: "PV-2026-000123/suspension") — the case
    its business key names first."""
    case = getattr(instance, "case", None)
    if case is not None:
        return case
    return (
        Case.objects.select_related("company").filter(number=instance.business_key.split("/")[0])
    ).first()


def orphans() -> list[Orphan]:
    """Every stuck case and process, the oldest first (the team lead's watch
    page, and the background check that warns her)."""
    found: dict[tuple, Orphan] = {}
    open_cases = Case.objects.exclude(status=CaseStatus.CLOSED).select_related("company")
    for case in open_cases.filter(instance__isnull=True):
        found[("case", case.pk)] = Orphan(OrphanKind.NO_PROCESS, case)
    for case in (
        open_cases.filter(instance__isnull=False)
        .exclude(instance__status=InstanceStatus.RUNNING)
        .select_related("instance")
    ):
        found[("case", case.pk)] = Orphan(OrphanKind.PROCESS_ENDED, case, case.instance)
    running = ProcessInstance.objects.filter(status=InstanceStatus.RUNNING).defer("state", "result")
    idle = running.filter(next_timer_at__isnull=True).filter(
        ~Exists(HumanTask.objects.filter(instance=OuterRef("pk"))),
        ~Exists(MessageSubscription.objects.filter(instance=OuterRef("pk"))),
    )
    for instance in idle.select_related("case__company"):
        found[("instance", instance.pk)] = Orphan(
            OrphanKind.NOTHING_PENDING, _owner_case(instance), instance
        )
    for instance in running.filter(case__status=CaseStatus.CLOSED).select_related("case__company"):
        found.setdefault(
            ("instance", instance.pk), Orphan(OrphanKind.STILL_RUNNING, instance.case, instance)
        )
    for task in (
        HumanTask.objects.exclude(role__in=Role.values)
        .select_related("instance__case__company")
        .defer("instance__state", "instance__result")
    ):
        found.setdefault(
            ("instance", task.instance_id),
            Orphan(OrphanKind.NOBODYS_STEP, _owner_case(task.instance), task.instance, task.name),
        )
    return sorted(
        found.values(),
        key=lambda o: (o.case.received_at if o.case else o.instance.started_at, o.business_key),
    )
