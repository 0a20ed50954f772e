"""Billing calendar: when a month's invoice falls due."""

from datetime import date

from posventa.common.dates import add_months

# Invoices of a month fall due on this day of the following month.
DUE_DAY_OF_NEXT_MONTH = 20


def due_date_for(period: date) -> date:
    return add_months(period.replace(day=1), 1).replace(day=DUE_DAY_OF_NEXT_MONTH)
