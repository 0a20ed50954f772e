from decimal import Decimal

import pytest
from django.urls import reverse

from posventa.catalog.models import (
    Plan,
    ProductType,
    ProductTypeCode,
    SupplementaryService,
    Tariff,
    TariffCode,
)
from posventa.factories import PlanFactory, product_type

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("model", "get_one"),
    [
        ("producttype", lambda: ProductType.objects.get(code="internet")),
        ("plan", PlanFactory),
        ("supplementaryservice", lambda: SupplementaryService.objects.get(code="centrex")),
        ("tariff", lambda: Tariff.objects.get(code=TariffCode.BASIC_TELEPHONY)),
    ],
)
def test_changelist_and_change_pages_open(admin_client, model, get_one):
    obj = get_one()
    assert admin_client.get(reverse(f"admin:catalog_{model}_changelist")).status_code == 200
    assert (
        admin_client.get(reverse(f"admin:catalog_{model}_change", args=[obj.pk])).status_code == 200
    )


@pytest.mark.parametrize("model", ["producttype", "supplementaryservice", "tariff"])
def test_reference_data_is_edited_but_neither_added_nor_deleted(admin_client, model):
    assert admin_client.get(reverse(f"admin:catalog_{model}_add")).status_code == 403


def test_the_tariff_list_tells_the_manuals_figures_from_the_defaults(admin_client):
    response = admin_client.get(
        reverse("admin:catalog_tariff_changelist"), {"from_manual__exact": "1"}
    )
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == 2


def test_a_tariffs_amount_is_edited_but_not_its_code(admin_client):
    tariff = Tariff.objects.get(code=TariffCode.RELOCATION)
    response = admin_client.post(
        reverse("admin:catalog_tariff_change", args=[tariff.pk]),
        {"amount": "180.00", "note": "Nuevo monto 2026", "code": "basic_telephony"},
    )
    assert response.status_code == 302
    tariff.refresh_from_db()
    assert tariff.amount == Decimal("180.00")
    assert tariff.code == TariffCode.RELOCATION


def _plan_post(type_code, price, basic):
    return {
        "code": "P-1",
        "name": "Plan",
        "product_type": product_type(type_code).pk,
        "monthly_price": price,
        "basic_telephony_amount": basic,
        "is_active": "on",
    }


@pytest.mark.parametrize(
    ("type_code", "price", "basic"),
    [(ProductTypeCode.INTERNET, "150", "70"), (ProductTypeCode.MULTIPACK, "50", "70")],
)
def test_the_plan_form_applies_the_basic_telephony_rules(admin_client, type_code, price, basic):
    response = admin_client.post(
        reverse("admin:catalog_plan_add"), _plan_post(type_code, price, basic)
    )
    assert response.status_code == 200
    assert "basic_telephony_amount" in response.context["adminform"].form.errors
    assert not Plan.objects.exists()


def test_a_valid_multipack_plan_is_saved_from_the_admin(admin_client):
    response = admin_client.post(
        reverse("admin:catalog_plan_add"), _plan_post(ProductTypeCode.MULTIPACK, "300", "70")
    )
    assert response.status_code == 302
    assert Plan.objects.get().basic_telephony_amount == Decimal("70")


def test_plans_are_filtered_by_product_type(admin_client):
    PlanFactory(name="Plan de internet", product_type=product_type("internet"))
    PlanFactory(name="Plan de TV", product_type=product_type("pay_tv"))
    response = admin_client.get(
        reverse("admin:catalog_plan_changelist"),
        {"product_type__id__exact": product_type("pay_tv").pk},
    )
    assert [p.name for p in response.context["cl"].result_list] == ["Plan de TV"]
