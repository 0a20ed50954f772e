"""Procedure D, temporary suspension and reconnection: the reads and the
reconnection-date rule its forms and actions share.

The invoice lines are data (numbers, names, dates, amounts), joined with " · ":
the words around them are the model's, written in its instructions."""

from collections import defaultdict
from datetime import date, datetime, time, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

from posventa.billing.selectors import debt_by_product, overdue_invoices, owing_invoices
from posventa.common.money import format_bs
from posventa.inventory.models import Suspension

SUSPENSION = "suspension"
RECONNECTION = "reconnection"


def as_date(value) -> date:
    """A date from the process: a date, or its ISO text once it went through JSON."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def day_starts_at(day: date) -> str:
    """The first moment of `day` in the team's time zone, as the ISO text a
    BPMN timer (timeDate) waits for."""
    return timezone.make_aware(datetime.combine(day, time.min)).isoformat()


def reconnection_day(suspension: Suspension) -> date:
    """Both ends of a suspension count: the product is back the day after it ends."""
    return suspension.ends_on + timedelta(days=1)


def suspension_to_reconnect(product) -> Suspension | None:
    """The product's suspension that has not been ended yet, if any."""
    if product is None or not product.pk:
        return None
    return product.suspensions.filter(reconnected_on__isnull=True).order_by("-starts_on").first()


def reconnection_errors(*, product, reconnect_on: date) -> dict[str, str]:
    """Why the product may not be reconnected on that day (step 5: the
    commercial manager enters the new reconnection date), by field."""
    suspension = suspension_to_reconnect(product)
    if suspension is None:
        return {"reconnect_on": _("This product has no temporary suspension to reconnect.")}
    if reconnect_on <= suspension.starts_on:
        return {
            "reconnect_on": _(
                "The suspension starts on %(start)s: the product can be reconnected from "
                "the following day."
            )
            % {"start": f"{suspension.starts_on:%d/%m/%Y}"}
        }
    automatic = reconnection_day(suspension)
    if reconnect_on > automatic:
        return {
            "reconnect_on": _(
                "The suspension ends on %(end)s and the product is reconnected "
                "automatically on %(automatic)s: the reconnection can only be brought forward."
            )
            % {"end": f"{suspension.ends_on:%d/%m/%Y}", "automatic": f"{automatic:%d/%m/%Y}"}
        }
    return {}


def overdue_invoice_lines(*, company, today: date) -> list[str]:
    """The customer's overdue invoices (billing.rules): product · month ·
    what it still owes · due date, the oldest first."""
    return [
        f"{i.product.service_number} · {i.period:%m/%Y} · {format_bs(i.owed)} · "
        f"{i.due_date:%d/%m/%Y}"
        for i in overdue_invoices(today=today, company=company)
    ]


def pending_invoice_lines(*, company, today: date) -> list[str]:
    """For collection (step 8.2), per product that owes: product · plan · the
    unpaid months · what it owes in all."""
    debts = debt_by_product(company=company, today=today)
    months = defaultdict(list)
    for invoice in (
        owing_invoices(company=company)
        .filter(product__in=[d.product for d in debts])
        .order_by("period")
    ):
        months[invoice.product_id].append(f"{invoice.period:%m/%Y}")
    return [
        f"{d.product.service_number} · {d.product.plan.name} · "
        f"{' '.join(months[d.product.pk])} · {format_bs(d.pending_amount)}"
        for d in debts
    ]
