# Each checked promise names the team rule that judged it. Promises checked
# before: those recorded without `owed_when_promised` were judged on all that
# was overdue; the others on the promised amount.

from django.db import migrations, models


def backfill(apps, schema_editor):
    PaymentPromise = apps.get_model("collections", "PaymentPromise")
    checked = PaymentPromise.objects.filter(kept__isnull=False)
    checked.filter(owed_when_promised__isnull=True).update(kept_rule="all_overdue")
    checked.filter(owed_when_promised__isnull=False).update(kept_rule="promised_amount")


class Migration(migrations.Migration):
    dependencies = [
        ("collections", "0003_promise_owed_when_promised"),
        ("catalog", "0006_team_rules_data"),
    ]

    operations = [
        migrations.AddField(
            model_name="paymentpromise",
            name="kept_rule",
            field=models.CharField(
                blank=True,
                choices=[
                    (
                        "promised_amount",
                        "The promised amount of what was overdue at the call is paid",
                    ),
                    ("all_overdue", "Every invoice that was overdue at the call is paid"),
                ],
                max_length=32,
                verbose_name="kept by the rule",
            ),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
