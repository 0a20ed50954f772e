from django.db import migrations

from posventa.procedures.reference_data import REQUIREMENTS


def load(apps, schema_editor):
    """The checklists of procedures G (call detail) and H (withdrawal)."""
    Requirement = apps.get_model("procedures", "Requirement")
    for procedure in ("G", "H"):
        for position, (kind, label, only_when_other) in enumerate(REQUIREMENTS[procedure]):
            Requirement.objects.get_or_create(
                procedure=procedure,
                document_kind=kind,
                defaults={
                    "label": label,
                    "only_when_signed_by_other": only_when_other,
                    "position": position,
                },
            )


class Migration(migrations.Migration):
    dependencies = [("procedures", "0003_relocation_requirements")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
