"""The equipment catalogue: each kind of device lists the parts it is lent
with, each part priced by its tariff row; loaded by a data migration and
edited in the admin."""

from decimal import Decimal

import pytest
from django.urls import reverse

from posventa.catalog.models import (
    EquipmentKind,
    EquipmentPart,
    EquipmentType,
    Tariff,
    TariffCode,
    TariffUnit,
)
from posventa.catalog.selectors import device_tariff, equipment_parts, equipment_parts_by_kind
from posventa.factories import EquipmentFactory

pytestmark = pytest.mark.django_db


def codes(parts) -> list[str]:
    return [part.code for part in parts]


def test_every_kind_of_device_is_in_the_catalogue_with_its_parts_and_price():
    assert set(EquipmentType.objects.values_list("kind", flat=True)) == set(EquipmentKind.values)
    for equipment_type in EquipmentType.objects.all():
        assert equipment_type.parts.exists(), equipment_type.kind
        assert equipment_type.replacement_tariff.code == f"device_{equipment_type.kind}"


def test_a_decoder_and_an_ont_list_the_parts_the_issue_names():
    assert set(codes(equipment_parts("decoder"))) == {
        "power_supply",
        "remote_control",
        "hdmi_cable",
    }
    assert {"power_supply", "network_cable"} <= set(codes(equipment_parts("ont")))


def test_each_part_is_priced_by_its_own_tariff_a_placeholder_in_bs_per_unit():
    tariffs = [part.tariff for part in EquipmentPart.objects.select_related("tariff")]
    assert len({t.pk for t in tariffs}) == EquipmentPart.objects.count() == 9
    for tariff in tariffs:
        assert tariff.code.startswith("part_")
        assert tariff.unit == TariffUnit.BS_PER_UNIT and tariff.amount > 0
        assert not tariff.from_manual and tariff.note  # the manual gives no figure
    assert EquipmentPart.objects.get(code="remote_control").price == Decimal("35.00")


def test_the_selectors_read_the_catalogue_as_edited():
    decoder = EquipmentType.objects.get(kind="decoder")
    decoder.parts.remove(EquipmentPart.objects.get(code="hdmi_cable"))
    Tariff.objects.filter(code=TariffCode.PART_POWER_SUPPLY).update(amount=Decimal("60"))
    found = equipment_parts_by_kind(["decoder", "phone"])
    assert codes(found["decoder"]) == ["remote_control", "power_supply"]  # by name
    assert found["decoder"][1].price == Decimal("60.00")
    assert codes(found["phone"]) == codes(equipment_parts("phone"))
    assert equipment_parts("no_such_kind") == []
    assert device_tariff("decoder").code == "device_decoder"
    EquipmentType.objects.filter(kind="decoder").update(replacement_tariff=None)
    assert device_tariff("decoder") is None


# --- the admin --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "get_one"),
    [
        ("equipmentpart", lambda: EquipmentPart.objects.get(code="antenna")),
        ("equipmenttype", lambda: EquipmentType.objects.get(kind="router")),
    ],
)
def test_the_catalogue_pages_open_and_keep_the_set_as_loaded(admin_client, model, get_one):
    obj = get_one()
    assert admin_client.get(reverse(f"admin:catalog_{model}_changelist")).status_code == 200
    page = admin_client.get(reverse(f"admin:catalog_{model}_change", args=[obj.pk]))
    assert page.status_code == 200
    assert admin_client.get(reverse(f"admin:catalog_{model}_add")).status_code == 403
    delete = admin_client.post(reverse(f"admin:catalog_{model}_delete", args=[obj.pk]))
    assert delete.status_code == 403


def test_the_admin_edits_the_parts_of_a_kind_of_device(admin_client):
    router = EquipmentType.objects.get(kind="router")
    keep = EquipmentPart.objects.filter(code__in=["power_supply", "usb_cable"])
    response = admin_client.post(
        reverse("admin:catalog_equipmenttype_change", args=[router.pk]),
        {
            "parts": [part.pk for part in keep],
            "replacement_tariff": router.replacement_tariff_id,
        },
    )
    assert response.status_code == 302
    assert set(codes(equipment_parts("router"))) == {"power_supply", "usb_cable"}


def test_the_admin_refuses_a_device_tariff_that_prices_another_kind(admin_client):
    router = EquipmentType.objects.get(kind="router")
    before = list(router.parts.all())
    response = admin_client.post(
        reverse("admin:catalog_equipmenttype_change", args=[router.pk]),
        {"parts": [], "replacement_tariff": Tariff.objects.get(code="device_ont").pk},
    )
    assert response.status_code == 200
    assert "replacement_tariff" in response.context["adminform"].form.errors
    router.refresh_from_db()
    assert router.replacement_tariff.code == "device_router"
    assert list(router.parts.all()) == before


def test_a_part_tariff_is_not_offered_as_a_device_price(admin_client):
    router = EquipmentType.objects.get(kind="router")
    page = admin_client.get(reverse("admin:catalog_equipmenttype_change", args=[router.pk]))
    offered = page.context["adminform"].form.fields["replacement_tariff"].queryset
    assert all(t.code.startswith("device_") for t in offered)


def test_an_equipments_admin_page_shows_its_missing_parts(admin_client):
    from posventa.inventory.models import EquipmentMissingPart

    equipment = EquipmentFactory(kind="decoder")
    EquipmentMissingPart.objects.create(
        equipment=equipment, part=EquipmentPart.objects.get(code="remote_control")
    )
    page = admin_client.get(reverse("admin:inventory_equipment_change", args=[equipment.pk]))
    assert "Control remoto" in page.content.decode()
