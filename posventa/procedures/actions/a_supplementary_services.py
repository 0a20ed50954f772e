"""Procedure A, supplementary services: the line's services really change and
each enabled service's fee goes on the next recurring invoice."""

from decimal import Decimal

from django.utils import timezone

from posventa.billing.services import charge_add
from posventa.cases.selectors import case_for_instance
from posventa.catalog.models import SupplementaryService, TariffCode
from posventa.catalog.selectors import tariff_get
from posventa.engine.registry import registry
from posventa.integrations.handback import services_hand_back
from posventa.inventory.models import Product
from posventa.inventory.services import supplementary_services_change
from posventa.procedures.product_guard import changes_note, product_state


@registry.register_action("change_supplementary_services")
def change_supplementary_services(instance, product_id: int, enable, disable) -> dict:
    product = Product.objects.get(pk=product_id)
    to_enable = list(SupplementaryService.objects.filter(pk__in=enable or []).order_by("name"))
    to_disable = list(SupplementaryService.objects.filter(pk__in=disable or []).order_by("name"))
    before = product_state(product)
    today = timezone.localdate()
    supplementary_services_change(product=product, enable=to_enable, disable=to_disable, on=today)
    case = case_for_instance(instance)
    changes_note(case=case, product=product, before=before)
    services_hand_back(
        product=product,
        enabled=to_enable,
        disabled=to_disable,
        on=today,
        case=case,
        instance=instance,
    )
    fee = Decimal("0")
    if to_enable:
        tariff = tariff_get(TariffCode.SUPPLEMENTARY_SERVICE)
        charge = charge_add(
            product=product,
            concept="Habilitación de servicios suplementarios: "
            + ", ".join(s.name for s in to_enable),
            tariff=tariff,
            quantity=len(to_enable),
        )
        fee = charge.amount
    parts = []
    if to_enable:
        parts.append("habilitar " + ", ".join(s.name for s in to_enable))
    if to_disable:
        parts.append("deshabilitar " + ", ".join(s.name for s in to_disable))
    return {
        "summary": f"Servicios suplementarios de la línea {product.service_number}: "
        + "; ".join(parts),
        "fee": str(fee),
    }
