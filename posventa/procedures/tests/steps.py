"""Walking a case's process in the procedure tests: its pending step, and
completing it as a person does — with the data its form would send."""

from datetime import timedelta

from django.utils import timezone

from posventa.accounts.roles import Role
from posventa.engine import services as engine
from posventa.engine.form_schema import form_json_schema
from posventa.engine.selectors import task_variables
from posventa.engine.templating import render_instructions
from posventa.workorders.models import FieldUnit, WorkOrderKind, WorkOrderState
from posventa.workorders.services import workorder_assign, workorder_close, workorder_create


def pending(case, step: str | None = None):
    """The case's one pending human step (the one with that BPMN id, if given)."""
    case.refresh_from_db()
    tasks = list(case.instance.human_tasks.all())
    if step is not None:
        tasks = [task for task in tasks if task.bpmn_id == step]
    [task] = tasks
    return task


def complete(case, user, data: dict, *, step: str | None = None, role=None, **options):
    """Complete the pending step as `user`. Every step can be driven through
    the API too: the data must be fields its form describes."""
    task = pending(case, step)
    if role is not None:
        assert task.role == role, (task.bpmn_id, task.role)
    assert set(data) <= set(form_json_schema(engine.task_form(task))["properties"])
    engine.task_complete(task_id=task.task_id, user=user, data=data, **options)
    case.refresh_from_db()
    return task


def talk(summary: str, **extra) -> dict:
    """A step's data with the interaction it records (a phone call)."""
    return {"interaction_channel": "phone", "interaction_summary": summary, **extra}


def instructions(task) -> str:
    """The step's instructions as the person reads them."""
    return render_instructions(task.instructions, task_variables(task))


def closed_damage_order(team, product, state=WorkOrderState.CLOSED_RESOLVED):
    """A damage of the product (slow internet) registered, sent to the field
    unit and closed by the technical manager with `state`."""
    order = workorder_create(
        kind=WorkOrderKind.DAMAGE,
        company=product.company,
        product=product,
        damaged_service="internet",
        cause="slow",
        description="Lento",
        user=team[Role.EXECUTIVE],
    )
    workorder_assign(
        work_order=order,
        unit=FieldUnit.USM,
        technician="Téc. Ana",
        user=team[Role.TECHNICAL_MANAGER],
        scheduled_at=timezone.now() + timedelta(minutes=5),
    )
    workorder_close(
        work_order=order, state=state, result="Reparado", user=team[Role.TECHNICAL_MANAGER]
    )
    return order


SCANNED_PDF = b"%PDF-1.4 documento escaneado"


def attach_document(page, kind: str) -> None:
    """In a browser: attach the requirement's document (its one control; an
    attached file means received)."""
    page.set_input_files(
        f"#id_file_{kind}",
        files=[{"name": f"{kind}.pdf", "mimeType": "application/pdf", "buffer": SCANNED_PDF}],
    )


def procedure_mail(outbox) -> list:
    """The e-mails a procedure sent (from `mail.outbox`), without the
    customer's notifications (received, attended, closed…: channels/notify.py,
    sent with a Message-ID of ours)."""
    return [m for m in outbox if not m.extra_headers.get("Message-ID", "").startswith("<pv.")]
