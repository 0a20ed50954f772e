"""How a work order may move: who may close it how, from which state."""

from posventa.workorders.models import WorkOrderKind, WorkOrderState

# Only a report of damage or a support request can turn out unfounded: the
# analyst solved it remotely or found nothing wrong (procedure E, step 5).
MAY_BE_UNFOUNDED = (WorkOrderKind.DAMAGE, WorkOrderKind.VISIT)


def closing_states(*, kind: str, state: str) -> list[str]:
    """The states an order of this kind in this state may be closed with."""
    states = []
    if state == WorkOrderState.ASSIGNED:
        # A field unit went: it solved it, or it could not.
        states += [WorkOrderState.CLOSED_RESOLVED, WorkOrderState.ATTENDED_WITHOUT_SOLUTION]
    if state in (WorkOrderState.REGISTERED, WorkOrderState.ASSIGNED) and kind in MAY_BE_UNFOUNDED:
        states.append(WorkOrderState.UNFOUNDED)
    return states


def may_assign(*, state: str) -> bool:
    """Registered orders get a unit; assigned ones may be rescheduled or handed
    to another technician."""
    return state in (WorkOrderState.REGISTERED, WorkOrderState.ASSIGNED)
