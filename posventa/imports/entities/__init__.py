"""The kinds of record a file of the commercial system may hold, one module
each: its fields, its natural key, its checks and its batch upsert."""

from functools import cache

from posventa.imports.entities.base import Spec


@cache
def _registry() -> dict[str, Spec]:
    from posventa.imports.entities.companies import Companies
    from posventa.imports.entities.contacts import Contacts
    from posventa.imports.entities.equipment import EquipmentSpec
    from posventa.imports.entities.invoices import Invoices
    from posventa.imports.entities.payments import Payments
    from posventa.imports.entities.products import Products
    from posventa.imports.entities.services import Services

    specs = (Companies, Contacts, Products, Services, EquipmentSpec, Invoices, Payments)
    return {spec.entity: spec() for spec in specs}


def spec_for(entity: str) -> Spec:
    return _registry()[entity]
