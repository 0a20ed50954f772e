"""Business events and their webhooks (docs/events.md).

An `Event` is written in the same transaction as the change it tells of
(a case opened, its state changed, a work order closed…): it exists exactly
when that change committed. Each active `Subscription` whose filter matches
gets a `Delivery` with the body frozen at that moment, POSTed signed to its
callback by the worker and retried with backoff until the receiver answers
2xx or the attempts run out."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from posventa.common.models import BaseModel


class EventKind(models.TextChoices):
    CASE_CREATED = "case.created", _("Case opened")
    CASE_STATE_CHANGED = "case.state_changed", _("Case state changed")
    CASE_ATTENDED = "case.attended", _("Case attended")
    CASE_CLOSED = "case.closed", _("Case closed")
    TASK_CREATED = "task.created", _("Task created")
    WORKORDER_CLOSED = "workorder.closed", _("Work order closed")
    PRODUCT_CHANGED = "product.changed", _("Product changed")


class Event(models.Model):
    """Something that happened to a case, a work order or a product, with
    the native payload built when it was published (`data`). A record, not
    a tie: deleting its case or product leaves the event (and the bodies
    already frozen in its deliveries), pointing nowhere."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(_("kind"), max_length=32, choices=EventKind.choices)
    occurred_at = models.DateTimeField(_("occurred at"), db_index=True)
    case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("case"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    work_order = models.ForeignKey(
        "workorders.WorkOrder",
        verbose_name=_("work order"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    product = models.ForeignKey(
        "inventory.Product",
        verbose_name=_("product"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # The user task an event "task.created" tells of: one event per task
    # (the unique constraint), looked up by the case's process hook.
    task_id = models.UUIDField(_("task id"), null=True, blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)

    class Meta:
        ordering = ["-occurred_at"]
        verbose_name = _("event")
        verbose_name_plural = _("events")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=EventKind.values), name="event_kind_valid"
            ),
            models.UniqueConstraint(
                fields=["task_id"],
                condition=models.Q(task_id__isnull=False),
                name="event_one_per_task",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} @ {self.occurred_at:%Y-%m-%d %H:%M:%S}"


class HubApi(models.TextChoices):
    """Which hub a subscription was made on: the native one (/api/v1/hub)
    or a TM Forum API's (/tmf-api/<api>/v4/hub); it decides the body."""

    POSVENTA = "posventa", _("Posventa API")
    TROUBLE_TICKET = "troubleTicket", _("TMF621 Trouble Ticket")
    PRODUCT_ORDERING = "productOrdering", _("TMF622 Product Ordering")
    PRODUCT_INVENTORY = "productInventory", _("TMF637 Product Inventory")


class Subscription(models.Model):
    """A listener's callback: the events of its hub that match `query`
    (TMF688: `eventType=…` and `attr=value` pairs joined by `&`), about the
    customers its owner may see, POSTed signed with `secret`."""

    api = models.CharField(_("API"), max_length=32, choices=HubApi.choices)
    callback = models.URLField(_("callback"), max_length=500)
    query = models.CharField(_("filter"), max_length=500, blank=True)
    # Shown once, to whoever made the subscription; it signs every delivery.
    secret = models.CharField(_("secret"), max_length=100)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.CASCADE,
        related_name="webhook_subscriptions",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("webhook subscription")
        verbose_name_plural = _("webhook subscriptions")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(api__in=HubApi.values), name="subscription_api_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(callback__startswith="http://")
                | models.Q(callback__startswith="https://"),
                name="subscription_callback_http",
            ),
            models.CheckConstraint(
                condition=~models.Q(secret=""), name="subscription_secret_not_empty"
            ),
        ]
        indexes = [
            # event_publish reads the active subscriptions at every event.
            models.Index(
                fields=["api"], condition=models.Q(active=True), name="subscription_active_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.api} → {self.callback}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    # Claimed by a worker, committed before the receiver is spoken to.
    SENDING = "sending", _("Sending")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed, given up")


class Delivery(BaseModel):
    """One event for one subscription: the body as it was when the event
    happened (every retry sends the same bytes, signed afresh), and how its
    attempts went."""

    subscription = models.ForeignKey(
        Subscription,
        verbose_name=_("subscription"),
        on_delete=models.CASCADE,
        related_name="deliveries",
    )
    event = models.ForeignKey(
        Event, verbose_name=_("event"), on_delete=models.CASCADE, related_name="deliveries"
    )
    body = models.BinaryField(_("body"))
    status = models.CharField(
        _("status"), max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(
        _("last status code"), null=True, blank=True
    )
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "event"], name="delivery_once_per_subscription"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=DeliveryStatus.values), name="delivery_status_valid"
            ),
            models.CheckConstraint(
                condition=~models.Q(status=DeliveryStatus.DELIVERED)
                | models.Q(delivered_at__isnull=False),
                name="delivery_delivered_has_time",
            ),
        ]
        indexes = [
            # The every-minute job: the pending deliveries that are due.
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(status__in=["pending", "sending"]),
                name="delivery_due_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event.kind} → {self.subscription.callback}"
