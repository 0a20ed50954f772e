"""Reads on cases: the inbox, a case with its history, scoped by the user."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import (
    DateTimeField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Value,
)
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from posventa.accounts.models import User
from posventa.accounts.roles import Capability, Role, can, sees_every_portfolio
from posventa.cases.models import Alert, Case, CaseStatus, Outcome
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
    """The cases of the companies the user may see; for an executive, also
    those whose pending step the team lead handed to her (the team view):
    she must open the case to work on it, though the customer is another's."""
    cases = Case.objects.visible_to(user)
    if can(user, Capability.OWN_PORTFOLIO) and not sees_every_portfolio(user):
        held = HumanTask.objects.filter(assignee=user).values("instance_id")
        cases = Case.objects.filter(
            Q(company__in=Company.objects.visible_to(user)) | Q(instance_id__in=held)
        )
    return cases


# --- the case list -------------------------------------------------------------------------

# The "state" filter's value for a case closed by hand (closed, outcome cancelled).
CANCELLED_STATE = "cancelled"
# The "waiting for" filter's value for an open case with no pending step: its
# process waits for a message (an answer, a work order closed) or a timer.
WAITING_FOR_EVENT = "event"

# The case list's sort keys (the only ones accepted) and the column each orders
# by; "-key" sorts the other way. Ties are broken by the newest first.
CASE_SORTS = {
    "number": "number",
    "received": "received_at",
    "procedure": "procedure",
    "customer": "company__legal_name",
    "state": "status",
    # The 24 hours end a fixed time after the request: order by the request.
    # The team's own work (no request) goes last either way.
    "deadline": "requested_at",
}
DEFAULT_CASE_SORT = "-received"


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
    channel: str = "",
    clock: str = "",
    waiting: str = "",
    sort: str = DEFAULT_CASE_SORT,
    now: datetime | None = None,
) -> QuerySet[Case]:
    """The cases the user may see (`cases_visible_to`), by procedure, state
    (a `CaseStatus`, or `CANCELLED_STATE`), outcome, the days they were
    received on (La Paz, both included), the customer's executive, the
    customer, the channel, where their 24 hours stand (`ClockLevel`, as the
    badge says) and whose step they wait for (a role, or `WAITING_FOR_EVENT`);
    sorted by one of `CASE_SORTS`, the newest first by default. The values
    are trusted: the caller checked them (`list_filters.CaseFilters`)."""
    cases = cases_visible_to(user)
    if procedure:
        cases = cases.filter(procedure=procedure)
    if status == CANCELLED_STATE:
        cases = cases.filter(status=CaseStatus.CLOSED, outcome=Outcome.CANCELLED)
    elif status == CaseStatus.CLOSED:
        cases = cases.filter(status=CaseStatus.CLOSED).exclude(outcome=Outcome.CANCELLED)
    elif status:
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
    if channel:
        cases = cases.filter(channel=channel)
    if clock:
        cases = cases.filter(clock_level_q(clock, now=now))
    if waiting:
        cases = cases.filter(_waiting_for_q(waiting))
    return cases.select_related("company__executive", "product").order_by(*_case_order(sort))


def _case_order(sort: str) -> list:
    descending = sort.startswith("-")
    column = CASE_SORTS.get(sort.removeprefix("-"), CASE_SORTS["received"])
    if column == "received_at":
        return ["-received_at", "-pk"] if descending else ["received_at", "pk"]
    primary = F(column).desc(nulls_last=True) if descending else F(column).asc(nulls_last=True)
    return [primary, "-received_at", "-pk"]


def _waiting_for_q(waiting: str) -> Q:
    steps = HumanTask.objects.filter(instance_id=OuterRef("instance_id"))
    if waiting == WAITING_FOR_EVENT:
        return Q(instance__status=InstanceStatus.RUNNING) & ~Q(Exists(steps))
    return Q(Exists(steps.filter(role=waiting)))


