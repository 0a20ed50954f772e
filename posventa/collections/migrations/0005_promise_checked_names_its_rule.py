# A checked promise names the rule that judged it; one not checked names none.
# (Its own migration: the constraint is added after the rows are filled in.)

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("collections", "0004_promise_kept_rule")]

    operations = [
        migrations.AddConstraint(
            model_name="paymentpromise",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("kept__isnull", True), ("kept_rule", "")),
                    models.Q(
                        ("kept__isnull", False),
                        models.Q(("kept_rule", ""), _negated=True),
                    ),
                    _connector="OR",
                ),
                name="promise_checked_names_its_rule",
            ),
        ),
    ]
