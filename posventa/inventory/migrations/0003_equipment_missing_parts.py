# Procedures H and C: a device may come back incomplete, with the parts it
# lacks (from the equipment catalogue); a damaged one says what is damaged.

import django.db.models.deletion
from django.db import migrations, models


def note_old_damages(apps, schema_editor):
    """Devices checked damaged before the note was required get one, so the
    new constraint holds for them."""
    Equipment = apps.get_model("inventory", "Equipment")
    Equipment.objects.filter(return_condition="damaged", return_note="").update(
        return_note="(daño sin detalle)"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0004_equipment_catalogue_data"),
        ("inventory", "0002_equipment_return"),
    ]

    operations = [
        migrations.CreateModel(
            name="EquipmentMissingPart",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "created_at",
                    models.DateTimeField(
                        auto_now_add=True, db_index=True, verbose_name="created at"
                    ),
                ),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="updated at")),
            ],
            options={
                "verbose_name": "missing part",
                "verbose_name_plural": "missing parts",
                "ordering": ["part__name"],
            },
        ),
        migrations.RemoveConstraint(
            model_name="equipment",
            name="equipment_return_condition_known",
        ),
        migrations.RemoveConstraint(
            model_name="equipment",
            name="equipment_returned_has_date",
        ),
        migrations.RemoveConstraint(
            model_name="equipment",
            name="equipment_billed_when_damaged_or_missing",
        ),
        migrations.AddField(
            model_name="equipment",
            name="missing_part_count",
            field=models.PositiveSmallIntegerField(default=0, verbose_name="missing parts"),
        ),
        migrations.AlterField(
            model_name="equipment",
            name="return_condition",
            field=models.CharField(
                blank=True,
                choices=[
                    ("complete", "Returned complete, without damage"),
                    ("incomplete", "Returned incomplete (parts missing)"),
                    ("damaged", "Returned damaged"),
                    ("missing", "Not returned"),
                ],
                max_length=16,
                verbose_name="condition on return",
            ),
        ),
        migrations.AlterField(
            model_name="equipment",
            name="return_note",
            field=models.CharField(
                blank=True, max_length=250, verbose_name="note on the return (damage)"
            ),
        ),
        migrations.AddField(
            model_name="equipmentmissingpart",
            name="equipment",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="missing_part_rows",
                to="inventory.equipment",
                verbose_name="equipment",
            ),
        ),
        migrations.AddField(
            model_name="equipmentmissingpart",
            name="part",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                to="catalog.equipmentpart",
                verbose_name="part",
            ),
        ),
        migrations.AddField(
            model_name="equipment",
            name="missing_parts",
            field=models.ManyToManyField(
                blank=True,
                related_name="+",
                through="inventory.EquipmentMissingPart",
                to="catalog.equipmentpart",
                verbose_name="missing parts",
            ),
        ),
        migrations.AddConstraint(
            model_name="equipment",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("kind__in", ["modem", "router", "ont", "decoder", "phone", "hspa_modem"])
                ),
                name="equipment_kind_known",
            ),
        ),
        migrations.AddConstraint(
            model_name="equipment",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("return_condition__in", ["complete", "incomplete", "damaged", "missing", ""])
                ),
                name="equipment_return_condition_known",
            ),
        ),
        migrations.AddConstraint(
            model_name="equipment",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(
                        ("return_condition__in", ("complete", "incomplete", "damaged")),
                        _negated=True,
                    ),
                    ("returned_on__isnull", False),
                    _connector="OR",
                ),
                name="equipment_returned_has_date",
            ),
        ),
        migrations.AddConstraint(
            model_name="equipment",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("missing_part_count__gte", 1), ("return_condition", "incomplete")),
                    models.Q(
                        models.Q(("return_condition", "incomplete"), _negated=True),
                        ("missing_part_count", 0),
                    ),
                    _connector="OR",
                ),
                name="equipment_incomplete_lists_missing_parts",
            ),
        ),
        migrations.RunPython(note_old_damages, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="equipment",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("return_condition", "damaged"), _negated=True),
                    models.Q(("return_note", ""), _negated=True),
                    _connector="OR",
                ),
                name="equipment_damaged_has_note",
            ),
        ),
        migrations.AddConstraint(
            model_name="equipment",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("billed_amount", None), ("billed_on", None)),
                    models.Q(
                        ("return_condition__in", ("incomplete", "damaged", "missing")),
                        ("billed_amount__gte", 0),
                        ("billed_amount__isnull", False),
                        ("billed_on__isnull", False),
                    ),
                    _connector="OR",
                ),
                name="equipment_billed_when_incomplete_damaged_or_missing",
            ),
        ),
        migrations.AddConstraint(
            model_name="equipmentmissingpart",
            constraint=models.UniqueConstraint(
                fields=("equipment", "part"), name="equipment_part_missing_once"
            ),
        ),
    ]
