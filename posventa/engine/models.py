"""The engine's tables. Only `ProcessInstance.state` is the truth of a running
process; inbox rows, the next timer and message subscriptions are rebuilt
from it on every save, so they can always be thrown away and recomputed."""

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ProcessVersion(models.Model):
    """The BPMN/DMN files of one process, as deployed; never changed afterwards."""

    process_id = models.CharField(_("process id"), max_length=100)
    name = models.CharField(_("name"), max_length=200)
    version = models.PositiveIntegerField(_("version"))
    checksum = models.CharField(_("checksum"), max_length=64)
    # {file name: XML}: the process's own file first among equals, plus the
    # decision tables and called processes it needs.
    sources = models.JSONField(_("files"))
    main_file = models.CharField(_("main file"), max_length=200)
    deployed_at = models.DateTimeField(_("deployed at"), default=timezone.now)

    class Meta:
        verbose_name = _("process version")
        verbose_name_plural = _("process versions")
        ordering = ["process_id", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["process_id", "version"], name="version_number_once"),
            models.UniqueConstraint(fields=["process_id", "checksum"], name="version_content_once"),
        ]

    def __str__(self) -> str:
        return f"{self.process_id} v{self.version}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise ValueError("A deployed process version is immutable; deploy a new one.")
        super().save(*args, **kwargs)

    @property
    def diagram_xml(self) -> str:
        return self.sources[self.main_file]


class InstanceStatus(models.TextChoices):
    RUNNING = "running", _("Running")
    COMPLETED = "completed", _("Completed")
    # Ended by hand before reaching an end event (services.instance_cancel).
    CANCELLED = "cancelled", _("Cancelled")


class ProcessInstance(models.Model):
    """One run of a process version; `state` is SpiffWorkflow's JSON with a
    reference to the version instead of the whole definition."""

    version = models.ForeignKey(
        ProcessVersion,
        verbose_name=_("version"),
        on_delete=models.PROTECT,
        related_name="instances",
    )
    business_key = models.CharField(_("business key"), max_length=64, db_index=True)
    status = models.CharField(
        _("status"), max_length=16, choices=InstanceStatus.choices, default=InstanceStatus.RUNNING
    )
    # JSON text, not a JSON column: never queried inside, and text keeps the
    # serializer's key order and spares the database a parse on every step.
    state = models.TextField(_("state"))
    # The earliest due time of the instance's waiting timers (rebuilt on save).
    next_timer_at = models.DateTimeField(_("next timer"), null=True, blank=True)
    # Whether it waits for a message (rebuilt on save): spares a subscription
    # rebuild on every step of the instances that never wait for one.
    waits_for_message = models.BooleanField(_("waits for a message"), default=False)
    # Properties of the end event it finished on (e.g. {"outcome": "fulfilled"}).
    result = models.JSONField(_("result"), default=dict, blank=True)
    started_at = models.DateTimeField(_("started at"), default=timezone.now)
    # When it ended: at its end event, or when it was cancelled.
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("process instance")
        verbose_name_plural = _("process instances")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=InstanceStatus.values), name="instance_status_known"
            ),
            # A running instance has not ended; an ended one (completed or
            # cancelled) says when, and waits for no timer.
            models.CheckConstraint(
                condition=models.Q(status="running", completed_at=None)
                | (
                    ~models.Q(status="running")
                    & models.Q(completed_at__isnull=False, next_timer_at=None)
                ),
                name="instance_ended_has_time",
            ),
        ]
        indexes = [
            # The timer tick: running instances whose next timer is due.
            models.Index(
                fields=["next_timer_at"],
                condition=models.Q(status="running", next_timer_at__isnull=False),
                name="instance_due_timer_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.version} · {self.business_key}"


class HumanTask(models.Model):
    """An inbox row: a user task waiting for someone of a role."""

    instance = models.ForeignKey(
        ProcessInstance, on_delete=models.CASCADE, related_name="human_tasks"
    )
    task_id = models.UUIDField(_("task id"), unique=True)
    bpmn_id = models.CharField(_("element"), max_length=100)
    name = models.CharField(_("name"), max_length=200)
    lane = models.CharField(_("lane"), max_length=100)
    role = models.CharField(_("role"), max_length=32)
    form_key = models.CharField(_("form"), max_length=100)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("ready since"))
    # When someone first took it (claimed it or opened its form); the event
    # log's row gets it when the step is completed (`TaskEvent.taken_at`).
    taken_at = models.DateTimeField(_("taken at"), null=True, blank=True)
    due_at = models.DateTimeField(_("due at"), null=True, blank=True)
    instructions = models.TextField(_("instructions"), blank=True)
    properties = models.JSONField(_("properties"), default=dict, blank=True)

    class Meta:
        verbose_name = _("inbox task")
        verbose_name_plural = _("inbox tasks")
        indexes = [
            # The inbox: a role's tasks by due time.
            models.Index(fields=["role", "due_at"], name="humantask_inbox_idx"),
            models.Index(fields=["assignee"], name="humantask_assignee_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_role_label(self) -> str:
        from posventa.engine.registry import registry

        return registry.role_label(self.role)


class TaskEvent(models.Model):
    """The event log: one row per task the process went through, with when it
    started, when it ended and who completed it. Indicators read it."""

    instance = models.ForeignKey(ProcessInstance, on_delete=models.CASCADE, related_name="events")
    task_id = models.UUIDField(_("task id"))
    bpmn_id = models.CharField(_("element"), max_length=100)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=64)
    lane = models.CharField(_("lane"), max_length=100, blank=True)
    started_at = models.DateTimeField(_("started at"))
    # When someone first took the step (claimed it or opened its form): before,
    # it waited in the inbox; after, it was being worked on. Written when the
    # step ends, from its inbox row (`HumanTask.taken_at`).
    taken_at = models.DateTimeField(_("taken at"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    cancelled = models.BooleanField(_("cancelled"), default=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("completed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    data = models.JSONField(
        _("submitted data"), default=dict, blank=True, encoder=DjangoJSONEncoder
    )

    class Meta:
        verbose_name = _("task event")
        verbose_name_plural = _("task events")
        ordering = ["started_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["instance", "task_id"], name="taskevent_once_per_task"),
        ]

    def __str__(self) -> str:
        return self.name


class MessageSubscription(models.Model):
    """An instance waiting for a message with these correlation values."""

    instance = models.ForeignKey(
        ProcessInstance, on_delete=models.CASCADE, related_name="subscriptions"
    )
    message_name = models.CharField(_("message"), max_length=100)
    # Canonical JSON of the instance's correlation values, e.g. {"work_order_id": "WO-7"}.
    correlation = models.CharField(_("correlation"), max_length=255)
    task_id = models.UUIDField(_("task id"))

    class Meta:
        verbose_name = _("message subscription")
        verbose_name_plural = _("message subscriptions")
        indexes = [
            # deliver_message: who waits for this message with this key?
            models.Index(fields=["message_name", "correlation"], name="subscription_lookup_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.message_name} {self.correlation}"
