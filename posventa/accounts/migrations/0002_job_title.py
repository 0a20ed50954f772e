from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="job_title",
            field=models.CharField(
                blank=True,
                help_text="As printed under the signature, e.g. Ejecutiva de Cuentas Empresas.",
                max_length=120,
                verbose_name="job title",
            ),
        ),
    ]
