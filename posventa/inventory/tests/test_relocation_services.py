"""The inventory writes of procedure C: relocate, withdraw, activate."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from posventa.factories import PlanFactory, ProductFactory
from posventa.inventory.models import ProductStatus
from posventa.inventory.services import product_activate, product_relocate, product_withdraw

pytestmark = pytest.mark.django_db


@pytest.fixture
def product():
    return ProductFactory(
        service_number="INT-100",
        installation_address="Calle España N° 345",
        zone="Zona Central",
        neighbourhood="Casco Viejo",
        installed_on=date(2024, 3, 1),
    )


def test_relocating_moves_the_address_and_keeps_the_rest(product):
    moved = product_relocate(
        product=product,
        installation_address="  Av. Santa Cruz   N° 1280 ",
        zone="Zona Norte",
        neighbourhood="Queru Queru",
    )
    moved.refresh_from_db()
    assert (moved.installation_address, moved.zone, moved.neighbourhood) == (
        "Av. Santa Cruz N° 1280",
        "Zona Norte",
        "Queru Queru",
    )
    assert (moved.service_number, moved.plan, moved.technology) == (
        "INT-100",
        product.plan,
        product.technology,
    )


@pytest.mark.parametrize(
    ("address", "zone", "neighbourhood", "field"),
    [
        ("calle españa  n° 345", "zona central", "CASCO VIEJO", "installation_address"),
        ("   ", "Zona Norte", "Queru Queru", "installation_address"),
    ],
)
def test_relocating_to_nowhere_or_to_the_same_place_is_refused(
    product, address, zone, neighbourhood, field
):
    with pytest.raises(ValidationError) as excinfo:
        product_relocate(
            product=product, installation_address=address, zone=zone, neighbourhood=neighbourhood
        )
    assert field in excinfo.value.message_dict


def test_a_withdrawn_product_is_neither_relocated_nor_withdrawn_again(product):
    with pytest.raises(ValidationError):
        product_withdraw(product=product, on=date(2024, 2, 1))  # before it was installed
    product_withdraw(product=product, on=date(2026, 5, 4))
    product.refresh_from_db()
    assert (product.status, product.withdrawn_on) == (ProductStatus.WITHDRAWN, date(2026, 5, 4))
    with pytest.raises(ValidationError):
        product_withdraw(product=product, on=date(2026, 5, 5))
    with pytest.raises(ValidationError) as excinfo:
        product_relocate(product=product, installation_address="Av. Perú N° 10")
    assert "product" in excinfo.value.message_dict


def test_activating_a_new_product(product):
    new = product_activate(
        company=product.company,
        service_number="FO-200",
        plan=product.plan,
        technology="fiber",
        installation_address="Av. Santa Cruz N° 1280",
        zone="Zona Norte",
        neighbourhood="Queru Queru",
        on=date(2026, 5, 4),
        minimum_permanence_months=7,
    )
    assert (new.status, new.technology, new.installed_on, new.permanence_ends_on) == (
        ProductStatus.ACTIVE,
        "fiber",
        date(2026, 5, 4),
        date(2026, 12, 4),
    )


@pytest.mark.parametrize(
    ("number", "plan_active", "field"),
    [("INT-100", True, "service_number"), ("", True, "service_number"), ("FO-9", False, "plan")],
)
def test_activating_needs_a_free_number_and_an_offered_plan(product, number, plan_active, field):
    plan = PlanFactory(is_active=plan_active)
    with pytest.raises(ValidationError) as excinfo:
        product_activate(
            company=product.company,
            service_number=number,
            plan=plan,
            technology="fiber",
            installation_address="Av. Santa Cruz N° 1280",
            on=date(2026, 5, 4),
        )
    assert field in excinfo.value.message_dict
