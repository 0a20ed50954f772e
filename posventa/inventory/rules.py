"""The manual's rules on a customer's installed products: the access network a
product runs on, and temporary suspension (procedure D)."""

from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from posventa.common.dates import add_months

# "La suspensión no debe exceder los 4 meses."
MAX_SUSPENSION_MONTHS = 4


def technology_errors(*, product_type, technology: str) -> dict[str, str]:
    """Products on the access network say whether they run on copper or fiber;
    HSPA and long distance run on neither."""
    if product_type.uses_access_network and not technology:
        return {"technology": _("Say whether it is installed on copper or fiber.")}
    if not product_type.uses_access_network and technology:
        return {"technology": _("This kind of product is not installed on copper or fiber.")}
    return {}


def last_allowed_suspension_day(starts_on: date) -> date:
    """The last day a suspension starting on `starts_on` may include: both ends
    count, so four months from 1 March run to 30 June, not 1 July."""
    return add_months(starts_on, MAX_SUSPENSION_MONTHS) - timedelta(days=1)


def suspension_errors(*, product, starts_on: date, ends_on: date, ignore=None) -> dict[str, str]:
    """Why this suspension may not be entered, by field; empty when it may.
    `ignore` is the suspension being edited, which does not count against itself."""
    from posventa.inventory.models import ProductStatus

    errors: dict[str, str] = {}
    if product.status == ProductStatus.WITHDRAWN:
        errors["product"] = _("A withdrawn product cannot be suspended.")
    if starts_on > ends_on:
        errors["ends_on"] = _("The suspension must end on or after the day it starts.")
    elif ends_on > last_allowed_suspension_day(starts_on):
        errors["ends_on"] = _(
            "A suspension lasts at most %(months)s months: starting on %(start)s, "
            "it must end by %(last)s."
        ) % {
            "months": MAX_SUSPENSION_MONTHS,
            "start": starts_on.strftime("%d/%m/%Y"),
            "last": last_allowed_suspension_day(starts_on).strftime("%d/%m/%Y"),
        }
    if not product.pk:
        return errors
    others = product.suspensions.all()
    if ignore is not None and ignore.pk:
        others = others.exclude(pk=ignore.pk)
    # "Solo se permite una suspensión por producto del cliente por año calendario."
    if others.filter(starts_on__year=starts_on.year).exists():
        errors["starts_on"] = _(
            "This product was already suspended in %(year)s: only one suspension "
            "per calendar year is allowed."
        ) % {"year": starts_on.year}
    elif starts_on <= ends_on:
        # A suspension from November to February and one starting in February
        # fall in different years, but the product cannot be suspended twice at once.
        overlapping = (
            others.filter(starts_on__lte=ends_on, ends_on__gte=starts_on)
            .order_by("starts_on")
            .first()
        )
        if overlapping is not None:
            errors["starts_on"] = _(
                "The product is already suspended from %(start)s to %(end)s."
            ) % {
                "start": overlapping.starts_on.strftime("%d/%m/%Y"),
                "end": overlapping.ends_on.strftime("%d/%m/%Y"),
            }
    return errors


def check_suspension(*, product, starts_on: date, ends_on: date, ignore=None) -> None:
    errors = suspension_errors(product=product, starts_on=starts_on, ends_on=ends_on, ignore=ignore)
    if errors:
        raise ValidationError(errors)


# Products that carry a telephone line, on which supplementary services run (procedure A).
TELEPHONY_PRODUCT_TYPES = ("fixed_line", "duo_pack", "multipack")


def supplementary_service_errors(*, product, enable, disable) -> dict[str, str]:
    """Why these supplementary services may not be enabled/disabled on the
    product, by field; empty when they may."""
    from posventa.inventory.models import ProductStatus

    errors: dict[str, str] = {}
    if product.plan.product_type.code not in TELEPHONY_PRODUCT_TYPES:
        errors["product"] = _("Supplementary services run only on a product with a telephone line.")
    elif product.status != ProductStatus.ACTIVE:
        errors["product"] = _("The product must be active to change its services.")
    if not enable and not disable:
        errors["enable"] = _("Choose at least one service to enable or disable.")
    enabled = set(product.enabled_services.values_list("service_id", flat=True))
    already = [s.name for s in enable if s.pk in enabled]
    if already:
        errors["enable"] = _("Already enabled: %(services)s.") % {"services": ", ".join(already)}
    missing = [s.name for s in disable if s.pk not in enabled]
    if missing:
        errors["disable"] = _("Not enabled: %(services)s.") % {"services": ", ".join(missing)}
    both = {s.pk for s in enable} & {s.pk for s in disable}
    if both:
        errors["disable"] = _("A service cannot be enabled and disabled at once.")
    return errors
