"""The manual's rules on a product's temporary suspension (procedure D)."""

from datetime import date

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from posventa.common.dates import add_months

# "La suspensión no debe exceder los 4 meses."
MAX_SUSPENSION_MONTHS = 4


def suspension_errors(*, product, starts_on: date, ends_on: date) -> dict[str, str]:
    """Why this suspension may not be entered, by field; empty when it may."""
    from posventa.inventory.models import ProductStatus

    errors: dict[str, str] = {}
    if product.status == ProductStatus.WITHDRAWN:
        errors["product"] = _("A withdrawn product cannot be suspended.")
    if starts_on > ends_on:
        errors["ends_on"] = _("The suspension must end on or after the day it starts.")
    elif ends_on > add_months(starts_on, MAX_SUSPENSION_MONTHS):
        errors["ends_on"] = _("A suspension lasts at most %(months)s months.") % {
            "months": MAX_SUSPENSION_MONTHS
        }
    # "Solo se permite una suspensión por producto del cliente por año calendario."
    if product.pk and product.suspensions.filter(starts_on__year=starts_on.year).exists():
        errors["starts_on"] = _(
            "This product was already suspended in %(year)s: only one suspension "
            "per calendar year is allowed."
        ) % {"year": starts_on.year}
    return errors


def check_suspension(*, product, starts_on: date, ends_on: date) -> None:
    errors = suspension_errors(product=product, starts_on=starts_on, ends_on=ends_on)
    if errors:
        raise ValidationError(errors)
