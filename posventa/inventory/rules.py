"""The manual's rules on a customer's installed products: the access network a
product runs on, temporary suspension (procedure D), and the equipment's
return (procedures H and C)."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from posventa.common.dates import add_months
from posventa.common.money import bs

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


# --- The equipment's return (procedures H, step 8, and C, step 4) ---------------------------


@dataclass(frozen=True)
class PricedPart:
    """A part of a device's kind, as the return's rules see it: what to call it
    and its replacement price from the tariff table."""

    code: str
    name: str
    price: Decimal


@dataclass(frozen=True)
class ChargeLine:
    """One line a device's return charges the customer. `part` is the code of
    the missing part charged, empty for the device itself."""

    concept: str
    amount: Decimal
    part: str = ""


def return_errors(
    *,
    device: str,
    condition: str,
    missing_parts: Iterable[str] = (),
    allowed_parts: Iterable[str] = (),
    note: str = "",
) -> dict[str, str]:
    """Why this return of `device` cannot be recorded, by field (`condition`,
    `missing_parts`, `note`); empty when it can.

    Complete: nothing missing. Incomplete: at least one missing part, each one
    of the parts the catalogue lists for the device's kind. Damaged: a note
    says what is damaged. Not returned: nothing else."""
    from posventa.inventory.models import ReturnCondition

    missing = list(dict.fromkeys(missing_parts))
    allowed = set(allowed_parts)
    errors: dict[str, str] = {}
    if condition not in ReturnCondition.values:
        errors["condition"] = _("Say how %(equipment)s came back.") % {"equipment": device}
        return errors
    if condition == ReturnCondition.INCOMPLETE:
        if not allowed:
            errors["condition"] = _(
                "The equipment catalogue lists no parts for %(equipment)s: it came back "
                "complete, damaged or not at all."
            ) % {"equipment": device}
        elif not missing:
            errors["missing_parts"] = _("Tick the parts missing from %(equipment)s.") % {
                "equipment": device
            }
    elif missing:
        errors["missing_parts"] = _(
            "Missing parts are ticked only for a device returned incomplete."
        )
    foreign = [code for code in missing if code not in allowed]
    if foreign and "missing_parts" not in errors and "condition" not in errors:
        errors["missing_parts"] = _("Not a part of %(equipment)s: %(parts)s.") % {
            "equipment": device,
            "parts": ", ".join(foreign),
        }
    if condition == ReturnCondition.DAMAGED and not (note or "").strip():
        errors["note"] = _("Say what is damaged.")
    return errors


def return_charge_lines(
    *,
    device: str,
    condition: str,
    missing_parts: Sequence[PricedPart] = (),
    device_amount: Decimal | None = None,
) -> list[ChargeLine]:
    """What a device's return charges the customer, line by line.

    Complete: nothing. Incomplete: each missing part at its tariff (a part
    priced Bs 0 charges nothing). Damaged or not returned: the device at
    `device_amount` — the device's tariff unless a person set another —
    which must then be given."""
    from posventa.inventory.models import ReturnCondition

    if condition == ReturnCondition.INCOMPLETE:
        return [
            ChargeLine(f"Accesorio faltante: {part.name} ({device})", bs(part.price), part.code)
            for part in missing_parts
            if bs(part.price) > 0
        ]
    if condition in (ReturnCondition.DAMAGED, ReturnCondition.MISSING):
        if device_amount is None:
            raise ValueError("a damaged or missing device needs its amount")
        what = "no devuelto" if condition == ReturnCondition.MISSING else "dañado"
        return [ChargeLine(f"Equipo {what}: {device}", bs(device_amount))]
    return []


def charge_total(lines: Iterable[ChargeLine]) -> Decimal:
    return bs(sum((line.amount for line in lines), Decimal("0")))