def case_list(**filters) -> QuerySet[Case]:
    """`cases_for`, with each case's pending steps (and who took them) for
    the list's "waiting for" column: one more query per page."""
    pending = (
        HumanTask.objects.select_related("assignee")
        .only("instance_id", "task_id", "name", "role", "assignee")
        .order_by("due_at", "created_at", "pk")
    )
    return (
        cases_for(**filters)
        .select_related("instance")
        .defer("instance__state", "instance__result")
        .prefetch_related(Prefetch("instance__human_tasks", queryset=pending))
    )


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def case_for_instance(instance, *, with_product: bool = False) -> Case | None:
    """The case a process instance runs for (its business key is the case
    number, known before the two are linked). Kept on the instance object, so
    the form, the actions and the hooks of one step share one case and one
    query. `with_product`: read its product and plan in the same query (a
    step's form shows them); the step forgets them before its actions run
    (`process_hooks.before_run`), so what an action changes is read again."""
    if "_case" not in instance.__dict__:
        related = ("company", "product__plan") if with_product else ("company",)
        instance.__dict__["_case"] = (
            Case.objects.select_related(*related).filter(number=instance.business_key).first()
        )
    return instance.__dict__["_case"]


def case_known(instance, case: Case) -> None:
    """The case of a process instance, when its caller already holds it (the
    case just opened): the hooks read no case of their own."""
    instance.__dict__["_case"] = case


def inbox(*, user, procedure: str = "", company_id: int | None = None) -> QuerySet[HumanTask]:
    """The user's pending steps — her role's, hers or nobody's — on the
    customers she may see, and those handed to her on another's customer
    (the team view), the most urgent first."""
    if user is None or not user.is_authenticated:
        return HumanTask.objects.none()
    tasks = inbox_tasks(user).filter(
        Q(instance__case__company__in=Company.objects.visible_to(user))
        | Q(assignee=user, instance__case__isnull=False)
    )
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


