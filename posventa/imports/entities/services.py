"""Supplementary services of a fixed line, by service number and service:
enabled since a date, or — "habilitado: No" — no longer enabled."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from posventa.catalog.models import SupplementaryService
from posventa.imports.entities.base import (
    KEEP,
    REQUIRED,
    Field,
    Phase,
    Row,
    Spec,
    among,
    changed_text,
)
from posventa.imports.models import Entity, RowOutcome
from posventa.imports.values import a_date, fold, text, yes_no
from posventa.inventory.models import Product, ProductSupplementaryService
from posventa.inventory.rules import TELEPHONY_PRODUCT_TYPES

_AMBIGUOUS = object()


def services_by_name() -> dict[str, object]:
    services = list(SupplementaryService.objects.all())
    names: dict[str, object] = {}
    for service in services:
        key = fold(service.name)
        names[key] = service if key not in names else _AMBIGUOUS
    return names | {fold(service.code): service for service in services}


class Services(Spec):
    entity = Entity.SERVICES
    model = ProductSupplementaryService
    key = ("service_number", "service")
    fields = (
        Field(
            "service_number",
            Product._meta.get_field("service_number").verbose_name,
            text(32),
            True,
            REQUIRED,
        ),
        Field("service", gettext_lazy("supplementary service"), text(100), True, REQUIRED),
        Field(
            "enabled_on",
            ProductSupplementaryService._meta.get_field("enabled_on").verbose_name,
            a_date,
            True,
            empty_value=None,
        ),
        Field("enabled", gettext_lazy("enabled"), yes_no, empty=KEEP),
    )

    def key_value(self, values):
        return (values["service_number"], fold(values["service"]))

    def start(self, phase: Phase) -> None:
        phase.memo["services"] = services_by_name()

    def process(self, rows: list[Row], phase: Phase) -> None:
        catalogue = phase.memo["services"]
        live = [row for row in rows if not row.refused]
        products = {
            number: (pk, type_code)
            for number, pk, type_code in Product.objects.filter(
                among("service_number", {r.values["service_number"] for r in live})
            ).values_list("service_number", "id", "plan__product_type__code")
        }
        stored = {
            (e.product_id, e.service_id): e
            for e in phase.lock(
                ProductSupplementaryService.objects.filter(
                    among("product_id", [pk for pk, _code in products.values()])
                )
            )
        }
        creates, updates, deletes = [], [], []
        for row in live:
            values = row.values
            product = products.get(values["service_number"])
            if product is None:
                phase.problem(row, "service_number", _("no product has this service number."))
            elif product[1] not in TELEPHONY_PRODUCT_TYPES:
                phase.problem(
                    row,
                    "service_number",
                    _("Supplementary services run only on a product with a telephone line."),
                )
            service = catalogue.get(fold(values["service"]))
            if service is None:
                phase.problem(row, "service", _("no supplementary service has this code or name."))
            elif service is _AMBIGUOUS:
                phase.problem(row, "service", _("two services have this name: write its code."))
            if row.refused:
                continue
            enabled = values.get("enabled", True)
            enabled_on = values.get("enabled_on")
            current = stored.get((product[0], service.pk))
            if not enabled:
                if current is None:
                    row.done(RowOutcome.UNCHANGED, _("Not enabled."))
                else:
                    current.service = service
                    deletes.append(current)
                    del stored[(product[0], service.pk)]
                    row.done(RowOutcome.UPDATED, _("Disabled: no longer on the product."))
                continue
            if current is None:
                if enabled_on is None:
                    phase.problem(row, "enabled_on", _("the date it was enabled is required."))
                    continue
                current = ProductSupplementaryService(
                    product_id=product[0], service=service, enabled_on=enabled_on
                )
                creates.append(current)
                stored[(product[0], service.pk)] = current
                row.done(RowOutcome.CREATED)
            elif enabled_on is not None and enabled_on != current.enabled_on:
                changes = {"enabled_on": (current.enabled_on, enabled_on)}
                current.enabled_on = enabled_on
                current.service = service
                updates.append((current, changes))
                row.done(RowOutcome.UPDATED, changed_text(ProductSupplementaryService, changes))
            else:
                row.done(RowOutcome.UNCHANGED)
        if phase.apply:
            self._write(phase, creates, updates, deletes)

    def _write(self, phase, creates, updates, deletes) -> None:
        from posventa.imports.entities.base import write

        if deletes:
            for enabled in deletes:
                phase.audit.deleted(enabled)
            ProductSupplementaryService.objects.filter(
                among("pk", [e.pk for e in deletes])
            ).delete()
        write(phase, ProductSupplementaryService, creates, updates)
