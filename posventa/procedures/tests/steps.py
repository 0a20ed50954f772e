"""Walking a case's process in the procedure tests: its pending step, and
completing it as a person does — with the data its form would send."""

from posventa.engine import services as engine
from posventa.engine.form_schema import form_json_schema
from posventa.engine.selectors import task_variables
from posventa.engine.templating import render_instructions


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
