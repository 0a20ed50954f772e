"""No silent overwrite: a step that changes a product checks that the product
is still as the person saw it, and what the step changed is kept with its case.

- `product_fingerprint`: a short digest of what the steps read of a product —
  its plan, status, technology, address and supplementary services. A form
  whose user task says `guards_product="true"` carries the fingerprint it was
  shown with (`procedures/forms/common.py`) and, under the product's row lock,
  refuses to go on if the product changed meanwhile (another case's step).
- `product_state` / `changes_note`: the product described as the team reads
  it, before and after an action; the difference becomes `ProductChange`
  rows of the case ("Plan: 50 Mbps → 100 Mbps"), which the case page, its
  timeline and its documents show instead of the product's state today.
"""

import hashlib

from posventa.cases.models import Case, ProductChange
from posventa.inventory.models import Product


def _services(product: Product) -> list[str]:
    return sorted(product.enabled_services.values_list("service__name", flat=True))


def product_fingerprint(product: Product) -> str:
    """What a person saw of the product, as 16 hex digits: equal fingerprints,
    same plan, status, technology, address and services."""
    parts = [
        str(product.plan_id),
        product.status,
        product.technology,
        " ".join(product.installation_address.split()).casefold(),
        " ".join(product.zone.split()).casefold(),
        " ".join(product.neighbourhood.split()).casefold(),
        "|".join(_services(product)),
    ]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:16]


def product_state(product: Product) -> dict[str, str]:
    """The product as the team reads it, one text per property a case may change."""
    address = ", ".join(
        part for part in (product.installation_address, product.neighbourhood, product.zone) if part
    )
    return {
        "plan": product.plan.name,
        "status": str(product.get_status_display()),
        "technology": str(product.get_technology_display()) if product.technology else "",
        "address": address,
        "services": ", ".join(_services(product)) or "—",
    }


def changes_note(*, case: Case | None, product: Product, before: dict[str, str]) -> list:
    """Keep with the case what changed on the product since `before` (a
    `product_state` taken before the action). Nothing is kept for no case."""
    if case is None:
        return []
    product.refresh_from_db(from_queryset=Product.objects.select_related("plan"))
    after = product_state(product)
    rows = [
        ProductChange(
            case=case, product=product, field=field, before=before[field][:300], after=value[:300]
        )
        for field, value in after.items()
        if before.get(field) != value
    ]
    return ProductChange.objects.bulk_create(rows)


def product_added_note(*, case: Case | None, old: Product, new: Product) -> None:
    """A relocation with a technology change gives the customer a new product
    in place of the old one: kept as one change of the case."""
    if case is not None:
        ProductChange.objects.create(
            case=case,
            product=new,
            field="product",
            before=f"{old.service_number} · {old.plan.name}",
            after=f"{new.service_number} · {new.plan.name}",
        )
