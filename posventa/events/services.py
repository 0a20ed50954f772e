"""Writes on events and webhooks: publish an event, subscribe, unsubscribe,
retry a delivery (docs/events.md).

    event_publish(kind=EventKind.CASE_CREATED, case=case, data={...})

runs inside the caller's transaction: the event, and one delivery per
matching subscription with its body frozen, are written with the change
they tell of, and the deliveries are sent once it commits
(`common.queue`); a rollback leaves neither event nor delivery."""

import json
import logging
import secrets
from urllib.parse import parse_qsl

from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from posventa.common.queue import enqueue
from posventa.customers.models import company_visible_to
from posventa.events.delivery import callback_addresses
from posventa.events.models import (
    Delivery,
    DeliveryStatus,
    Event,
    EventKind,
    HubApi,
    Subscription,
)

logger = logging.getLogger(__name__)

# The TMF hubs' bodies come from the facade of each API (posventa/tmf/…):
# `hub_event(event)` gives the TMF event for an Event, or None when that API
# has nothing to say about it.
TMF_RENDERERS = {
    HubApi.TROUBLE_TICKET: "posventa.tmf.trouble_ticket.hub_event",
    HubApi.PRODUCT_ORDERING: "posventa.tmf.product_ordering.hub_event",
    HubApi.PRODUCT_INVENTORY: "posventa.tmf.product_inventory.hub_event",
}
QUERY_MAX_PAIRS = 20


def _dumps(value) -> bytes:
    return json.dumps(
        value, cls=DjangoJSONEncoder, ensure_ascii=False, separators=(",", ":")
    ).encode()


def native_body(event: Event) -> dict:
    """The body of the native hub (/api/v1/hub)."""
    return {
        "id": str(event.id),
        "kind": event.kind,
        "occurred_at": event.occurred_at.isoformat(),
        "data": event.data,
    }


def _render(event: Event, api: str) -> dict | None:
    if api == HubApi.POSVENTA:
        return native_body(event)
    try:
        # Its own savepoint: a facade that fails leaves the caller's change whole.
        with transaction.atomic():
            return import_string(TMF_RENDERERS[api])(event)
    except Exception:
        logger.exception("The %s hub could not render event %s (%s)", api, event.pk, event.kind)
        return None


# --- the subscriptions' filters (TMF688 `query`) -----------------------------------------


def query_parse(query: str) -> list[tuple[str, list[str]]]:
    """`eventType=A,B&attr.path=value`: each pair an attribute and the values
    it may have (any of them). ValidationError (field "query") when it is not
    such a list."""
    text = (query or "").strip().lstrip("?")
    if not text:
        return []
    try:
        pairs = parse_qsl(text, keep_blank_values=True, strict_parsing=True, max_num_fields=20)
    except ValueError:
        raise ValidationError(
            {
                "query": _(
                    "The filter must be pairs attribute=value joined by &, "
                    "e.g. eventType=case.created."
                )
            }
        ) from None
    if any(not name.strip() for name, _value in pairs):
        raise ValidationError({"query": _("Every pair of the filter needs an attribute name.")})
    return [(name.strip(), [v.strip() for v in value.split(",")]) for name, value in pairs]


def _lookup(body: dict, path: str):
    value = body
    for part in path.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def query_matches(query: str, body: dict, *, kind: str = "") -> bool:
    """Whether a rendered body passes the subscription's filter. `eventType`
    is the TMF body's own, or the native body's `kind`; another attribute is
    a dotted path into the body (in the native body, also into its `data`)."""
    for name, accepted in query_parse(query):
        if name == "eventType":
            value = body.get("eventType", body.get("kind", kind))
        else:
            value = _lookup(body, name)
            if value is None and isinstance(body.get("data"), dict):
                value = _lookup(body["data"], name)
        if value is None or isinstance(value, (dict, list)):
            return False
        if isinstance(value, bool):
            value = "true" if value else "false"
        if str(value) not in accepted:
            return False
    return True


# --- publishing --------------------------------------------------------------------------


def _company(case, work_order, product):
    for subject in (case, work_order, product):
        if subject is not None:
            return subject.company
    return None


