"""The inbox's warnings, read and cleared: grouped by case for the page, and
all of a person's marked read at once (the team lead may face a dozen)."""

from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from posventa.cases.models import Alert, Case
from posventa.cases.selectors import alerts_for


@dataclass
class AlertGroup:
    """The unread warnings of one case (or of none), the latest first."""

    case: Case | None
    alerts: list[Alert] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.alerts)

    @property
    def latest(self) -> Alert:
        return self.alerts[0]


def alert_groups(user, *, limit: int = 100) -> list[AlertGroup]:
    """The user's unread warnings (`alerts_for`: her role, her customers) by
    case: one group per case with its warnings latest first, the groups by
    their latest warning; warnings without a case, if any, in a group of
    their own. At most `limit` warnings are read: the page stays bounded."""
    groups: dict[int | None, AlertGroup] = {}
    for alert in alerts_for(user)[:limit]:
        group = groups.get(alert.case_id)
        if group is None:
            group = groups[alert.case_id] = AlertGroup(case=alert.case)
        group.alerts.append(alert)
    # alerts_for reads the latest first, so groups are already in that order.
    return list(groups.values())


@transaction.atomic
def alerts_mark_all_read(*, user) -> int:
    """Every unread warning the user sees (`alerts_for`) leaves the inbox of
    her role; returns how many. A second call finds none: 0, nothing changed.
    Warnings of another role, or on customers she may not see, stay unread."""
    now = timezone.now()
    # One UPDATE on the ids the user sees: no warning of another role or
    # portfolio can be caught, whatever was read meanwhile.
    ids = list(alerts_for(user).values_list("pk", flat=True))
    return Alert.objects.filter(pk__in=ids, read_at__isnull=True).update(
        read_at=now, updated_at=now
    )
