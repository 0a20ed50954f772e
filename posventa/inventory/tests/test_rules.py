"""Procedure D's rules: one suspension a calendar year, four months at most."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from posventa.factories import CompanyFactory, ProductFactory, SuspensionFactory
from posventa.inventory.models import ProductStatus, Suspension
from posventa.inventory.rules import check_suspension, suspension_errors
from posventa.inventory.services import suspension_record

pytestmark = pytest.mark.django_db


def test_a_first_suspension_is_recorded_with_who_entered_it(make_user):
    manager = make_user("commercial_manager", username="gestor")
    product = ProductFactory()
    suspension = suspension_record(
        product=product, starts_on=date(2025, 3, 1), ends_on=date(2025, 5, 31), user=manager
    )
    suspension.refresh_from_db()
    assert (suspension.starts_on, suspension.ends_on) == (date(2025, 3, 1), date(2025, 5, 31))
    assert suspension.recorded_by == manager
    assert suspension.product == product


# --- one a calendar year ------------------------------------------------------


def test_a_second_suspension_in_the_same_year_is_refused_naming_the_year():
    product = ProductFactory()
    suspension_record(product=product, starts_on=date(2025, 2, 1), ends_on=date(2025, 2, 28))
    with pytest.raises(ValidationError) as excinfo:
        suspension_record(product=product, starts_on=date(2025, 11, 1), ends_on=date(2025, 11, 30))
    [message] = excinfo.value.message_dict["starts_on"]
    assert "2025" in message
    assert product.suspensions.count() == 1


def test_a_suspension_next_year_is_allowed():
    product = ProductFactory()
    suspension_record(product=product, starts_on=date(2025, 2, 1), ends_on=date(2025, 2, 28))
    suspension_record(product=product, starts_on=date(2026, 1, 5), ends_on=date(2026, 2, 5))
    assert product.suspensions.count() == 2


def test_one_in_january_and_one_the_next_january_are_allowed():
    product = ProductFactory()
    suspension_record(product=product, starts_on=date(2025, 1, 2), ends_on=date(2025, 1, 31))
    suspension_record(product=product, starts_on=date(2026, 1, 2), ends_on=date(2026, 1, 31))
    assert product.suspensions.count() == 2


def test_another_product_of_the_same_customer_may_be_suspended_that_year():
    company = CompanyFactory()
    line, internet = ProductFactory(company=company), ProductFactory(company=company)
    suspension_record(product=line, starts_on=date(2025, 2, 1), ends_on=date(2025, 2, 28))
    suspension_record(product=internet, starts_on=date(2025, 2, 1), ends_on=date(2025, 2, 28))
    assert Suspension.objects.count() == 2


def test_the_year_is_the_year_the_suspension_starts():
    product = ProductFactory()
    suspension_record(product=product, starts_on=date(2025, 11, 1), ends_on=date(2026, 1, 31))
    # A new one in 2026, after the first ended, is the first that starts in 2026.
    suspension_record(product=product, starts_on=date(2026, 6, 1), ends_on=date(2026, 6, 30))
    assert product.suspensions.count() == 2


def test_a_suspension_cannot_start_while_the_last_one_still_runs():
    product = ProductFactory()
    suspension_record(product=product, starts_on=date(2025, 11, 1), ends_on=date(2026, 2, 28))
    with pytest.raises(ValidationError) as excinfo:
        suspension_record(product=product, starts_on=date(2026, 2, 1), ends_on=date(2026, 3, 31))
    assert "starts_on" in excinfo.value.message_dict
    assert product.suspensions.count() == 1


def test_a_suspension_may_not_swallow_a_later_one():
    product = ProductFactory()
    SuspensionFactory(product=product, starts_on=date(2026, 1, 10), ends_on=date(2026, 1, 20))
    errors = suspension_errors(
        product=product, starts_on=date(2025, 12, 1), ends_on=date(2026, 2, 1)
    )
    assert "starts_on" in errors


# --- four months at most ------------------------------------------------------


@pytest.mark.parametrize(
    ("starts_on", "ends_on"),
    [
        (date(2025, 3, 1), date(2025, 6, 30)),  # March, April, May, June: exactly 4 months
        (date(2025, 1, 15), date(2025, 5, 14)),
        (date(2025, 10, 1), date(2026, 1, 31)),  # across the year
        (date(2025, 5, 10), date(2025, 5, 10)),  # a single day
    ],
)
def test_up_to_four_months_is_allowed(starts_on, ends_on):
    suspension_record(product=ProductFactory(), starts_on=starts_on, ends_on=ends_on)
    assert Suspension.objects.count() == 1


@pytest.mark.parametrize(
    ("starts_on", "ends_on"),
    [
        (date(2025, 3, 1), date(2025, 7, 1)),  # 4 months and 1 day, end day included
        (date(2025, 1, 15), date(2025, 5, 15)),
        (date(2025, 3, 1), date(2025, 12, 31)),
    ],
)
def test_more_than_four_months_is_refused(starts_on, ends_on):
    product = ProductFactory()
    with pytest.raises(ValidationError) as excinfo:
        suspension_record(product=product, starts_on=starts_on, ends_on=ends_on)
    [message] = excinfo.value.message_dict["ends_on"]
    assert "4" in message
    assert not Suspension.objects.exists()


def test_an_end_before_the_start_is_refused():
    with pytest.raises(ValidationError) as excinfo:
        suspension_record(
            product=ProductFactory(), starts_on=date(2025, 3, 10), ends_on=date(2025, 3, 9)
        )
    assert "ends_on" in excinfo.value.message_dict
    assert not Suspension.objects.exists()


def test_a_withdrawn_product_cannot_be_suspended():
    product = ProductFactory(status=ProductStatus.WITHDRAWN, withdrawn_on=date(2025, 1, 31))
    with pytest.raises(ValidationError) as excinfo:
        suspension_record(product=product, starts_on=date(2025, 3, 1), ends_on=date(2025, 3, 31))
    assert "product" in excinfo.value.message_dict
    assert not Suspension.objects.exists()


def test_the_service_reads_the_product_as_it_is_now_not_as_it_was_passed():
    product = ProductFactory()
    stale = type(product).objects.get(pk=product.pk)
    product.status, product.withdrawn_on = ProductStatus.WITHDRAWN, date(2025, 1, 31)
    product.save()
    with pytest.raises(ValidationError):
        suspension_record(product=stale, starts_on=date(2025, 3, 1), ends_on=date(2025, 3, 31))


def test_every_broken_rule_is_reported_at_once():
    product = ProductFactory(status=ProductStatus.WITHDRAWN, withdrawn_on=date(2025, 1, 31))
    SuspensionFactory(product=product, starts_on=date(2025, 1, 1), ends_on=date(2025, 1, 10))
    errors = suspension_errors(
        product=product, starts_on=date(2025, 3, 1), ends_on=date(2025, 12, 1)
    )
    assert set(errors) == {"product", "ends_on", "starts_on"}


def test_check_suspension_passes_quietly_when_every_rule_holds():
    check_suspension(product=ProductFactory(), starts_on=date(2025, 3, 1), ends_on=date(2025, 3, 5))


def test_editing_a_suspension_does_not_count_it_against_itself():
    product = ProductFactory()
    suspension = SuspensionFactory(
        product=product, starts_on=date(2025, 3, 1), ends_on=date(2025, 3, 31)
    )
    errors = suspension_errors(
        product=product, starts_on=date(2025, 3, 1), ends_on=date(2025, 4, 30), ignore=suspension
    )
    assert errors == {}


def test_an_unsaved_product_has_no_suspensions_yet():
    product = ProductFactory.build()
    assert (
        suspension_errors(product=product, starts_on=date(2025, 3, 1), ends_on=date(2025, 3, 31))
        == {}
    )