class ClockLevel:
    """Where a case stands against its 24 hours: the badge's colours."""

    OK = "ok"  # not answered, time left before the warning hour
    WARNING = "warning"  # not answered, past the warning hour (18 h by default)
    LATE = "late"  # past the 24 hours: not answered yet, or answered late
    DONE = "done"  # answered within the 24 hours
    NONE = "none"  # the team's own work: no customer request, no clock


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
        (past the 24 h), done (answered in time). `clock_level_q` asks the
        database the same question: change both together."""
        if self.attended_at is not None:
            return ClockLevel.DONE if self.seconds_left > 0 else ClockLevel.LATE
        if self.seconds_left <= 0:
            return ClockLevel.LATE
        warn_before = (ATTENTION_HOURS - warning_hours()) * 3600
        return ClockLevel.WARNING if self.seconds_left <= warn_before else ClockLevel.OK


def clock_level_q(level: str, *, now: datetime | None = None) -> Q:
    """The cases whose `case_clock(case).level` is `level` at `now` (or
    `ClockLevel.NONE`: no clock), as a database condition — the case list's
    "24 hours" filter, the same rule as the badge (a test holds them equal)."""
    now = now or timezone.now()
    if level == ClockLevel.NONE:
        return Q(requested_at__isnull=True)
    due = ExpressionWrapper(
        F("requested_at") + Value(timedelta(hours=ATTENTION_HOURS)), output_field=DateTimeField()
    )
    unanswered = Q(requested_at__isnull=False, attended_at__isnull=True)
    if level == ClockLevel.DONE:
        return Q(requested_at__isnull=False, attended_at__lt=due)
    past_due = now - timedelta(hours=ATTENTION_HOURS)
    if level == ClockLevel.LATE:
        return Q(requested_at__isnull=False, attended_at__gte=due) | (
            unanswered & Q(requested_at__lte=past_due)
        )
    warned = now - timedelta(hours=warning_hours())
    if level == ClockLevel.WARNING:
        return unanswered & Q(requested_at__gt=past_due, requested_at__lte=warned)
    if level == ClockLevel.OK:
        return unanswered & Q(requested_at__gt=warned)
    raise ValueError(f"Unknown 24-hour level: {level!r}")


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
    kind: str  # step, pending, cancelled, interaction, document, email, notification, change
    title: str
    who: str = ""
    detail: str = ""
    url: str = ""
    # The customer's e-mail or WhatsApp message an interaction was (channels' triage).
    message_url: str = ""


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
    for interaction in case.interactions.select_related("recorded_by", "inbound_message"):
        message = getattr(interaction, "inbound_message", None)
        entries.append(
            TimelineEntry(
                when=interaction.occurred_at,
                kind="interaction",
                title=interaction.get_channel_display(),
                who=str(interaction.recorded_by),
                detail=interaction.summary,
                message_url=reverse("triage:message", args=[message.pk]) if message else "",
            )
        )
    for document in case.documents.select_related("uploaded_by"):
        entries.append(
            TimelineEntry(
                when=document.created_at,
                kind="document",
                title=document.title,
                who=str(document.uploaded_by) if document.uploaded_by else "",
                # Through the view that checks who may see the case, never /media/;
                # one being generated (or that failed) has no file to link yet.
                url=reverse("cases:document", args=[case.number, document.pk])
                if document.is_ready
                else "",
                detail="" if document.is_ready else document.get_status_display(),
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
    for handed in case.reassignments.select_related("from_user", "to_user", "reassigned_by"):
        entries.append(
            TimelineEntry(
                when=handed.created_at,
                kind="change",
                title=_("Step handed to %(person)s: %(step)s")
                % {"person": handed.to_user, "step": handed.task_name},
                who=str(handed.reassigned_by),
                detail=_("before: %(person)s") % {"person": handed.from_user}
                if handed.from_user
                else _("before: nobody had taken it"),
            )
        )
    # What the customer was told (channels/notify.py), with how its delivery went.
    for note in case.notifications.all():
        detail = note.text
        if note.fallback_of_id:
            detail = _("Sent by e-mail instead of WhatsApp.") + "\n" + detail
        if note.last_error and note.status in ("failed", "gave_up"):
            detail += "\n" + note.last_error
        entries.append(
            TimelineEntry(
                when=note.sent_at or note.created_at,
                kind="notification",
                title=f"{note.get_event_display()} · {note.get_channel_display()} · {note.to}",
                who=str(note.get_status_display()),
                detail=detail,
            )
        )
    # The e-mails a notification carried are shown as the notification.
    for email in case.emails.filter(notification__isnull=True):
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


# --- the team view: who holds what --------------------------------------------------------


class TaskState:
    """A pending step's place against its case's 24 hours, as the team view
    counts it: the customer still waits (ok, warning, late), or not any more
    (answered: the clock stopped; own: the team's own work, no clock)."""

    OK = ClockLevel.OK
    WARNING = ClockLevel.WARNING
    LATE = ClockLevel.LATE
    ANSWERED = "answered"
    OWN = "own"
    ORDER = (LATE, WARNING, OK, ANSWERED, OWN)


def task_state(clock: Clock | None) -> str:
    if clock is None:
        return TaskState.OWN
    if clock.attended_at is not None:
        return TaskState.ANSWERED
    return clock.level


@dataclass(frozen=True)
class HeldTask:
    """A pending step on the team view, with its case's 24 hours."""

    task: HumanTask
    clock: Clock | None
    # Taken by its holder (claimed or handed), or only in her inbox: an
    # executive's step nobody took is her customer's, hers all the same.
    taken: bool

    @property
    def case(self) -> Case:
        return self.task.instance.case

    @property
    def state(self) -> str:
        return task_state(self.clock)


@dataclass
class Holder:
    """A person of a role (or nobody: the role's common inbox) and her steps."""

    user: User | None
    tasks: list[HeldTask]

    @property
    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(TaskState.ORDER, 0)
        for held in self.tasks:
            counts[held.state] += 1
        return counts


@dataclass
class RoleWorkload:
    role: str
    label: str
    people: list[Holder]
    unclaimed: Holder

    @property
    def total(self) -> int:
        return len(self.unclaimed.tasks) + sum(len(p.tasks) for p in self.people)


# The team view lists at most this many steps per person (the counts are of all).
TEAM_TASKS_SHOWN = 50


def team_workload() -> list[RoleWorkload]:
    """Every pending step of a case, by role and by the person who holds it:
    who took it, else — an executive's step — the customer's executive, else
    nobody (the role's common inbox); every active person of each role, even
    with nothing; the most urgent first. Two queries, whatever the team's size."""
    tasks = (
        HumanTask.objects.filter(role__in=Role.values, instance__case__isnull=False)
        .select_related("instance__case__company", "assignee")
        .defer("instance__state", "instance__result", "instructions", "properties")
        .order_by("due_at", "created_at", "pk")
    )
    people = User.objects.filter(is_active=True, role__in=Role.values).order_by(
        "first_name", "last_name", "username"
    )
    workloads = {
        role: RoleWorkload(role, str(label), [], Holder(None, [])) for role, label in Role.choices
    }
    holders: dict[tuple[str, int], Holder] = {}
    for person in people:
        holder = Holder(person, [])
        holders[(person.role, person.pk)] = holder
        workloads[person.role].people.append(holder)
    for task in tasks:
        case = task.instance.case
        holder_id, taken = task.assignee_id, True
        if holder_id is None and task.role == Role.EXECUTIVE:
            holder_id, taken = case.company.executive_id, False
        workload = workloads[task.role]
        if holder_id is None:
            holder = workload.unclaimed
        else:
            holder = holders.get((task.role, holder_id))
            if holder is None:  # handed to someone since deactivated or moved
                holder = Holder(task.assignee or case.company.executive, [])
                holders[(task.role, holder_id)] = holder
                workload.people.append(holder)
        holder.tasks.append(HeldTask(task, case_clock(case), taken))
    for workload in workloads.values():
        for holder in (*workload.people, workload.unclaimed):
            holder.tasks.sort(key=lambda h: TaskState.ORDER.index(h.state))
    return list(workloads.values())


def reassign_candidates(task: HumanTask) -> QuerySet[User]:
    """Whom a pending step may be handed to: the active people of its role,
    but the one who holds it."""
    people = User.objects.filter(is_active=True, role=task.role)
    if task.assignee_id:
        people = people.exclude(pk=task.assignee_id)
    return people.order_by("first_name", "last_name", "username")


def team_task(task_id) -> HumanTask | None:
    """A pending step of a case, for the team view's reassigning page."""
    return (
        HumanTask.objects.filter(
            task_id=task_id, role__in=Role.values, instance__case__isnull=False
        )
        .select_related("instance__case__company__executive", "assignee")
        .defer("instance__state", "instance__result")
        .first()
    )


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


# --- the next move: what a case waits for, and who moves it ------------------------------


class MoveKind:
    """What stands between a case and its next step."""

    TAKE = "take"  # a pending step the viewer may take now
    OTHERS = "others"  # a pending step of another person or role
    WORK_ORDER = "work_order"  # a work order must close (message work_order_closed)
    UTAR = "utar"  # the claims unit must answer (message complaint_resolved)
    TIMER = "timer"  # a date the process waits for, then moves by itself
    CLOSED = "closed"
    CANCELLED = "cancelled"
    STUCK = "stuck"  # nothing pending: an orphan (see `orphans`)


@dataclass(frozen=True)
class Move:
    """One thing the case waits for, as a sentence: `text` says what,
    `detail` the facts around it, `url` where to act or look."""

    kind: str
    text: str
    detail: str = ""
    url: str = ""
    since: datetime | None = None
    task_id: str = ""  # the inbox row, for a pending step

    @property
    def is_step(self) -> bool:
        return self.kind in (MoveKind.TAKE, MoveKind.OTHERS)


@dataclass(frozen=True)
class NextMove:
    """The case page's panel: the steps the viewer may take first, then what
    else the case waits for; its 24 hours alongside."""

    moves: list[Move]
    clock: Clock | None = None

    @property
    def primary(self) -> Move | None:
        return next((m for m in self.moves if m.kind == MoveKind.TAKE), None)

    @property
    def ended(self) -> bool:
        return bool(self.moves) and self.moves[0].kind in (MoveKind.CLOSED, MoveKind.CANCELLED)


def _day(moment: datetime | None) -> str:
    return f"{timezone.localtime(moment):%d/%m/%Y}" if moment else ""


def _day_time(moment: datetime | None) -> str:
    return f"{timezone.localtime(moment):%d/%m/%Y %H:%M}" if moment else ""


@dataclass(frozen=True)
class _Wait:
    """A wait of a process as the engine holds it: a message subscription
    (its correlation values) or a timer (its due moment)."""

    instance: ProcessInstance
    since: datetime | None
    correlation: dict
    due: datetime | None = None


def _wait_work_order(case: Case, user, wait: _Wait) -> Move:
    from posventa.accounts.roles import Capability, can
    from posventa.engine.registry import registry
    from posventa.workorders.models import WorkOrder

    number = str(wait.correlation.get("work_order_id", ""))
    order = WorkOrder.objects.filter(number=number).select_related("visit").first()
    who = registry.role_label(Role.TECHNICAL_MANAGER)
    text = _("Waiting for %(number)s to be closed (%(who)s)") % {"number": number, "who": who}
    if order is None:
        return Move(MoveKind.WORK_ORDER, text, since=wait.since)
    facts = [str(order.get_state_display())]
    if order.scheduled_at:
        facts.append(_("visit on %(when)s") % {"when": _day_time(order.scheduled_at)})
    if order.technician:
        facts.append(_("technician %(name)s") % {"name": order.technician})
    if wait.since:
        facts.append(_("waiting since %(when)s") % {"when": _day_time(wait.since)})
    url = ""
    if can(user, Capability.VIEW_WORK_ORDERS):
        url = reverse("workorders:detail", args=[order.number])
    return Move(MoveKind.WORK_ORDER, text, " · ".join(facts), url, since=wait.since)


def _wait_utar(case: Case, user, wait: _Wait) -> Move:
    from posventa.claims.models import Complaint

    complaint = (
        Complaint.objects.filter(pk=wait.correlation.get("complaint_id"))
        .select_related("invoice")
        .first()
    )
    since = wait.since or (complaint.created_at if complaint else None)
    text = _("Waiting for UTAR's answer since %(day)s") % {"day": _day(since)}
    if complaint is None:
        return Move(MoveKind.UTAR, text, since=since)
    detail = _("Complaint %(number)s on the invoice of %(month)s · %(state)s") % {
        "number": complaint.pk,
        "month": f"{complaint.invoice.period:%m/%Y}",
        "state": complaint.get_state_display(),
    }
    url = reverse("claims:detail", args=[complaint.pk])
    return Move(MoveKind.UTAR, text, detail, url, since=since)


def _suspension_of(case: Case):
    from posventa.inventory.models import Suspension

    if case.product_id is None:
        return None
    return (
        Suspension.objects.filter(product_id=case.product_id, reconnected_on__isnull=True)
        .order_by("-starts_on")
        .first()
    )


def _wait_reconnection_day(case: Case, user, wait: _Wait) -> Move:
    """D: the day the customer asked to be reconnected on."""
    text = _("Reconnects automatically on %(day)s") % {"day": _day(wait.due)}
    detail = _("The day the customer asked for; then the executive tells the customer.")
    return Move(MoveKind.TIMER, text, str(detail), since=wait.since)


def _suspension_detail(case: Case) -> str:
    suspension = _suspension_of(case)
    if suspension is None:
        return ""
    return _("Temporary suspension from %(start)s to %(end)s") % {
        "start": f"{suspension.starts_on:%d/%m/%Y}",
        "end": f"{suspension.ends_on:%d/%m/%Y}",
    }


def _wait_suspension_start(case: Case, user, wait: _Wait) -> Move:
    text = _("Suspends automatically on %(day)s") % {"day": _day(wait.due)}
    return Move(MoveKind.TIMER, text, _suspension_detail(case), since=wait.since)


def _wait_suspension_end(case: Case, user, wait: _Wait) -> Move:
    text = _("Reconnects automatically on %(day)s") % {"day": _day(wait.due)}
    return Move(MoveKind.TIMER, text, _suspension_detail(case), since=wait.since)


def _wait_promise(case: Case, user, wait: _Wait) -> Move:
    from posventa.common.money import format_bs

    promise = case.promises.filter(kept__isnull=True).order_by("-created_at").first()
    text = _("Waiting for the promised payment; checked on %(day)s") % {"day": _day(wait.due)}
    detail = ""
    if promise is not None:
        detail = _("%(amount)s promised for %(day)s") % {
            "amount": format_bs(promise.amount),
            "day": f"{promise.promised_on:%d/%m/%Y}",
        }
    return Move(MoveKind.TIMER, text, detail, since=wait.since)


# Every message a procedure's model waits for, by name → its sentence.
MESSAGE_WAITS = {
    "work_order_closed": _wait_work_order,
    "complaint_resolved": _wait_utar,
}
# Every timer a procedure's model waits on by itself (an intermediate catch
# event), by (process id, element id) → its sentence. The 24-hour boundary
# timers are not waits: they run beside a pending step, whose move shows the
# 24 hours (test_next_move checks every wait of the twelve models is here).
TIMER_WAITS = {
    ("d_suspension", "reconnection_date"): _wait_reconnection_day,
    ("d_suspension_dates", "suspension_first_day"): _wait_suspension_start,
    ("d_suspension_dates", "suspension_over"): _wait_suspension_end,
    ("i_collections", "promise_due"): _wait_promise,
}


def _timer_dues(instance: ProcessInstance) -> dict:
    """{task id: due moment} of the instance's waiting timers, read from its
    state (the instance row keeps only the earliest)."""
    from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
    from SpiffWorkflow.util.task import TaskState

    from posventa.engine import runtime

    dues = {}
    for task in runtime.load(instance.state).get_tasks(state=TaskState.WAITING):
        value = task.internal_data.get("event_value")
        if isinstance(value, str):
            try:
                dues[str(task.id)] = TimerEventDefinition.parse_time_or_duration(value)
            except (ValueError, TypeError):
                continue
    return dues


def _waits(case: Case, user, instances: list[ProcessInstance]) -> list[Move]:
    """What the case's running processes wait for besides a person: messages
    and timers, each with its sentence."""
    import json

    moves = []
    ids = [i.pk for i in instances]
    pending = {
        (e.instance_id, str(e.task_id)): e
        for e in TaskEvent.objects.filter(
            instance_id__in=ids, ended_at__isnull=True, cancelled=False
        ).exclude(kind="UserTask")
    }
    by_id = {i.pk: i for i in instances}
    for subscription in MessageSubscription.objects.filter(instance_id__in=ids).order_by("pk"):
        event = pending.get((subscription.instance_id, str(subscription.task_id)))
        try:
            correlation = json.loads(subscription.correlation)
        except ValueError:
            correlation = {}
        wait = _Wait(
            instance=by_id[subscription.instance_id],
            since=event.started_at if event else None,
            correlation=correlation if isinstance(correlation, dict) else {},
        )
        sentence = MESSAGE_WAITS.get(subscription.message_name)
        if sentence is not None:
            moves.append(sentence(case, user, wait))
        else:
            moves.append(
                Move(
                    MoveKind.STUCK,
                    _("Waiting for the message %(name)s") % {"name": subscription.message_name},
                )
            )
    for instance in instances:
        if instance.next_timer_at is None:
            continue
        timers = [
            (key, event)
            for (instance_id, key), event in pending.items()
            if instance_id == instance.pk
            and (instance.version.process_id, event.bpmn_id) in TIMER_WAITS
        ]
        if not timers:
            continue
        dues = _timer_dues(instance)
        for key, event in timers:
            wait = _Wait(
                instance=instance,
                since=event.started_at,
                correlation={},
                due=dues.get(key, instance.next_timer_at),
            )
            moves.append(
                TIMER_WAITS[(instance.version.process_id, event.bpmn_id)](case, user, wait)
            )
    return moves


def _step_move(case: Case, user, task: HumanTask, takeable: set) -> Move:
    from posventa.engine.services import may_work_on

    since = _day_time(task.created_at)
    if str(task.task_id) in takeable and may_work_on(user, task):
        who = (
            _("You took it")
            if task.assignee_id == user.pk
            else _("In the inbox of %(role)s") % {"role": task.get_role_label()}
        )
        detail = f"{who} · " + _("pending since %(when)s") % {"when": since}
        return Move(
            MoveKind.TAKE,
            _("Complete: %(step)s") % {"step": task.name},
            detail,
            reverse("cases:task", args=[task.task_id]),
            since=task.created_at,
            task_id=str(task.task_id),
        )
    holder = str(task.assignee) if task.assignee_id else task.get_role_label()
    if task.assignee_id:
        holder = f"{holder} ({task.get_role_label()})"
    return Move(
        MoveKind.OTHERS,
        _("Waiting for %(who)s: %(step)s since %(when)s")
        % {"who": holder, "step": task.name, "when": since},
        since=task.created_at,
        task_id=str(task.task_id),
    )


def _visit_detail(case: Case) -> str:
    """The case's support visit still to be made (procedure L): when, who goes, where."""
    from posventa.visits.models import VisitState

    visit = (
        case.visits.filter(state=VisitState.SCHEDULED)
        .select_related("analyst")
        .order_by("starts_at")
        .first()
    )
    if visit is None:
        return ""
    return _("Visit scheduled for %(when)s with %(analyst)s at %(where)s") % {
        "when": _day_time(visit.starts_at),
        "analyst": visit.analyst or "—",
        "where": visit.location,
    }


def _ended_move(case: Case) -> Move:
    if case.outcome == "cancelled":
        return Move(
            MoveKind.CANCELLED,
            _("Cancelled on %(day)s by %(who)s")
            % {"day": _day(case.closed_at), "who": case.cancelled_by or "—"},
            case.cancel_reason,
        )
    return Move(
        MoveKind.CLOSED,
        _("Closed on %(day)s · outcome: %(outcome)s")
        % {"day": _day(case.closed_at), "outcome": case.get_outcome_display()},
    )


def case_next_move(case: Case, user) -> NextMove:
    """What moves the case next, as the case page's panel says it: the
    pending steps (those the viewer may take — her role, nobody's or hers, a
    customer she may see — first, as "Complete: …"), what else its processes
    wait for (a work order to close, UTAR's answer, a date), or how it ended.
    Processes a step of the case started ("PV-…/suspension") count too: a
    closed suspension case still reconnects by itself."""
    from django.db.models import Q

    instances = list(
        ProcessInstance.objects.filter(status=InstanceStatus.RUNNING)
        .filter(Q(pk=case.instance_id) | Q(business_key__startswith=f"{case.number}/"))
        .select_related("version")
        .defer("result")
    )
    moves: list[Move] = []
    if case.status == CaseStatus.CLOSED:
        moves.append(_ended_move(case))
    tasks = list(
        HumanTask.objects.filter(instance__in=instances)
        .select_related("assignee")
        .order_by("due_at", "created_at", "pk")
    )
    if tasks:
        takeable = {
            str(t)
            for t in inbox(user=user)
            .filter(task_id__in=[t.task_id for t in tasks])
            .values_list("task_id", flat=True)
        }
        steps = [_step_move(case, user, task, takeable) for task in tasks]
        visit = _visit_detail(case) if case.procedure == "L" else ""
        if case.status == CaseStatus.WAITING_CUSTOMER:
            visit = str(_("The case waits for the customer's answer."))
        if visit:
            steps = [
                Move(
                    m.kind,
                    m.text,
                    " · ".join(p for p in (m.detail, visit) if p),
                    m.url,
                    m.since,
                    m.task_id,
                )
                for m in steps
            ]
        moves += sorted(steps, key=lambda m: m.kind != MoveKind.TAKE)
    moves += _waits(case, user, instances)
    if not moves:
        moves.append(
            Move(
                MoveKind.STUCK,
                _("Nothing moves this case: no step, date or message is pending."),
                _("Tell the team lead: she can cancel it with a reason."),
            )
        )
    return NextMove(
        moves=moves, clock=case_clock(case) if case.status != CaseStatus.CLOSED else None
    )


def work_orders_to_close(user) -> list["WorkOrderToClose"]:
    """The technical manager's work orders a case waits on (a process
    subscribed to `work_order_closed` with their number): open, on the
    customers she may see, the soonest visit first. Nobody else closes work
    orders, so nobody else gets them. A visit of the calendar is closed
    there, with its engineering service: its row links to the calendar."""
    import json

    from django.db.models import F

    from posventa.accounts.roles import Capability, can
    from posventa.workorders.models import WorkOrder
    from posventa.workorders.services import CLOSED_MESSAGE

    if not can(user, Capability.MANAGE_WORK_ORDERS):
        return []
    waiting: dict[str, list[str]] = {}
    for correlation, key in MessageSubscription.objects.filter(
        message_name=CLOSED_MESSAGE
    ).values_list("correlation", "instance__business_key"):
        try:
            number = json.loads(correlation).get("work_order_id")
        except (ValueError, AttributeError):
            continue
        if number:
            waiting.setdefault(str(number), []).append(key.split("/")[0])
    if not waiting:
        return []
    orders = (
        WorkOrder.objects.visible_to(user)
        .open()
        .filter(number__in=waiting)
        .select_related("company", "visit")
        .order_by(F("scheduled_at").asc(nulls_last=True), "created_at", "pk")
    )
    now = timezone.now()
    rows = []
    for order in orders[:200]:
        visit = getattr(order, "visit", None)
        url = (
            f"{reverse('visits:calendar')}?day={timezone.localtime(visit.starts_at):%Y-%m-%d}"
            if visit is not None
            else reverse("workorders:detail", args=[order.number])
        )
        rows.append(
            WorkOrderToClose(
                order=order,
                cases=sorted(set(waiting[order.number])),
                url=url,
                age=now - order.created_at,
                in_calendar=visit is not None,
            )
        )
    return rows


@dataclass(frozen=True)
class WorkOrderToClose:
    """A row of the technical manager's inbox: an open work order a case waits on."""

    order: object
    cases: list[str]
    url: str
    age: timedelta
    in_calendar: bool = False

    @property
    def age_days(self) -> int:
        return self.age.days


# --- end of the next move ------------------------------------------------------------------
