"""Procedure D, temporary suspension and reconnection: the system checks the
account and the one-a-year rule, records the suspension, suspends and
reconnects the product on its dates, and lists what the customer owes.

The suspension's dates are kept by a process of their own,
`d_suspension_dates` (in the same model file): the case ends with the
quality-control call, as the manual's procedure does, while that process
waits for the first day of the suspension and for the day after its end.
Its instances carry the case number plus "/suspension" as business key, so
the case's hooks leave them alone; what they do is recorded on the case as
interactions."""

import logging

from django.utils import timezone

from posventa.accounts.roles import Capability, can
from posventa.billing.selectors import is_account_up_to_date
from posventa.cases.models import Case
from posventa.cases.selectors import case_for_instance
from posventa.customers.models import Company, Direction
from posventa.customers.services import interaction_record
from posventa.engine.context import current_actor
from posventa.engine.registry import registry
from posventa.integrations.handback import reconnection_hand_back, suspension_hand_back
from posventa.inventory.models import Product, ProductStatus, Suspension
from posventa.inventory.rules import suspension_errors
from posventa.inventory.services import product_reconnect, product_suspend, suspension_record
from posventa.procedures.d_suspension import (
    as_date,
    day_starts_at,
    overdue_invoice_lines,
    pending_invoice_lines,
    reconnection_day,
    suspension_to_reconnect,
)
from posventa.procedures.product_guard import changes_note, product_state

logger = logging.getLogger(__name__)

DATES_PROCESS_ID = "d_suspension_dates"


def _case(instance, case_id=None) -> Case | None:
    if case_id:
        return Case.objects.select_related("company__executive", "opened_by").get(pk=case_id)
    return case_for_instance(instance)


def _record_on_case(case: Case | None, summary: str) -> None:
    """Record on the case what the system did with no one at the keyboard
    (a timer fired), in the name of whoever acts, else the customer's executive."""
    if case is None:
        return
    for user in (current_actor(), case.company.executive, case.opened_by):
        if (
            user is not None
            and can(user, Capability.RECORD_INTERACTION)
            and Company.objects.visible_to(user).filter(pk=case.company_id).exists()
        ):
            interaction_record(
                company=case.company,
                user=user,
                channel=case.channel,
                direction=Direction.OUTBOUND,
                summary=summary,
                case=case,
            )
            return
    logger.warning("Nobody may record on case %s: %s", case.number, summary)


def _product_line(product: Product) -> str:
    return f"{product.service_number} · {product.plan.name}"


# --- step 1: is the account up to date? ------------------------------------------------


@registry.register_action("account_overdue_invoices")
def account_overdue_invoices(instance, company_id: int) -> list[str]:
    """Step 1.1: the account is up to date when no invoice is unpaid past its
    due date. Returns the overdue invoices: none when it is up to date."""
    company = Company.objects.get(pk=company_id)
    today = timezone.localdate()
    if is_account_up_to_date(company=company, today=today):
        return []
    return overdue_invoice_lines(company=company, today=today)


# --- steps 3–4: suspension ----------------------------------------------------------------


@registry.register_action("suspension_refusal")
def suspension_refusal(instance, product_id: int, starts_on, ends_on) -> str:
    """Step 3: the rule "one suspension per product per calendar year" (and no
    two at once). Returns why the suspension is refused, or "" when it is the
    first this year."""
    product = Product.objects.get(pk=product_id)
    errors = suspension_errors(
        product=product, starts_on=as_date(starts_on), ends_on=as_date(ends_on)
    )
    return errors.get("starts_on") or errors.get("product") or ""


@registry.register_action("record_suspension")
def record_suspension(instance, product_id: int, starts_on, ends_on) -> dict:
    """Step 4: enter the suspension (the rules checked again, under lock). If
    it starts today the product is suspended now; otherwise on its first day."""
    product = Product.objects.select_related("plan").get(pk=product_id)
    suspension = suspension_record(
        product=product,
        starts_on=as_date(starts_on),
        ends_on=as_date(ends_on),
        user=current_actor(),
    )
    suspension_hand_back(suspension=suspension, case=case_for_instance(instance), instance=instance)
    today = timezone.localdate()
    suspended_now = suspension.starts_on <= today
    if suspended_now:
        before = product_state(product)
        product_suspend(product=product, on=today)
        changes_note(case=case_for_instance(instance), product=product, before=before)
    back_on = reconnection_day(suspension)
    return {
        "id": suspension.pk,
        "product": _product_line(product),
        "starts": f"{suspension.starts_on:%d/%m/%Y}",
        "ends": f"{suspension.ends_on:%d/%m/%Y}",
        "reconnects_on": f"{back_on:%d/%m/%Y}",
        "suspended_now": suspended_now,
        # For the timers of d_suspension_dates.
        "suspend_at": day_starts_at(suspension.starts_on),
        "reconnect_at": day_starts_at(back_on),
    }


