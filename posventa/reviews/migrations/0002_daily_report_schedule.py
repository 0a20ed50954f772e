"""The worker's schedules of procedure K: the review list refreshed each
morning, and each analyst's daily report at 18:00 in La Paz (the job itself
skips Saturdays and Sundays)."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import migrations
from django.utils import timezone

LA_PAZ = ZoneInfo("America/La_Paz")
SCHEDULES = {
    "Informe diario de los analistas técnicos": ("posventa.reviews.jobs.send_daily_reports", time(18)),
    "Lista de revisión preventiva": ("posventa.reviews.jobs.refresh_worklist", time(7)),
}


def _next(at: time) -> datetime:
    now = timezone.now().astimezone(LA_PAZ)
    due = datetime.combine(now.date(), at, tzinfo=LA_PAZ)
    return due if due > now else due + timedelta(days=1)


def create(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    for name, (func, at) in SCHEDULES.items():
        Schedule.objects.update_or_create(
            name=name,
            defaults={
                "func": func,
                "schedule_type": "D",  # daily, from next_run
                "next_run": _next(at),
                "repeats": -1,
            },
        )


def remove(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name__in=list(SCHEDULES)).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("reviews", "0001_worklist_opportunities_daily_reports"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]
    operations = [migrations.RunPython(create, remove)]
