from django.db import migrations

from posventa.procedures.reference_data import REQUIREMENTS


def load(apps, schema_editor):
    """Procedure C's checklist, for databases that ran 0002 before C existed."""
    Requirement = apps.get_model("procedures", "Requirement")
    for position, (kind, label, only_when_other) in enumerate(REQUIREMENTS["C"]):
        Requirement.objects.get_or_create(
            procedure="C",
            document_kind=kind,
            defaults={
                "label": label,
                "only_when_signed_by_other": only_when_other,
                "position": position,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("procedures", "0002_default_requirements")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
