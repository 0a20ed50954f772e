from io import StringIO

import pytest
from django.core.management import call_command

from posventa.engine import runtime
from posventa.engine.models import ProcessVersion


@pytest.fixture(autouse=True)
def fresh_specs():
    runtime.specs.clear()
    yield
    runtime.specs.clear()


def test_deploy_procedures_deploys_once_and_then_reports_unchanged(db):
    out = StringIO()
    call_command("deploy_procedures", stdout=out)
    assert "b_plan_change: version 1 (deployed)" in out.getvalue()
    out = StringIO()
    call_command("deploy_procedures", stdout=out)
    assert "b_plan_change: version 1 (unchanged)" in out.getvalue()
    assert ProcessVersion.objects.filter(process_id="b_plan_change").count() == 1


def test_every_model_under_procedures_deploys(procedures):
    assert "b_plan_change" in procedures
    version = procedures["b_plan_change"]
    assert version.main_file == "b_plan_change.bpmn"
    assert "bpmndi:BPMNDiagram" in version.diagram_xml  # drawable in the case page
