import pytest

from posventa.engine.deployment import DeploymentError, deploy_files
from posventa.engine.models import ProcessVersion
from posventa.engine.tests.conftest import model_files


def test_deploying_the_same_files_twice_creates_one_version(deployed):
    [first] = deployed("approval.bpmn")
    [again] = deployed("approval.bpmn")
    assert first.pk == again.pk
    assert first.version == 1
    assert ProcessVersion.objects.count() == 1


def test_a_changed_model_becomes_the_next_version(deployed):
    [v1] = deployed("approval.bpmn")
    files = model_files("approval.bpmn")
    files["approval.bpmn"] = files["approval.bpmn"].replace("Fill in the request", "Fill it in")
    [v2] = deployed(files=files)
    assert (v1.version, v2.version) == (1, 2)
    assert v1.checksum != v2.checksum


def test_a_deployed_version_cannot_be_changed(deployed):
    [version] = deployed("approval.bpmn")
    version.name = "changed"
    with pytest.raises(ValueError, match="immutable"):
        version.save()


def refused(test_registry, files) -> str:
    with pytest.raises(DeploymentError) as excinfo:
        deploy_files(files)
    assert ProcessVersion.objects.count() == 0
    return str(excinfo.value)


@pytest.mark.django_db
def test_unparsable_xml_is_refused_naming_the_file_and_line(test_registry):
    message = refused(test_registry, {"broken.bpmn": "<bpmn:definitions>\n<oops"})
    assert "broken.bpmn" in message and "line" in message


@pytest.mark.django_db
def test_a_lane_that_is_not_a_role_is_refused(test_registry):
    files = model_files("approval.bpmn")
    files["approval.bpmn"] = files["approval.bpmn"].replace('name="Boss"', 'name="Janitor"')
    message = refused(test_registry, files)
    assert 'lane "lane_boss" (Janitor) is not a known role' in message


@pytest.mark.django_db
def test_a_user_task_without_a_known_form_is_refused(test_registry):
    files = model_files("approval.bpmn")
    files["approval.bpmn"] = files["approval.bpmn"].replace("test/approve", "test/nope")
    message = refused(test_registry, files)
    assert (
        "user task \"approve\" (Approve the request) has no known form: formKey 'test/nope'"
        in message
    )


@pytest.mark.django_db
def test_a_service_task_calling_an_unknown_action_is_refused(test_registry):
    files = model_files("approval.bpmn")
    files["approval.bpmn"] = files["approval.bpmn"].replace('id="test_record"', 'id="rm_rf"')
    assert "unknown action 'rm_rf'" in refused(test_registry, files)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "condition",
    [
        "__import__('os').system('id')",
        "().__class__.__base__.__subclasses__()",
        "open('/etc/passwd')",
        "[x for x in range(10)]",
        "approved ==",
    ],
)
def test_an_expression_the_safe_engine_cannot_run_is_refused(test_registry, condition):
    files = model_files("approval.bpmn")
    files["approval.bpmn"] = files["approval.bpmn"].replace(
        "approved == True and amount &lt;= 1000", condition.replace("'", "&apos;")
    )
    message = refused(test_registry, files)
    assert 'condition of flow "f_yes"' in message


@pytest.mark.django_db
def test_one_bad_model_stops_the_whole_deployment(test_registry):
    files = model_files("approval.bpmn", "waiting.bpmn")
    files["waiting.bpmn"] = files["waiting.bpmn"].replace('name="Clerk"', 'name="Nobody"')
    refused(test_registry, files)
