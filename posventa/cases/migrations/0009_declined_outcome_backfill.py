"""The cases that ended where the customer chose, before those ends said so
(`declined`): an H customer who kept the service rather than pay the
penalty, a K customer who declined the sales or the fiber offer. Their
process's event log names the end they reached. A month closed before keeps
its frozen figures; its recompute shows these cases as now answered."""

from django.db import migrations

CHOSEN_ENDS = {
    "H": ("end_penalty_refused",),
    "K": ("end_not_interested", "end_offer_declined"),
}


def restate_chosen_ends(apps, schema_editor):
    Case = apps.get_model("cases", "Case")
    TaskEvent = apps.get_model("engine", "TaskEvent")
    for procedure, ends in CHOSEN_ENDS.items():
        instances = TaskEvent.objects.filter(
            kind="EndEvent", bpmn_id__in=ends, ended_at__isnull=False
        ).values("instance_id")
        Case.objects.filter(
            procedure=procedure, outcome="withdrawn_by_customer", instance_id__in=instances
        ).update(outcome="declined")


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0008_customer_request"),
        ("engine", "0004_instance_cancelled"),
    ]

    operations = [migrations.RunPython(restate_chosen_ends, migrations.RunPython.noop)]
