"""Reads on work orders, scoped by who asks."""

from django.db.models import QuerySet

from posventa.workorders.models import OPEN_STATES, WorkOrder, WorkOrderKind, WorkOrderState


def work_orders_for(*, user, state: str = "") -> QuerySet[WorkOrder]:
    """The work orders the user may see: open ones by default, those in one
    state, or all ("all"); the oldest open first, so nothing waits unseen."""
    orders = WorkOrder.objects.visible_to(user).select_related("company", "product", "case")
    if state == "all":
        return orders.order_by("-created_at")
    if state in WorkOrderState.values:
        return orders.filter(state=state).order_by("-created_at")
    return orders.filter(state__in=OPEN_STATES).order_by("created_at")


def work_order_for(*, user, number: str) -> WorkOrder | None:
    return (
        WorkOrder.objects.visible_to(user)
        .select_related(
            "company", "product__plan", "case", "created_by", "assigned_by", "closed_by"
        )
        .filter(number=number)
        .first()
    )


def damage_orders_of(product) -> QuerySet[WorkOrder]:
    """A product's damage work orders, newest first (procedure E, step 2)."""
    return (
        WorkOrder.objects.filter(product=product, kind=WorkOrderKind.DAMAGE)
        .select_related("reiterates")
        .order_by("-created_at", "-pk")
    )


# What the product's damage orders say the executive does (procedure E, step 2).
NO_OPEN_DAMAGE = "none"  # → register the damage (step 3)
DAMAGE_IN_REPAIR = "open"  # one registered or assigned → follow it (steps 7–8)
LAST_UNSOLVED = "unsolved"  # the last one closed without solution → reiterate (step 10)


def damage_situation(product) -> tuple[str, WorkOrder | None]:
    """The branch of step 2 and the order it is about: the open damage order,
    else the last one if it was closed attended without solution."""
    orders = damage_orders_of(product)
    open_order = orders.filter(state__in=OPEN_STATES).first()
    if open_order is not None:
        return DAMAGE_IN_REPAIR, open_order
    last = orders.first()
    if last is not None and last.state == WorkOrderState.ATTENDED_WITHOUT_SOLUTION:
        return LAST_UNSOLVED, last
    return NO_OPEN_DAMAGE, None
