from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from posventa.catalog.models import Technology
from posventa.factories import (
    EnabledServiceFactory,
    EquipmentFactory,
    PlanFactory,
    ProductFactory,
    SuspensionFactory,
    product_type,
    supplementary_service,
)
from posventa.inventory.models import Product, Suspension

pytestmark = pytest.mark.django_db


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize(
    ("model", "factory"),
    [
        ("product", ProductFactory),
        ("equipment", EquipmentFactory),
        ("suspension", SuspensionFactory),
    ],
)
def test_changelist_change_and_add_pages_open(admin_client, model, factory):
    obj = factory()
    assert admin_client.get(reverse(f"admin:inventory_{model}_changelist")).status_code == 200
    assert (
        admin_client.get(reverse(f"admin:inventory_{model}_change", args=[obj.pk])).status_code
        == 200
    )
    assert admin_client.get(reverse(f"admin:inventory_{model}_add")).status_code == 200


@pytest.mark.parametrize(
    ("model", "factory"),
    [
        ("product", ProductFactory),
        ("equipment", EquipmentFactory),
        ("suspension", SuspensionFactory),
    ],
)
def test_the_changelist_costs_the_same_for_2_or_6_rows(admin_client, model, factory):
    url = reverse(f"admin:inventory_{model}_changelist")
    factory.create_batch(2)
    few = _queries(admin_client, url)
    factory.create_batch(4)
    assert _queries(admin_client, url) == few


def test_the_product_page_shows_services_equipment_and_suspensions(admin_client):
    product = ProductFactory()
    EnabledServiceFactory(product=product, service=supplementary_service("centrex"))
    EquipmentFactory(product=product, serial="ZTE0001")
    SuspensionFactory(product=product, starts_on=date(2025, 3, 1), ends_on=date(2025, 4, 30))
    response = admin_client.get(reverse("admin:inventory_product_change", args=[product.pk]))
    assert "ZTE0001" in response.text
    assert "Centrex" in response.text
    assert "01/03/2025" in response.text


def test_products_are_found_by_an_equipment_serial(admin_client):
    EquipmentFactory(serial="HW-778899", product=ProductFactory(service_number="4455667"))
    ProductFactory(service_number="4411111")
    response = admin_client.get(reverse("admin:inventory_product_changelist"), {"q": "HW-778899"})
    assert [p.service_number for p in response.context["cl"].result_list] == ["4455667"]


@pytest.mark.parametrize(
    ("param", "value", "expected"),
    [
        ("technology__exact", Technology.FIBER, ["4400002"]),
        ("status__exact", "suspended", ["4400003"]),
    ],
)
def test_products_are_filtered_by_technology_and_status(admin_client, param, value, expected):
    ProductFactory(service_number="4400001", technology=Technology.COPPER)
    ProductFactory(service_number="4400002", technology=Technology.FIBER)
    ProductFactory(service_number="4400003", status="suspended")
    response = admin_client.get(reverse("admin:inventory_product_changelist"), {param: value})
    assert [p.service_number for p in response.context["cl"].result_list] == expected


def _product_post(product, **overrides):
    data = {
        "company": product.company_id,
        "service_number": product.service_number,
        "plan": product.plan_id,
        "technology": product.technology,
        "installation_address": product.installation_address,
        "installed_on": "15/01/2024",
        "minimum_permanence_months": "12",
        "status": product.status,
        "withdrawn_on": "",
        "enabled_services-TOTAL_FORMS": "0",
        "enabled_services-INITIAL_FORMS": "0",
        "equipment-TOTAL_FORMS": "0",
        "equipment-INITIAL_FORMS": "0",
        "suspensions-TOTAL_FORMS": "0",
        "suspensions-INITIAL_FORMS": "0",
    }
    return {**data, **overrides}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"technology": ""}, "technology"),  # internet needs copper or fiber
        ({"status": "withdrawn"}, "withdrawn_on"),  # withdrawn: when?
        ({"withdrawn_on": "31/01/2025"}, "withdrawn_on"),  # active: no withdrawal date
    ],
)
def test_the_product_form_applies_the_rules_with_a_clear_message(admin_client, changes, field):
    product = ProductFactory(technology=Technology.COPPER)
    response = admin_client.post(
        reverse("admin:inventory_product_change", args=[product.pk]),
        _product_post(product, **changes),
    )
    assert response.status_code == 200
    assert field in response.context["adminform"].form.errors
    product.refresh_from_db()
    assert (product.technology, product.status) == (Technology.COPPER, "active")


def test_an_hspa_product_with_a_technology_is_refused(admin_client):
    product = ProductFactory(plan=PlanFactory(product_type=product_type("hspa")), technology="")
    response = admin_client.post(
        reverse("admin:inventory_product_change", args=[product.pk]),
        _product_post(product, technology=Technology.FIBER),
    )
    assert "technology" in response.context["adminform"].form.errors
    assert Product.objects.get().technology == ""


def test_the_suspension_form_applies_procedure_ds_rules(admin_client, admin_user):
    product = ProductFactory()
    SuspensionFactory(product=product, starts_on=date(2025, 2, 1), ends_on=date(2025, 2, 28))
    url = reverse("admin:inventory_suspension_add")
    response = admin_client.post(
        url, {"product": product.pk, "starts_on": "01/09/2025", "ends_on": "30/09/2025"}
    )
    assert response.status_code == 200
    assert "starts_on" in response.context["adminform"].form.errors
    response = admin_client.post(
        url, {"product": product.pk, "starts_on": "01/03/2026", "ends_on": "30/06/2026"}
    )
    assert response.status_code == 302
    assert Suspension.objects.get(starts_on=date(2026, 3, 1)).recorded_by == admin_user


def test_editing_a_suspension_is_not_refused_as_a_second_one(admin_client):
    suspension = SuspensionFactory(starts_on=date(2025, 3, 1), ends_on=date(2025, 3, 31))
    response = admin_client.post(
        reverse("admin:inventory_suspension_change", args=[suspension.pk]),
        {
            "product": suspension.product_id,
            "starts_on": "01/03/2025",
            "ends_on": "30/04/2025",
            "reconnected_on": "",
        },
    )
    assert response.status_code == 302
    suspension.refresh_from_db()
    assert suspension.ends_on == date(2025, 4, 30)


def test_a_serial_typed_in_lower_case_is_stored_as_equipment_add_would(admin_client):
    product = ProductFactory()
    response = admin_client.post(
        reverse("admin:inventory_equipment_add"),
        {"product": product.pk, "serial": " zte-01 ", "kind": "ont", "returned_on": ""},
    )
    assert response.status_code == 302
    assert product.equipment.get().serial == "ZTE-01"
