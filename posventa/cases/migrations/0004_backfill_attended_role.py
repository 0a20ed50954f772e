from django.db import migrations

from posventa.procedures.catalog import LANES


def backfill(apps, schema_editor):
    """The role that answered each case attended before the role was recorded:
    the lane of the last person's step completed by the time it was attended."""
    Case = apps.get_model("cases", "Case")
    TaskEvent = apps.get_model("engine", "TaskEvent")
    cases = Case.objects.filter(attended_at__isnull=False, attended_role="", instance__isnull=False)
    for case in cases.iterator(chunk_size=500):
        lane = (
            TaskEvent.objects.filter(
                instance_id=case.instance_id,
                kind="UserTask",
                cancelled=False,
                ended_at__lte=case.attended_at,
            )
            .order_by("-ended_at", "-pk")
            .values_list("lane", flat=True)
            .first()
        )
        if lane in LANES:
            Case.objects.filter(pk=case.pk).update(attended_role=LANES[lane])


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0003_attention_watch_schedule"),
        ("engine", "0003_taskevent_taken_at"),
    ]
    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
