from django.db import migrations

SCHEDULE = "Envío de correos pendientes"


def create(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.update_or_create(
        name=SCHEDULE,
        defaults={
            "func": "posventa.outbox.jobs.deliver_pending",
            "schedule_type": "I",  # every N minutes
            "minutes": 1,
            "repeats": -1,
        },
    )
    # The claims unit the billing complaints go to (procedure F); its real
    # address is set in the admin.
    apps.get_model("outbox", "Mailbox").objects.get_or_create(
        code="utar",
        defaults={
            "name": "UTAR — Unidad de Tramitación de Reclamos",
            "address": "utar@posventa.localhost",
        },
    )


def remove(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name=SCHEDULE).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("outbox", "0001_initial"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]
    operations = [migrations.RunPython(create, remove)]
