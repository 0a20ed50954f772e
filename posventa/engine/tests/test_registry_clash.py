"""A name registered twice by different code is refused, not silently replaced."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from posventa.engine import runtime
from posventa.engine.registry import Registry


def first(instance):
    return 1


def second(instance):
    return 2


@pytest.fixture
def registry():
    yield Registry()
    runtime.SCRIPT_ENGINE_SERVICES.pop("test_clash", None)


def test_an_action_name_taken_by_other_code_is_refused(registry):
    registry.register_action("test_clash")(first)
    registry.register_action("test_clash")(first)  # the same code again: fine
    with pytest.raises(ImproperlyConfigured, match="test_clash"):
        registry.register_action("test_clash")(second)
    assert registry.actions["test_clash"] is first


def test_a_form_key_taken_by_other_code_is_refused(registry):
    registry.register_form("test/clash")(Registry)
    with pytest.raises(ImproperlyConfigured, match="test/clash"):
        registry.register_form("test/clash")(ImproperlyConfigured)
