"""Reads on cases: the inbox, a case with its history, scoped by the user."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from posventa.cases.models import Alert, Case
from posventa.cases.rules import ATTENTION_HOURS, attention_due, warning_hours
from posventa.customers.models import Company
from posventa.engine.models import HumanTask, TaskEvent
from posventa.engine.selectors import inbox_tasks


def cases_visible_to(user) -> QuerySet[Case]:
    return Case.objects.visible_to(user)


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


def case_clock(case: Case) -> Clock:
    return Clock(due_at=attention_due(case.received_at), attended_at=case.attended_at)


@dataclass(frozen=True)
class TimelineEntry:
    when: datetime
    kind: str  # step, interaction, document
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
                    kind="step" if event.ended_at else "pending",
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