def event_publish(
    *, kind: str, case=None, work_order=None, product=None, data: dict | None = None, task_id=None
) -> Event:
    """Record that `kind` happened, inside the caller's transaction, and the
    deliveries of the active subscriptions it matches: on their hub's body,
    by their filter, about a customer their owner may see. The deliveries
    are sent once the transaction commits."""
    if kind not in EventKind.values:
        raise ValueError(f"Unknown event kind: {kind}")
    event = Event.objects.create(
        kind=kind,
        occurred_at=timezone.now(),
        case=case,
        work_order=work_order,
        product=product,
        task_id=task_id,
        data=json.loads(_dumps(data or {})),
    )
    subscriptions = list(Subscription.objects.filter(active=True).select_related("owner"))
    if not subscriptions:
        return event
    company = _company(case, work_order, product)
    bodies: dict[str, bytes | None] = {}
    deliveries = []
    now = timezone.now()
    for subscription in subscriptions:
        if company is None or not company_visible_to(company, subscription.owner):
            continue  # only what its owner may see (another portfolio's: nothing)
        if subscription.api not in bodies:
            rendered = _render(event, subscription.api)
            bodies[subscription.api] = rendered
        rendered = bodies[subscription.api]
        if rendered is None:
            continue
        try:
            if not query_matches(subscription.query, rendered, kind=kind):
                continue
        except ValidationError:
            continue  # a filter saved before its rules tightened matches nothing
        deliveries.append(
            Delivery(
                subscription=subscription,
                event=event,
                body=_dumps(rendered),
                next_attempt_at=now,
            )
        )
    if deliveries:
        Delivery.objects.bulk_create(deliveries)
        enqueue("posventa.events.jobs.deliver", [d.pk for d in deliveries])
    return event


def case_payload(case, **extra) -> dict:
    """What every case event carries."""
    return {
        "case_number": case.number,
        "company_id": case.company_id,
        "procedure": case.procedure,
        "status": case.status,
        "outcome": case.outcome,
        **extra,
    }


def case_created_publish(*, case) -> Event:
    """A case was opened (cases.services.case_open)."""
    return event_publish(
        kind=EventKind.CASE_CREATED,
        case=case,
        product=case.product,
        data=case_payload(
            case,
            channel=case.channel,
            subject=case.subject,
            received_at=case.received_at,
            product_id=case.product_id,
        ),
    )


def case_changes_publish(*, case, status_before: str, attended: bool = False) -> None:
    """What a save of the case changed, as events: its state (and, when it
    closed, "case.closed" too), and the request attended (`attended`)."""
    if attended and case.attended_at is not None:
        event_publish(
            kind=EventKind.CASE_ATTENDED,
            case=case,
            data=case_payload(case, attended_at=case.attended_at, attended_role=case.attended_role),
        )
    if case.status != status_before:
        event_publish(
            kind=EventKind.CASE_STATE_CHANGED,
            case=case,
            data=case_payload(case, status_before=status_before, status_after=case.status),
        )
        if case.status == "closed":
            event_publish(
                kind=EventKind.CASE_CLOSED,
                case=case,
                data=case_payload(case, closed_at=case.closed_at),
            )


def case_snapshot(case) -> tuple[str, bool]:
    """The case as a step found it, for `step_publish`: its state, and
    whether its request was already attended before this step (a mark the
    step's own task made is pending in `_step_changes`, not yet saved)."""
    pending = case.__dict__.get("_step_changes", ())
    return case.status, case.attended_at is not None and "attended_at" not in pending


def step_publish(*, case, before: tuple[str, bool], ready) -> None:
    """The events of a process step on its case (cases.process_hooks.on_saved):
    its state changed, closed, the request attended, and the user tasks now
    ready that were not before."""
    status_before, attended_before = before
    case_changes_publish(
        case=case,
        status_before=status_before,
        attended=not attended_before and case.attended_at is not None,
    )
    tasks_created_publish(case=case, ready=ready)


