"""Reads on the catalogue."""

from django.db.models import QuerySet

from posventa.catalog.models import Plan, Tariff, TariffCode


def tariff_get(code: TariffCode | str) -> Tariff:
    """The tariff the procedures charge for `code` (always loaded by migration)."""
    return Tariff.objects.get(code=code)


def plans_offered(*, product_type_code: str | None = None) -> QuerySet[Plan]:
    plans = Plan.objects.filter(is_active=True).select_related("product_type")
    if product_type_code:
        plans = plans.filter(product_type__code=product_type_code)
    return plans.order_by("product_type__name", "monthly_price", "code")
