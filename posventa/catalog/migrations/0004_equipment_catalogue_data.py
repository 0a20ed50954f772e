# The equipment catalogue's reference data: the parts each kind of device is
# lent with, and the tariff rows of their replacement prices (placeholders).

from django.db import migrations

from posventa.catalog.reference_data import EQUIPMENT_PARTS, EQUIPMENT_TARIFFS, EQUIPMENT_TYPES


def load(apps, schema_editor):
    Tariff = apps.get_model("catalog", "Tariff")
    EquipmentPart = apps.get_model("catalog", "EquipmentPart")
    EquipmentType = apps.get_model("catalog", "EquipmentType")
    for code, amount, unit, from_manual, note in EQUIPMENT_TARIFFS:
        Tariff.objects.get_or_create(
            code=code,
            defaults={"amount": amount, "unit": unit, "from_manual": from_manual, "note": note},
        )
    parts = {}
    for code, name, tariff_code, _amount in EQUIPMENT_PARTS:
        parts[code], _created = EquipmentPart.objects.get_or_create(
            code=code, defaults={"name": name, "tariff": Tariff.objects.get(code=tariff_code)}
        )
    for kind, part_codes, tariff_code, _amount in EQUIPMENT_TYPES:
        equipment_type, created = EquipmentType.objects.get_or_create(
            kind=kind, defaults={"replacement_tariff": Tariff.objects.get(code=tariff_code)}
        )
        if created:  # the operator's later choice of parts stays as it is
            equipment_type.parts.set([parts[code] for code in part_codes])


class Migration(migrations.Migration):
    dependencies = [("catalog", "0003_equipment_catalogue")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
