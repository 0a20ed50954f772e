"""The instance (and user) an engine action is running for.

SpiffWorkflow calls service tasks with their parameters only; actions need to
know which instance they act on, so the engine sets it here around each step.
"""

from contextlib import contextmanager
from contextvars import ContextVar

_instance: ContextVar = ContextVar("engine_instance", default=None)
_actor: ContextVar = ContextVar("engine_actor", default=None)


def current_instance():
    instance = _instance.get()
    if instance is None:
        raise RuntimeError("No process instance is being advanced.")
    return instance


def current_actor():
    return _actor.get()


@contextmanager
def acting_on(instance, actor=None):
    token_instance = _instance.set(instance)
    token_actor = _actor.set(actor)
    try:
        yield
    finally:
        _instance.reset(token_instance)
        _actor.reset(token_actor)
