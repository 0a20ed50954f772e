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


# Where a step that registers a damage (step 3) or its reiteration (step 10)
# goes when it is completed: step 2 read again at that moment, since another
# case may have registered the damage or its reiteration meanwhile.
REGISTER = "register"  # nothing registered meanwhile: register the damage (step 3)
REITERATE = "reiterate"  # the last damage was closed without solution: reiterate it (step 10)
FOLLOW = "follow"  # another order took this step's place: follow it as this case's own


def damage_way(product, *, known=()) -> tuple[str, WorkOrder | None]:
    """The way on for a step that registers a damage or its reiteration, and
    the order it is about. `known` are the numbers of the product's damage
    orders the case already knew (read at step 2, or its own): an order in
    repair is followed (step 2 → 8), the last one closed without solution is
    reiterated (→ 10), and an order registered since and already closed is
    followed too — the case goes on with how it ended instead of sending the
    field unit again."""
    situation, order = damage_situation(product)
    if situation == DAMAGE_IN_REPAIR:
        return FOLLOW, order
    if situation == LAST_UNSOLVED:
        return REITERATE, order
    newest = damage_orders_of(product).first()
    if newest is not None and newest.number not in set(known):
        return FOLLOW, newest
    return REGISTER, None
