from django.db import migrations, models


class Migration(migrations.Migration):
    """The months closed so far were counted with the first definition (every
    case received in the month); a month closed from now on, with the second
    (the customers' requests) and the team's own figures."""

    dependencies = [
        ("indicators", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="monthclose",
            name="definition",
            field=models.PositiveSmallIntegerField(default=1, verbose_name="definition"),
        ),
        migrations.AlterField(
            model_name="monthclose",
            name="definition",
            field=models.PositiveSmallIntegerField(default=2, verbose_name="definition"),
        ),
        migrations.AddField(
            model_name="monthclose",
            name="team",
            field=models.JSONField(blank=True, default=list, verbose_name="team's own figures"),
        ),
        migrations.AddField(
            model_name="closedcase",
            name="requested_at",
            field=models.DateTimeField(null=True),
        ),
    ]
