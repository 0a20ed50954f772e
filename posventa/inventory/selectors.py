"""Reads on the customer's installed products."""

from django.db.models import Prefetch, QuerySet

from posventa.customers.models import Company
from posventa.inventory.models import Product, ProductSupplementaryService


def company_products(*, company: Company, include_withdrawn: bool = True) -> QuerySet[Product]:
    """The company's products with their plan, type and enabled services."""
    products = company.products.select_related("plan__product_type").prefetch_related(
        Prefetch(
            "enabled_services",
            queryset=ProductSupplementaryService.objects.select_related("service"),
        ),
        "equipment",
    )
    if not include_withdrawn:
        products = products.exclude(status="withdrawn")
    return products.order_by("status", "plan__product_type__name", "service_number")
