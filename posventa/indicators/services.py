"""Writes on the indicators: closing a month."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from posventa.accounts.roles import Capability, can
from posventa.indicators.definitions import (
    DEFINITION,
    Month,
    classified,
    excludes_customer_wait,
)
from posventa.indicators.models import ClosedCase, MonthClose
from posventa.indicators.selectors import month_cases, month_report, team_figures


@transaction.atomic
def month_close(*, month: Month, user) -> MonthClose:
    """Freeze a finished month's figures and each case's verdict, and the
    team's own figures: the monthly report. A month is closed once;
    recomputing later shows the differences."""
    if not can(user, Capability.CLOSE_MONTH):
        raise PermissionDenied(_("Only the team lead closes a month."))
    if timezone.now() < month.ends_at:
        raise ValidationError(
            _("%(month)s has not ended yet: it can be closed from the 1st of the next month.")
            % {"month": month.starts_at.strftime("%m/%Y")}
        )
    if MonthClose.objects.select_for_update().filter(year=month.year, month=month.month).exists():
        raise ValidationError(
            _("%(month)s is already closed.") % {"month": month.starts_at.strftime("%m/%Y")}
        )
    report = month_report(user, month)
    figures = report.figures
    close = MonthClose.objects.create(
        year=month.year,
        month=month.month,
        measured_at=report.as_of,
        closed_by=user,
        excludes_customer_wait=report.excludes_customer_wait,
        total=figures.total,
        effective=figures.effective,
        timely=figures.timely,
        open=figures.open,
        definition=DEFINITION,
        team=[[t.name, t.procedure, t.count] for t in team_figures(user, month)],
        breakdowns={
            name: [
                [key, str(label), f.total, f.effective, f.timely, f.open] for key, label, f in rows
            ]
            for name, rows in report.breakdowns.items()
        },
    )
    cases = classified(
        month_cases(user, month), report.as_of, exclude_wait=excludes_customer_wait()
    )
    ClosedCase.objects.bulk_create(
        (
            ClosedCase(
                month_close=close,
                case_id=case.pk,
                effective=case.is_effective,
                timely=case.is_timely,
                open=case.is_open,
                requested_at=case.requested_at,
                attended_at=case.attended_at,
                closed_at=case.closed_at,
                outcome=case.outcome,
                quality_conform=case.quality_conform,
                reiterated=case.is_reiterated,
                customer_wait=case.customer_wait,
            )
            for case in cases.iterator(chunk_size=2000)
        ),
        batch_size=2000,
    )
    return close
