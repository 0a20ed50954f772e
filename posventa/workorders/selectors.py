"""Reads on work orders, scoped by who asks."""

from django.db.models import QuerySet

from posventa.workorders.models import OPEN_STATES, WorkOrder, WorkOrderState


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
