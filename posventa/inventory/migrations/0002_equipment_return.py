# Procedure H, product withdrawal: the equipment's return on its rows.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("inventory", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="equipment",
            name="billed_amount",
            field=models.DecimalField(
                blank=True,
                decimal_places=2,
                max_digits=10,
                null=True,
                verbose_name="billed amount (Bs)",
            ),
        ),
        migrations.AddField(
            model_name="equipment",
            name="billed_on",
            field=models.DateField(blank=True, null=True, verbose_name="billed to the customer on"),
        ),
        migrations.AddField(
            model_name="equipment",
            name="return_condition",
            field=models.CharField(
                blank=True,
                choices=[
                    ("complete", "Returned complete, without damage"),
                    ("damaged", "Returned damaged"),
                    ("missing", "Not returned"),
                ],
                max_length=16,
                verbose_name="condition on return",
            ),
        ),
        migrations.AddField(
            model_name="equipment",
            name="return_note",
            field=models.CharField(
                blank=True, max_length=250, verbose_name="missing accessories / damage"
            ),
        ),
        migrations.AddField(
            model_name="equipment",
            name="warehouse_on",
            field=models.DateField(
                blank=True, null=True, verbose_name="handed to the warehouse on"
            ),
        ),
        migrations.AddField(
            model_name="equipment",
            name="warehouse_received_by",
            field=models.CharField(
                blank=True, max_length=150, verbose_name="received at the warehouse by"
            ),
        ),
        migrations.AddConstraint(
            model_name="equipment",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("return_condition__in", ["complete", "damaged", "missing", ""])
                ),
                name="equipment_return_condition_known",
            ),
        ),
        migrations.AddConstraint(
            model_name="equipment",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("return_condition__in", ["complete", "damaged"]), _negated=True),
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
                    models.Q(("return_condition", "missing"), _negated=True),
                    ("returned_on", None),
                    _connector="OR",
                ),
                name="equipment_missing_not_returned",
            ),
        ),
        migrations.AddConstraint(
            model_name="equipment",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("billed_amount", None), ("billed_on", None)),
                    models.Q(
                        ("return_condition__in", ["damaged", "missing"]),
                        ("billed_amount__gt", 0),
                        ("billed_amount__isnull", False),
                        ("billed_on__isnull", False),
                    ),
                    _connector="OR",
                ),
                name="equipment_billed_when_damaged_or_missing",
            ),
        ),
        migrations.AddConstraint(
            model_name="equipment",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("warehouse_on", None), ("returned_on__isnull", False), _connector="OR"
                ),
                name="equipment_warehouse_after_return",
            ),
        ),
    ]
