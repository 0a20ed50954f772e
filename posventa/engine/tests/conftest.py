from pathlib import Path

import pytest
from django import forms

from posventa.engine import runtime
from posventa.engine.deployment import deploy_files, models_in
from posventa.engine.forms import TaskForm
from posventa.engine.registry import registry

MODELS = Path(__file__).parent / "models"


class RequestForm(TaskForm):
    amount = forms.IntegerField(min_value=1, required=False)


class ApproveForm(TaskForm):
    approved = forms.BooleanField(required=False)


@pytest.fixture
def calls():
    """What the test actions were called with, in order."""
    return []


@pytest.fixture
def test_registry(monkeypatch, calls):
    """Lanes, forms and actions of the test models, on top of the real registry."""
    monkeypatch.setattr(
        registry, "lanes", {**registry.lanes, "Clerk": "executive", "Boss": "commercial_manager"}
    )
    monkeypatch.setattr(
        registry,
        "forms",
        {**registry.forms, "test/request": RequestForm, "test/approve": ApproveForm},
    )
    monkeypatch.setattr(registry, "actions", dict(registry.actions))
    monkeypatch.setattr(runtime, "SCRIPT_ENGINE_SERVICES", runtime.SCRIPT_ENGINE_SERVICES)
    saved = dict(runtime.SCRIPT_ENGINE_SERVICES)

    @registry.register_action("test_record")
    def record(instance, amount):
        calls.append(("record", instance.business_key, amount))
        return {"ok": True}

    @registry.register_action("test_warn")
    def warn(instance, reason):
        calls.append(("warn", instance.business_key, reason))
        return reason

    yield registry
    runtime.SCRIPT_ENGINE_SERVICES.clear()
    runtime.SCRIPT_ENGINE_SERVICES.update(saved)
    runtime.specs.clear()


def model_files(*names: str) -> dict[str, str]:
    return {name: (MODELS / name).read_text() for name in names}


@pytest.fixture
def deployed(db, test_registry):
    """Deploy test models by file name; returns the versions."""

    def deploy(*names: str, files: dict[str, str] | None = None):
        return [version for version, _ in deploy_files(files or model_files(*names))]

    return deploy


__all__ = ["model_files", "models_in"]
