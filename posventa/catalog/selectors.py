"""Reads on the catalogue."""

from django.db.models import QuerySet

from posventa.catalog.models import (
    EquipmentPart,
    EquipmentType,
    Plan,
    Tariff,
    TariffCode,
    TeamRule,
    TeamRuleCode,
)


def tariff_get(code: TariffCode | str) -> Tariff:
    """The tariff the procedures charge for `code` (always loaded by migration)."""
    return Tariff.objects.get(code=code)


def plans_offered(*, product_type_code: str | None = None) -> QuerySet[Plan]:
    plans = Plan.objects.filter(is_active=True).select_related("product_type")
    if product_type_code:
        plans = plans.filter(product_type__code=product_type_code)
    return plans.order_by("product_type__name", "monthly_price", "code")


def equipment_parts(kind: str) -> list[EquipmentPart]:
    """The parts the catalogue lists for a kind of device, with their prices
    (none when the kind is not in the catalogue)."""
    return list(
        EquipmentPart.objects.filter(equipment_types__kind=kind)
        .select_related("tariff")
        .order_by("name", "code")
    )


def equipment_parts_by_kind(kinds) -> dict[str, list[EquipmentPart]]:
    """`equipment_parts` for several kinds at once (one query)."""
    found: dict[str, list[EquipmentPart]] = {kind: [] for kind in kinds}
    through = EquipmentType.parts.through.objects.filter(equipmenttype__kind__in=list(found))
    for row in through.select_related("equipmentpart__tariff", "equipmenttype").order_by(
        "equipmentpart__name", "equipmentpart__code"
    ):
        found[row.equipmenttype.kind].append(row.equipmentpart)
    return found


def device_tariff(kind: str) -> Tariff | None:
    """The replacement price of a whole device of this kind, if the table has one."""
    return Tariff.objects.filter(equipment_type__kind=kind).first()


def team_rule(code: TeamRuleCode | str) -> TeamRule:
    """The team's own rule `code` as it stands now (every rule is loaded by
    migration; the admin edits its value, never adds or deletes one). The one
    way the procedures read a team rule."""
    return TeamRule.objects.get(code=code)