def tasks_created_publish(*, case, ready) -> None:
    """The user tasks ready after a step that had no event yet (the engine's
    ready list, `engine.runtime.TaskInfo`): one "task.created" each."""
    if not ready:
        return
    from posventa.engine.registry import registry

    known = set(
        Event.objects.filter(task_id__in=[t.id for t in ready]).values_list("task_id", flat=True)
    )
    for task in ready:
        if task.id in known:
            continue
        event_publish(
            kind=EventKind.TASK_CREATED,
            case=case,
            task_id=task.id,
            data=case_payload(
                case,
                task_id=str(task.id),
                task_name=task.name,
                role=registry.lanes.get(task.lane or "", ""),
            ),
        )


def workorder_closed_publish(*, work_order) -> Event:
    """A work order was closed (workorders.services.workorder_close)."""
    return event_publish(
        kind=EventKind.WORKORDER_CLOSED,
        work_order=work_order,
        case=work_order.case,
        product=work_order.product,
        data={
            "work_order_number": work_order.number,
            "kind": work_order.kind,
            "state": work_order.state,
            "result": work_order.result,
            "closed_at": work_order.closed_at,
            "company_id": work_order.company_id,
            "case_number": work_order.case.number if work_order.case_id else None,
            "product_id": work_order.product_id,
        },
    )


def product_changed_publish(*, product, change: str) -> Event:
    """A product's plan, state, address or services changed (inventory.services);
    `change` says which: plan, services, relocated, withdrawn, suspended,
    reconnected, installed."""
    return event_publish(
        kind=EventKind.PRODUCT_CHANGED,
        product=product,
        data={
            "change": change,
            "product_id": product.pk,
            "service_number": product.service_number,
            "company_id": product.company_id,
            "status": product.status,
            "plan_id": product.plan_id,
            "technology": product.technology,
            "installation_address": product.installation_address,
        },
    )


# --- subscriptions -----------------------------------------------------------------------


@transaction.atomic
def subscription_create(
    *, api: str, callback: str, owner, query: str = ""
) -> tuple[Subscription, str]:
    """Subscribe `owner`'s callback to a hub; the subscription and its secret
    (given only now: it signs every delivery). The callback must be http(s)
    and resolve to public addresses only (unless
    settings.POSVENTA_WEBHOOK_ALLOW_PRIVATE); bad input raises
    ValidationError with Spanish messages and writes nothing."""
    callback = (callback or "").strip()
    query = (query or "").strip()
    errors: dict[str, list[str]] = {}
    if api not in HubApi.values:
        errors["api"] = [_("Unknown hub.")]
    if not callback:
        errors["callback"] = [_("Give the callback URL.")]
    elif len(callback) > 500:
        errors["callback"] = [_("At most %(max)s characters.") % {"max": 500}]
    else:
        try:
            callback_addresses(callback)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if len(query) > 500:
        errors["query"] = [_("At most %(max)s characters.") % {"max": 500}]
    else:
        try:
            query_parse(query)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    secret = "whsec_" + secrets.token_urlsafe(32)
    subscription = Subscription(api=api, callback=callback, query=query, secret=secret, owner=owner)
    subscription.full_clean()
    subscription.save()
    return subscription, secret


@transaction.atomic
def subscription_delete(*, subscription: Subscription) -> None:
    """Unsubscribe: the subscription and its deliveries go (those still
    pending are never sent)."""
    Subscription.objects.filter(pk=subscription.pk).delete()


@transaction.atomic
def delivery_retry(*, delivery: Delivery) -> Delivery:
    """Send a given-up delivery again, from its first attempt (the admin's
    "retry now"); the same body, signed afresh."""
    delivery = Delivery.objects.select_for_update().get(pk=delivery.pk)
    if delivery.status != DeliveryStatus.FAILED:
        raise ValidationError(_("Only a delivery given up on can be retried."))
    delivery.status = DeliveryStatus.PENDING
    delivery.attempts = 0
    delivery.next_attempt_at = timezone.now()
    delivery.last_error = ""
    delivery.save(
        update_fields=["status", "attempts", "next_attempt_at", "last_error", "updated_at"]
    )
    enqueue("posventa.events.jobs.deliver", [delivery.pk])
    return delivery
