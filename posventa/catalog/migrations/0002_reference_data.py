from django.db import migrations

from posventa.catalog.reference_data import PRODUCT_TYPES, SUPPLEMENTARY_SERVICES, TARIFFS


def load(apps, schema_editor):
    ProductType = apps.get_model("catalog", "ProductType")
    SupplementaryService = apps.get_model("catalog", "SupplementaryService")
    Tariff = apps.get_model("catalog", "Tariff")
    for code, name, uses_access_network in PRODUCT_TYPES:
        ProductType.objects.get_or_create(
            code=code, defaults={"name": name, "uses_access_network": uses_access_network}
        )
    for code, name, description in SUPPLEMENTARY_SERVICES:
        SupplementaryService.objects.get_or_create(
            code=code, defaults={"name": name, "description": description}
        )
    for code, amount, unit, from_manual, note in TARIFFS:
        Tariff.objects.get_or_create(
            code=code,
            defaults={"amount": amount, "unit": unit, "from_manual": from_manual, "note": note},
        )


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
