"""The invariants the database keeps even for rows written around the services."""

from datetime import date

import pytest
from django.db import IntegrityError, transaction

from posventa.factories import (
    EnabledServiceFactory,
    ProductFactory,
    SuspensionFactory,
    supplementary_service,
)
from posventa.inventory.models import Product, ProductStatus

pytestmark = pytest.mark.django_db


def test_a_withdrawn_product_needs_its_withdrawal_date():
    with pytest.raises(IntegrityError), transaction.atomic():
        ProductFactory(status=ProductStatus.WITHDRAWN, withdrawn_on=None)
    assert not Product.objects.exists()


@pytest.mark.parametrize("status", [ProductStatus.ACTIVE, ProductStatus.SUSPENDED])
def test_a_product_in_service_has_no_withdrawal_date(status):
    with pytest.raises(IntegrityError), transaction.atomic():
        ProductFactory(status=status, withdrawn_on=date(2025, 1, 31))


def test_withdrawing_with_a_date_is_accepted():
    product = ProductFactory()
    Product.objects.filter(pk=product.pk).update(
        status=ProductStatus.WITHDRAWN, withdrawn_on=date(2025, 1, 31)
    )
    product.refresh_from_db()
    assert product.status == ProductStatus.WITHDRAWN


def test_the_database_refuses_an_unknown_technology_or_status():
    with pytest.raises(IntegrityError), transaction.atomic():
        ProductFactory(technology="satellite")
    with pytest.raises(IntegrityError), transaction.atomic():
        ProductFactory(status="lost")
    assert not Product.objects.exists()


def test_the_database_refuses_a_suspension_ending_before_it_starts():
    with pytest.raises(IntegrityError), transaction.atomic():
        SuspensionFactory(starts_on=date(2025, 3, 2), ends_on=date(2025, 3, 1))
    # A one-day suspension is fine.
    SuspensionFactory(starts_on=date(2025, 3, 1), ends_on=date(2025, 3, 1))


def test_a_supplementary_service_is_enabled_once_per_product():
    enabled = EnabledServiceFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        EnabledServiceFactory(product=enabled.product, service=enabled.service)
    # Another service on the same line is fine.
    EnabledServiceFactory(product=enabled.product, service=supplementary_service("centrex"))
    assert enabled.product.supplementary_services.count() == 2
