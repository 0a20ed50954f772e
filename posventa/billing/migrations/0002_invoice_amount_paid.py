"""An invoice may be paid in parts: what was paid so far (`amount_paid`);
`paid_on` stays the day it was paid in full. Invoices already paid were paid
in full, so they get their amount before the constraints are added."""

import django.core.validators
from django.db import migrations, models


def paid_in_full(apps, schema_editor):
    Invoice = apps.get_model("billing", "Invoice")
    Invoice.objects.filter(paid_on__isnull=False).update(amount_paid=models.F("amount"))


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="invoice",
            name="amount_paid",
            field=models.DecimalField(
                decimal_places=2,
                default=0,
                max_digits=12,
                validators=[django.core.validators.MinValueValidator(0)],
                verbose_name="paid so far (Bs)",
            ),
        ),
        migrations.RunPython(paid_in_full, migrations.RunPython.noop, elidable=True),
        migrations.AddConstraint(
            model_name="invoice",
            constraint=models.CheckConstraint(
                condition=models.Q(("amount_paid__gte", 0), ("amount_paid__lte", models.F("amount"))),
                name="invoice_paid_within_amount",
            ),
        ),
        migrations.AddConstraint(
            model_name="invoice",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("amount_paid", models.F("amount")), ("paid_on__isnull", False)),
                    models.Q(("amount_paid__lt", models.F("amount")), ("paid_on__isnull", True)),
                    models.Q(("amount", 0), ("paid_on__isnull", True)),
                    _connector="OR",
                ),
                name="invoice_paid_on_when_paid_in_full",
            ),
        ),
    ]
