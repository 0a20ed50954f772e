"""Hand back: every change a case makes that the manual has "digitado" in the
commercial system (A5, B5, C4–C6, D4–D5, H7, H11, K15, charges, interactions)
is queued here, in the same transaction as the change, as one
`CommercialChange`. The job `integrations.jobs.hand_back` delivers the queue
through the adapter of settings.POSVENTA_COMMERCIAL_ADAPTER
(`integrations.commercial`) and reads back what the commercial system
confirmed. See docs/commercial-system.md, "Hand back".

The domain calls one function, `change_hand_back`, with a key derived from
the thing changed (``f"interaction:{interaction.pk}"``,
``f"plan_change:product:{product.pk}:case:{case.pk}"``): a step that runs
again finds its entry instead of queueing a second one. The helpers below
build the plain-JSON payloads the file layouts read (`integrations.commercial.LAYOUTS`).
"""

from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from posventa.common.money import bs
from posventa.common.services import clean_own_fields, database_refusal
from posventa.integrations.models import ChangeKind, ChangeState, CommercialChange

KEY_MAX = CommercialChange._meta.get_field("idempotency_key").max_length


def _check_plain(value, where: str) -> None:
    """A payload holds what JSON holds and nothing a reader must guess:
    amounts as "12.00", dates as ISO text — never a Decimal, a date or a float."""
    if value is None or isinstance(value, (str, bool, int)):
        return
    if isinstance(value, list):
        for item in value:
            _check_plain(item, where)
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"payload key {key!r} in {where} is not text")
            _check_plain(item, f"{where}.{key}")
        return
    raise TypeError(f"payload value {value!r} in {where} is not plain JSON")


def change_hand_back(
    *,
    kind: str,
    company,
    product=None,
    case=None,
    payload: dict,
    key: str,
    fresh: bool = False,
) -> CommercialChange:
    """Queue one change for the commercial system, inside the caller's
    transaction (the change and its entry commit together or not at all).
    Idempotent on `key`: called again with the same key, it returns the
    entry already queued and queues nothing. `fresh`: the key names a row the
    caller's transaction has just created (an interaction), so no entry can
    hold it yet: one insert, no look-up and no savepoint."""
    if kind not in ChangeKind.values:
        raise ValueError(f"unknown change kind {kind!r}")
    key = (key or "").strip()
    if not key or len(key) > KEY_MAX:
        raise ValueError(f"an idempotency key of 1 to {KEY_MAX} characters, not {key!r}")
    if not isinstance(payload, dict):
        raise TypeError("the payload is a dict")
    _check_plain(payload, "payload")
    if not fresh:
        existing = CommercialChange.objects.filter(idempotency_key=key).first()
        if existing is not None:
            return existing
    change = CommercialChange(
        kind=kind,
        idempotency_key=key,
        company=company,
        product=product,
        case=case,
        payload=payload,
        # Due at once: the delivery job reads the queue by this date.
        next_attempt_at=timezone.now(),
    )
    # The company, product and case are the caller's rows; the state is new.
    clean_own_fields(change)
    if fresh:
        with database_refusal(CommercialChange):
            change.save(force_insert=True)
        return change
    try:
        # A savepoint: a concurrent step that queued the same key first wins,
        # and the caller's transaction goes on with that entry.
        with transaction.atomic():
            change.save(force_insert=True)
    except IntegrityError:
        return CommercialChange.objects.get(idempotency_key=key)
    return change


@transaction.atomic
def change_retry(*, change: CommercialChange) -> CommercialChange:
    """Deliver again a change that failed (the commercial system refused it,
    or delivery keeps failing) or was sent and never confirmed: back to
    pending, due now. A confirmed change is not sent again."""
    change = CommercialChange.objects.select_for_update().get(pk=change.pk)
    if change.state == ChangeState.CONFIRMED:
        raise ValidationError(_("The commercial system already confirmed this change."))
    if change.state == ChangeState.PENDING:
        raise ValidationError(_("This change is already waiting to be delivered."))
    change.state = ChangeState.PENDING
    change.reason = ""
    change.next_attempt_at = timezone.now()
    change.full_clean(validate_unique=False)
    change.save(update_fields=["state", "reason", "next_attempt_at", "updated_at"])
    return change


# --- Payloads: plain values, as the commercial system's import reads them -------------


def money(value) -> str:
    """An amount in Bolivianos (or a quantity, two places too) as the
    payload carries it: "12.00"."""
    return f"{bs(value):.2f}"


