"""Reads on processes: a task's variables, an instance's path, a role's inbox."""

from django.db.models import Q, QuerySet

from posventa.engine import runtime
from posventa.engine.models import HumanTask, ProcessInstance
from posventa.engine.registry import registry


def inbox_tasks(user) -> QuerySet[HumanTask]:
    """The tasks of the user's roles that are hers or nobody's, by due time."""
    if user is None or not user.is_authenticated:
        return HumanTask.objects.none()
    tasks = HumanTask.objects.filter(Q(assignee__isnull=True) | Q(assignee=user))
    if not user.is_superuser:
        tasks = tasks.filter(role__in=registry.user_roles(user))
    return tasks.order_by("due_at", "created_at", "pk")


def task_variables(task: HumanTask) -> dict:
    """The process variables the task sees (what earlier steps left). A step
    being completed already loaded them (`services.task_complete`)."""
    if "_variables" in task.__dict__:
        return task.__dict__["_variables"]
    workflow = runtime.load(task.instance.state)
    spiff_task = runtime.find_task(workflow, task.task_id)
    return dict(spiff_task.data) if spiff_task is not None else {}


def instance_variables(instance: ProcessInstance) -> dict:
    """The variables at the instance's latest step."""
    workflow = runtime.load(instance.state)
    return dict(workflow.last_task.data) if workflow.last_task is not None else {}


def instance_path(instance: ProcessInstance) -> dict[str, list[str]]:
    """The diagram elements the instance went through and those it waits on."""
    done, current = [], []
    for event in instance.events.all():
        if event.cancelled:
            continue
        (done if event.ended_at else current).append(event.bpmn_id)
    return {"done": done, "current": current}
