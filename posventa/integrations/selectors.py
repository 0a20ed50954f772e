"""Reads of the hand back: a case's changes for the commercial system, and
those still unconfirmed a day after they were made (the team lead's watch)."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from posventa.customers.models import Company
from posventa.integrations.models import ChangeState, CommercialChange

# A change the commercial system has not confirmed after this long needs a person.
UNCONFIRMED_AFTER = timedelta(days=1)


@dataclass(frozen=True)
class ChangeRow:
    """One change as the pages show it: what, and how far it got."""

    change: CommercialChange
    label: str
    tone: str  # a Bootstrap colour: success, info, secondary, danger


def state_label(change: CommercialChange) -> tuple[str, str]:
    """The state in words ("Failed: <reason>") and its badge colour."""
    if change.state == ChangeState.CONFIRMED:
        return _("Confirmed"), "success"
    if change.state == ChangeState.SENT:
        return _("Sent, waiting for confirmation"), "info"
    if change.state == ChangeState.FAILED:
        return _("Failed: %(reason)s") % {"reason": change.reason}, "danger"
    return _("Pending"), "secondary"


def rows(changes) -> list[ChangeRow]:
    return [ChangeRow(change, *state_label(change)) for change in changes]


def case_changes(case) -> list[ChangeRow]:
    """The case's changes handed back, in the order they were made."""
    return rows(
        CommercialChange.objects.filter(case=case)
        .select_related("product")
        .order_by("created_at", "pk")
    )


def unconfirmed_changes(*, user, now: datetime | None = None) -> QuerySet[CommercialChange]:
    """The changes of the customers the user sees that the commercial system
    has not confirmed a day after they were made, the oldest first."""
    now = now or timezone.now()
    # The partial index commercialchange_open_idx serves this query.
    return (
        CommercialChange.objects.exclude(state=ChangeState.CONFIRMED)
        .filter(
            created_at__lte=now - UNCONFIRMED_AFTER,
            company__in=Company.objects.visible_to(user),
        )
        .select_related("case", "company", "product")
        .order_by("created_at", "pk")
    )


WATCH_LIMIT = 50


def unconfirmed_for_watch(*, user, now: datetime | None = None) -> dict:
    """The watch's section: how many changes are unconfirmed after a day,
    and the oldest of them with their state."""
    changes = unconfirmed_changes(user=user, now=now)
    return {"count": changes.count(), "rows": rows(changes[:WATCH_LIMIT])}