def iso(value: date | datetime | None) -> str:
    """A date as "2026-12-05", a moment as local "2026-12-05T14:03:00-04:00"."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return timezone.localtime(value).isoformat(timespec="seconds")
    return value.isoformat()


def case_at_hand():
    """The case whose process is being advanced right now (a step, a timer,
    a message), for a write that is not told its case (a charge); None
    outside a process. The dates process of D carries "<number>/suspension"."""
    from posventa.cases.models import Case
    from posventa.cases.selectors import case_for_instance
    from posventa.engine.context import current_instance

    try:
        instance = current_instance()
    except RuntimeError:
        return None
    key = instance.business_key or ""
    if "/" not in key:
        return case_for_instance(instance)
    return Case.objects.select_related("company").filter(number=key.split("/", 1)[0]).first()


def scope_key(case, instance=None) -> str:
    """The part of a key that says which request made the change."""
    if case is not None:
        return f"case:{case.pk}"
    if instance is not None and getattr(instance, "pk", None):
        return f"instance:{instance.pk}"
    raise ValueError("a change made outside a case needs its process instance for its key")


def company_fields(company, case=None) -> dict:
    return {
        "case": case.number if case is not None else "",
        "nit": company.nit,
        "company": company.legal_name,
    }


def product_fields(product, case=None) -> dict:
    """What every change of a product names: the request, the customer, the line."""
    return {
        **company_fields(product.company, case),
        "service_number": product.service_number,
        "plan": product.plan.code,
        "plan_name": product.plan.name,
    }


# --- One helper per kind of change: the payload its layout reads, its key -------------
# The domain calls these (or change_hand_back itself) right after writing the
# change, in the same transaction.


def interaction_hand_back(interaction) -> CommercialChange:
    """Every interaction recorded (the manual's "ingresa interacción")."""
    case = interaction.case
    product = case.product if case is not None else None
    return change_hand_back(
        kind=ChangeKind.INTERACTION,
        company=interaction.company,
        product=product,
        case=case,
        payload={
            **company_fields(interaction.company, case),
            "service_number": product.service_number if product is not None else "",
            "occurred_at": iso(interaction.occurred_at),
            "channel": interaction.channel,
            "direction": interaction.direction,
            "type": "interaccion",
            "contact": interaction.contact.name if interaction.contact_id else "",
            "recorded_by": interaction.recorded_by.get_username()
            if interaction.recorded_by_id
            else "",
            "summary": interaction.summary,
        },
        key=f"interaction:{interaction.pk}",
        fresh=True,
    )


def engineering_service_hand_back(record) -> CommercialChange:
    """Procedure L, step 7: the "Servicio de Ingeniería" with the work done,
    an interaction of its own kind for the commercial system."""
    visit = record.visit
    case = visit.case
    return change_hand_back(
        kind=ChangeKind.INTERACTION,
        company=visit.company,
        product=visit.product,
        case=case,
        payload={
            **company_fields(visit.company, case),
            "service_number": visit.product.service_number if visit.product_id else "",
            "occurred_at": iso(visit.starts_at),
            "channel": "in_person",
            "direction": "outbound",
            "type": "servicio_de_ingenieria",
            "contact": visit.person,
            "recorded_by": record.recorded_by.get_username(),
            "summary": record.work_done,
            "work_order": visit.work_order.number if visit.work_order_id else "",
        },
        key=f"engineering_service:{record.pk}",
    )


def charge_hand_back(charge) -> CommercialChange:
    """Every charge or fee on a product's next invoice, with the case whose
    step made it when a process is being advanced."""
    case = case_at_hand()
    product = charge.product
    return change_hand_back(
        kind=ChangeKind.CHARGE,
        company=product.company,
        product=product,
        case=case,
        payload={
            **product_fields(product, case),
            "concept": charge.concept,
            "tariff": charge.tariff.code if charge.tariff_id else "",
            "quantity": money(charge.quantity),
            "amount": money(charge.amount),
        },
        key=f"charge:{charge.pk}",
    )


def plan_change_hand_back(*, product, old_plan, on: date, case, instance=None) -> CommercialChange:
    """Procedure B, step 5: the plan change, old and new plan."""
    return change_hand_back(
        kind=ChangeKind.PLAN_CHANGE,
        company=product.company,
        product=product,
        case=case,
        payload={
            **product_fields(product, case),
            "old_plan": old_plan.code,
            "old_plan_name": old_plan.name,
            "old_monthly_price": money(old_plan.monthly_price),
            "new_plan": product.plan.code,
            "new_plan_name": product.plan.name,
            "new_monthly_price": money(product.plan.monthly_price),
            "effective_on": iso(on),
        },
        key=f"plan_change:product:{product.pk}:{scope_key(case, instance)}",
    )


def services_hand_back(
    *, product, enabled=(), disabled=(), on: date, case, instance=None
) -> list[CommercialChange]:
    """Procedure A, step 5: the services enabled (one entry) and disabled
    (another), each with its codes."""
    changes = []
    for kind, services in ((ChangeKind.SERVICE_ON, enabled), (ChangeKind.SERVICE_OFF, disabled)):
        services = sorted(services, key=lambda service: service.code)
        if not services:
            continue
        changes.append(
            change_hand_back(
                kind=kind,
                company=product.company,
                product=product,
                case=case,
                payload={
                    **product_fields(product, case),
                    "services": [service.code for service in services],
                    "service_names": [service.name for service in services],
                    "effective_on": iso(on),
                },
                key=f"{kind}:product:{product.pk}:{scope_key(case, instance)}",
            )
        )
    return changes


def relocation_hand_back(
    *, product, old_address: str, on: date, case, instance=None
) -> CommercialChange:
    """Procedure C, step 6: the product at its new address, same technology."""
    return change_hand_back(
        kind=ChangeKind.RELOCATION,
        company=product.company,
        product=product,
        case=case,
        payload={
            **product_fields(product, case),
            "technology": product.technology,
            "old_address": old_address,
            "address": product.installation_address,
            "zone": product.zone,
            "neighbourhood": product.neighbourhood,
            "effective_on": iso(on),
        },
        key=f"relocation:product:{product.pk}:{scope_key(case, instance)}",
    )


def technology_hand_back(
    *, product, old_product=None, old_technology: str, on: date, case, instance=None
) -> CommercialChange:
    """A product on another technology: the new product that replaces the
    old one in a relocation (procedure C, step 5), or the same product
    migrated to fiber (procedure K, step 15)."""
    old_product = old_product or product
    return change_hand_back(
        kind=ChangeKind.TECHNOLOGY,
        company=product.company,
        product=product,
        case=case,
        payload={
            **product_fields(product, case),
            "old_service_number": old_product.service_number,
            "old_technology": old_technology,
            "technology": product.technology,
            "address": product.installation_address,
            "zone": product.zone,
            "neighbourhood": product.neighbourhood,
            "effective_on": iso(on),
        },
        key=f"technology:product:{product.pk}:{scope_key(case, instance)}",
    )


def suspension_hand_back(*, suspension, case, instance=None) -> CommercialChange:
    """Procedure D, step 4: the suspension with its dates."""
    from posventa.procedures.d_suspension import reconnection_day

    product = suspension.product
    return change_hand_back(
        kind=ChangeKind.SUSPENSION,
        company=product.company,
        product=product,
        case=case,
        payload={
            **product_fields(product, case),
            "starts_on": iso(suspension.starts_on),
            "ends_on": iso(suspension.ends_on),
            "reconnects_on": iso(reconnection_day(suspension)),
        },
        key=f"suspension:{suspension.pk}",
    )


def reconnection_hand_back(
    *, suspension, reconnect_on: date, case, instance=None
) -> CommercialChange:
    """Procedure D, step 5: the new reconnection date."""
    product = suspension.product
    return change_hand_back(
        kind=ChangeKind.RECONNECTION,
        company=product.company,
        product=product,
        case=case,
        payload={
            **product_fields(product, case),
            "starts_on": iso(suspension.starts_on),
            "ends_on": iso(suspension.ends_on),
            "reconnects_on": iso(reconnect_on),
        },
        key=f"reconnection:suspension:{suspension.pk}:{scope_key(case, instance)}",
    )


def withdrawal_hand_back(
    *, product, reason: str, case, instance=None, final_invoice=None
) -> CommercialChange:
    """The product withdrawn (procedure H, steps 7 and 14; the old product of
    a relocation with a technology change, C 4). A product is withdrawn once."""
    return change_hand_back(
        kind=ChangeKind.WITHDRAWAL,
        company=product.company,
        product=product,
        case=case,
        payload={
            **product_fields(product, case),
            "withdrawn_on": iso(product.withdrawn_on),
            "reason": reason,
            "final_invoice_amount": money(final_invoice.amount) if final_invoice else "",
        },
        key=f"withdrawal:product:{product.pk}",
    )


def equipment_received_hand_back(*, devices, case, instance=None) -> list[CommercialChange]:
    """How each device came back (procedure H, step 11; C, step 4): one
    entry per device, with its serial, condition and missing parts."""
    changes = []
    for device in devices:
        product = device.product
        changes.append(
            change_hand_back(
                kind=ChangeKind.EQUIPMENT_RECEIVED,
                company=product.company,
                product=product,
                case=case,
                payload={
                    **product_fields(product, case),
                    "serial": device.serial,
                    "equipment": device.kind,
                    "condition": device.return_condition,
                    "missing_parts": sorted(
                        device.missing_part_rows.values_list("part__code", flat=True)
                    ),
                    "returned_on": iso(device.returned_on),
                    "note": device.return_note,
                },
                key=(
                    f"equipment_received:{device.pk}:{device.return_condition}:"
                    f"{scope_key(case, instance)}"
                ),
            )
        )
    return changes
