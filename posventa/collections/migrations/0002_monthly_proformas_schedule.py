from datetime import datetime, time

from django.db import migrations
from django.utils import timezone

NAME = "Facturas proforma del mes"


def first_of_next_month():
    """06:00 of the first day of next month, in the team's time zone."""
    today = timezone.localdate()
    month = today.replace(day=1)
    month = month.replace(year=month.year + 1, month=1) if month.month == 12 else month.replace(
        month=month.month + 1
    )
    return timezone.make_aware(datetime.combine(month, time(6, 0)))


def create(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.update_or_create(
        name=NAME,
        defaults={
            "func": "posventa.collections.jobs.monthly_proformas",
            "schedule_type": "M",  # monthly, from the next run on
            "repeats": -1,
            "next_run": first_of_next_month(),
        },
    )


def remove(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("collections", "0001_initial"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]
    operations = [migrations.RunPython(create, remove)]
