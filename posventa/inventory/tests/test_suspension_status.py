"""A temporary suspension really suspends the product for its dates, and
reconnection makes it active again (procedure D)."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from posventa.factories import ProductFactory, SuspensionFactory
from posventa.inventory.models import ProductStatus
from posventa.inventory.services import product_reconnect, product_suspend

pytestmark = pytest.mark.django_db


@pytest.fixture
def suspension():
    """Suspended from 1 March to 30 June 2026, both included."""
    return SuspensionFactory(
        product=ProductFactory(), starts_on=date(2026, 3, 1), ends_on=date(2026, 6, 30)
    )


def test_suspending_on_a_day_the_suspension_covers_suspends_the_product(suspension):
    product = product_suspend(product=suspension.product, on=date(2026, 3, 1))
    product.refresh_from_db()
    assert product.status == ProductStatus.SUSPENDED
    # A second time (a timer that fires again) changes nothing.
    assert product_suspend(product=product, on=date(2026, 3, 2)).status == ProductStatus.SUSPENDED


@pytest.mark.parametrize("day", [date(2026, 2, 28), date(2026, 7, 1)])
def test_outside_its_dates_the_product_is_not_suspended(suspension, day):
    with pytest.raises(ValidationError) as excinfo:
        product_suspend(product=suspension.product, on=day)
    assert "product" in excinfo.value.message_dict
    suspension.product.refresh_from_db()
    assert suspension.product.status == ProductStatus.ACTIVE


def test_a_product_with_no_suspension_is_not_suspended():
    product = ProductFactory()
    with pytest.raises(ValidationError):
        product_suspend(product=product, on=date(2026, 3, 1))


def test_an_ended_suspension_suspends_no_more(suspension):
    product_reconnect(product=suspension.product, on=date(2026, 4, 1))
    with pytest.raises(ValidationError):
        product_suspend(product=suspension.product, on=date(2026, 4, 2))


def test_reconnecting_makes_the_product_active_and_says_when(suspension):
    product_suspend(product=suspension.product, on=date(2026, 3, 1))
    ended = product_reconnect(product=suspension.product, on=date(2026, 7, 1))
    assert ended == suspension
    suspension.refresh_from_db()
    assert suspension.reconnected_on == date(2026, 7, 1)
    suspension.product.refresh_from_db()
    assert suspension.product.status == ProductStatus.ACTIVE


def test_reconnecting_before_the_end_is_allowed(suspension):
    product_suspend(product=suspension.product, on=date(2026, 3, 1))
    product_reconnect(product=suspension.product, on=date(2026, 4, 15))
    suspension.refresh_from_db()
    assert suspension.reconnected_on == date(2026, 4, 15)


def test_there_is_nothing_to_reconnect_twice_or_before_the_start(suspension):
    with pytest.raises(ValidationError):
        product_reconnect(product=suspension.product, on=date(2026, 2, 1))
    product_reconnect(product=suspension.product, on=date(2026, 5, 1))
    with pytest.raises(ValidationError) as excinfo:
        product_reconnect(product=suspension.product, on=date(2026, 5, 2))
    assert "product" in excinfo.value.message_dict
    suspension.refresh_from_db()
    assert suspension.reconnected_on == date(2026, 5, 1)


def test_the_latest_suspension_is_the_one_reconnected(suspension):
    old = SuspensionFactory(
        product=suspension.product,
        starts_on=date(2025, 3, 1),
        ends_on=date(2025, 3, 31),
        reconnected_on=date(2025, 4, 1),
    )
    product_reconnect(product=suspension.product, on=date(2026, 4, 1))
    old.refresh_from_db()
    assert old.reconnected_on == date(2025, 4, 1)
    suspension.refresh_from_db()
    assert suspension.reconnected_on == date(2026, 4, 1)


def test_a_withdrawn_product_is_neither_suspended_nor_reconnected(suspension):
    product = suspension.product
    product.status = ProductStatus.WITHDRAWN
    product.withdrawn_on = date(2026, 2, 1)
    product.save()
    with pytest.raises(ValidationError):
        product_suspend(product=product, on=date(2026, 3, 1))
    with pytest.raises(ValidationError):
        product_reconnect(product=product, on=date(2026, 4, 1))
    product.refresh_from_db()
    assert product.status == ProductStatus.WITHDRAWN