@registry.register_action("schedule_suspension_dates")
def schedule_suspension_dates(instance, suspension: dict) -> dict:
    """Hand the suspension's dates to their own process, which suspends the
    product on its first day (unless it already is) and reconnects it the day
    after its end."""
    from posventa.engine import services as engine

    case = case_for_instance(instance)
    dates = engine.instance_start(
        process_id=DATES_PROCESS_ID,
        business_key=f"{case.number}/suspension",
        data={
            "case_id": case.pk,
            "company_id": case.company_id,
            "product_id": case.product_id,
            "suspension": suspension,
        },
        actor=current_actor(),
    )
    return {"instance_id": dates.pk, "business_key": dates.business_key}


@registry.register_action("suspend_on_first_day")
def suspend_on_first_day(instance, suspension_id: int, case_id: int, note: str) -> dict:
    """The suspension's first day came: the product is suspended, unless it
    was reconnected or withdrawn meanwhile."""
    suspension = Suspension.objects.select_related("product__plan").get(pk=suspension_id)
    product = suspension.product
    if suspension.reconnected_on is not None or product.status == ProductStatus.WITHDRAWN:
        return {"suspended": False}
    case = _case(instance, case_id)
    before = product_state(product)
    product_suspend(product=product, on=suspension.starts_on)
    changes_note(case=case, product=product, before=before)
    _record_on_case(
        case,
        f"{note}: {_product_line(product)} · "
        f"{suspension.starts_on:%d/%m/%Y} – {suspension.ends_on:%d/%m/%Y}",
    )
    return {"suspended": True}


@registry.register_action("reconnect_after_last_day")
def reconnect_after_last_day(instance, suspension_id: int, case_id: int, note: str) -> dict:
    """The day after the suspension's end: the product is reconnected
    automatically, unless it already was (a reconnection on request) or was
    withdrawn meanwhile."""
    suspension = Suspension.objects.select_related("product__plan").get(pk=suspension_id)
    product = suspension.product
    if suspension.reconnected_on is not None or product.status == ProductStatus.WITHDRAWN:
        return {"reconnected": False}
    back_on = reconnection_day(suspension)
    case = _case(instance, case_id)
    before = product_state(product)
    product_reconnect(product=product, on=back_on)
    changes_note(case=case, product=product, before=before)
    _record_on_case(case, f"{note}: {_product_line(product)} · {back_on:%d/%m/%Y}")
    return {"reconnected": True, "on": back_on.isoformat()}


# --- step 5: reconnection on request ------------------------------------------------------


def _reconnection(product: Product, suspension: Suspension, reconnect_on, *, done: bool) -> dict:
    return {
        "done": done,
        "suspension_id": suspension.pk,
        "on": f"{reconnect_on:%d/%m/%Y}",
        "at": day_starts_at(reconnect_on),
        "product": _product_line(product),
        # The decision table's inputs: how the service comes back. A product
        # off the access network (HSPA, long distance) has no technology.
        "product_type": product.plan.product_type.code,
        "technology": product.technology if product.plan.product_type.uses_access_network else "",
    }


@registry.register_action("reconnect_on_request")
def reconnect_on_request(instance, product_id: int, reconnect_on) -> dict:
    """Step 5: the new reconnection date. Today or past: the product is
    reconnected now; later: the process waits for that day."""
    product = Product.objects.select_related("plan__product_type").get(pk=product_id)
    reconnect_on = as_date(reconnect_on)
    suspension = suspension_to_reconnect(product)
    if suspension is None:
        raise ValueError(f"product {product.service_number} has no suspension to reconnect")
    # D 5: the new reconnection date goes to the commercial system as entered.
    reconnection_hand_back(
        suspension=suspension,
        reconnect_on=reconnect_on,
        case=case_for_instance(instance),
        instance=instance,
    )
    done = reconnect_on <= timezone.localdate()
    if done:
        before = product_state(product)
        product_reconnect(product=product, on=reconnect_on)
        changes_note(case=case_for_instance(instance), product=product, before=before)
    return _reconnection(product, suspension, reconnect_on, done=done)


@registry.register_action("reconnect_on_the_day")
def reconnect_on_the_day(instance, suspension_id: int, reconnect_on, note: str) -> dict:
    """The reconnection date the customer asked for came: the product is
    reconnected, unless it already was."""
    suspension = Suspension.objects.select_related("product__plan__product_type").get(
        pk=suspension_id
    )
    product = suspension.product
    reconnect_on = as_date(reconnect_on)
    if suspension.reconnected_on is None and product.status != ProductStatus.WITHDRAWN:
        before = product_state(product)
        product_reconnect(product=product, on=reconnect_on)
        changes_note(case=case_for_instance(instance), product=product, before=before)
        _record_on_case(
            case_for_instance(instance),
            f"{note}: {_product_line(product)} · {reconnect_on:%d/%m/%Y}",
        )
    return _reconnection(product, suspension, reconnect_on, done=True)


# --- step 8.2: what the customer owes -------------------------------------------------


@registry.register_action("pending_invoices")
def pending_invoices(instance, company_id: int) -> list[str]:
    """The customer's unpaid invoices, per product, for the executive to collect."""
    return pending_invoice_lines(
        company=Company.objects.get(pk=company_id), today=timezone.localdate()
    )
