"""The long-lived processes freeze what start-up loaded (common/gc_tuning.py)."""

import gc
from unittest import mock

import pytest
from django.core.management import call_command

from posventa.common import gc_tuning
from posventa.engine import runtime
from posventa.procedures.tests.fixtures import deploy_only


@pytest.fixture
def unfrozen():
    yield
    gc.unfreeze()


def test_the_warm_up_loads_the_newest_version_of_every_deployed_process(db, media):
    deployed = deploy_only("b_plan_change.bpmn", "l_support_visits.bpmn")
    runtime.specs.clear()
    gc_tuning.warm_up()
    for version in deployed.values():
        assert version.pk in runtime.specs._by_version
    runtime.specs.clear()


def test_what_start_up_loaded_is_frozen_out_of_the_collector_s_reach(unfrozen):
    loaded = [object() for _ in range(1000)]  # noqa: F841 - alive while frozen
    gc_tuning.freeze_after_warm_up()
    assert gc.get_freeze_count() >= 1000


def test_the_worker_command_warms_up_and_freezes_before_the_cluster_starts(db, unfrozen):
    seen = {}

    def qcluster(name, *args, **kwargs):
        seen["command"] = name
        seen["frozen"] = gc.get_freeze_count()

    with mock.patch("posventa.common.management.commands.worker.call_command", qcluster):
        call_command("worker")
    assert seen["command"] == "qcluster"
    assert seen["frozen"] > 0
