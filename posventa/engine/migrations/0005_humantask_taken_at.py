"""The moment a pending step was taken moves to its inbox row (the claim is
then one statement); the event log's row gets it when the step ends. Steps
taken before this migration keep their moment."""

from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def copy_taken(apps, schema_editor):
    HumanTask = apps.get_model("engine", "HumanTask")
    TaskEvent = apps.get_model("engine", "TaskEvent")
    taken = TaskEvent.objects.filter(
        instance_id=OuterRef("instance_id"), task_id=OuterRef("task_id")
    ).values("taken_at")[:1]
    HumanTask.objects.update(taken_at=Subquery(taken))


class Migration(migrations.Migration):
    dependencies = [
        ("engine", "0004_instance_cancelled"),
    ]

    operations = [
        migrations.AddField(
            model_name="humantask",
            name="taken_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="taken at"),
        ),
        migrations.RunPython(copy_taken, migrations.RunPython.noop),
    ]
