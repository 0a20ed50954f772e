"""The catalogue's rules, shared by the services and the admin's forms."""

from decimal import Decimal

from django.utils.translation import gettext as _

from posventa.catalog.models import ProductTypeCode


def plan_errors(
    *, product_type, monthly_price: Decimal | None, basic_telephony_amount: Decimal | None
) -> dict[str, str]:
    """Why a plan's basic-telephony part is wrong, by field; empty when it is right.

    Only Multipack includes basic telephony (Bs 70 by the manual), and the part
    cannot exceed the plan's price. The database refuses the second too, but its
    message only names the constraint.
    """
    basic = basic_telephony_amount or Decimal("0")
    if product_type is not None and product_type.code != ProductTypeCode.MULTIPACK and basic:
        return {"basic_telephony_amount": _("Only Multipack plans include basic telephony.")}
    if monthly_price is not None and basic > 0 and basic > Decimal(monthly_price):
        return {
            "basic_telephony_amount": _(
                "The basic telephony part (Bs %(part)s) cannot exceed the monthly "
                "price (Bs %(price)s)."
            )
            % {"part": basic, "price": monthly_price}
        }
    return {}
