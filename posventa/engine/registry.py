"""What the host application plugs into the engine: which lanes are which
roles, the form of each user task, the actions service tasks may call, and
hooks that run when a task completes or an instance ends.

The engine knows no business words; the `procedures` app fills this registry
when Django starts (its AppConfig.ready).
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.exceptions import ImproperlyConfigured

from posventa.engine import runtime


@dataclass
class Registry:
    # Lane name as written in the BPMN → role code.
    lanes: dict[str, str] = field(default_factory=dict)
    # formKey property of a user task → Django form class.
    forms: dict[str, type] = field(default_factory=dict)
    # serviceTaskOperator id → callable(instance, **params) -> JSON-able result.
    actions: dict[str, Callable] = field(default_factory=dict)
    # The roles a user works in (default: the user's `role` attribute).
    user_roles: Callable = field(default=lambda user: {getattr(user, "role", "")} - {""})
    # Called inside the transaction after a user task completes, and after
    # every save of an instance: on_saved(instance=, ready=[TaskInfo of the
    # user tasks now waiting]).
    on_task_completed: list[Callable] = field(default_factory=list)
    on_saved: list[Callable] = field(default_factory=list)
    # Called inside the transaction once a user task's form is valid, before
    # the task and the service tasks after it run: before_run(instance=).
    before_run: list[Callable] = field(default_factory=list)
    # When an inbox row is due: callable(instance, task_info, ready_at) -> datetime | None.
    # Default: `sla_hours` property of the user task after it became ready.
    task_due: Callable | None = None

    def register_lane(self, lane: str, role: str) -> None:
        self.lanes[lane] = role

    def role_label(self, role: str) -> str:
        """How to call a role: the lane name that stands for it."""
        return next((lane for lane, r in self.lanes.items() if r == role), role)

    def register_form(self, key: str):
        def decorator(form_class):
            _refuse_clash("form", key, self.forms.get(key), form_class)
            self.forms[key] = form_class
            return form_class

        return decorator

    def register_action(self, name: str):
        def decorator(function):
            _refuse_clash("action", name, self.actions.get(name), function)
            self.actions[name] = function
            runtime.SCRIPT_ENGINE_SERVICES[name] = _bound_action(function)
            return function

        return decorator


def _where(thing) -> str:
    return f"{thing.__module__}.{thing.__qualname__}"


def _refuse_clash(kind: str, name: str, existing, new) -> None:
    """Two procedures registering the same name would silently replace one
    another (the models of the first would run the second's code)."""
    if existing is not None and _where(existing) != _where(new):
        raise ImproperlyConfigured(
            f"The {kind} {name!r} is registered twice: by {_where(existing)} and {_where(new)}."
        )


def _bound_action(function):
    """Service tasks call actions with their parameters only; the action also
    gets the instance being advanced, from the engine's context."""

    def call(**params):
        from posventa.engine.context import current_instance

        return function(current_instance(), **params)

    return call


registry = Registry()
