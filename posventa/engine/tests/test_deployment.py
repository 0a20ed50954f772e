import pytest

from posventa.accounts.roles import Role
from posventa.engine import services
from posventa.engine.deployment import DeploymentError, deploy_files
from posventa.engine.models import ProcessVersion
from posventa.engine.selectors import task_variables
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


# --- bounds on expressions (expressions.py) -----------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "condition, rule",
    [
        ("2 ** 100000 > amount", "the exponent 100000 is beyond 1,000"),
        (
            'approved == "' + "x" * 100_000 + '"',
            "a text literal of 100,000 characters is longer than 10,000",
        ),
        (
            "amount < 10000000000000000",
            "the number 10000000000000000 is beyond ±1,000,000,000,000,000",
        ),
        (
            " or ".join(f"amount == {n}" for n in range(200)),
            "characters, more than the 2,000 allowed",
        ),
        ("amount" + " + 1" * 150 + " > 0", "it nests deeper than 100 levels"),
        ('approved == "x" * 20000', "its constant part \"'x' * 20000\" breaks a bound"),
    ],
    ids=["exponent", "text literal", "number literal", "source length", "nesting", "constant"],
)
def test_a_condition_beyond_a_bound_is_refused_at_deploy_naming_the_flow_and_the_rule(
    test_registry, condition, rule
):
    files = model_files("approval.bpmn")
    files["approval.bpmn"] = files["approval.bpmn"].replace(
        "approved == True and amount &lt;= 1000", condition.replace("<", "&lt;")
    )
    message = refused(test_registry, files)
    assert 'condition of flow "f_yes"' in message
    assert rule in message
    # The refusal shows the start of the expression, not 100 000 characters of it.
    assert len(message) < 1_000


@pytest.mark.django_db
@pytest.mark.parametrize(
    "file, written, breaking, where",
    [
        ("approval.bpmn", 'value="amount"', 'value="amount ** 100000"', 'service task "record"'),
        ("expressions.bpmn", "amount * 2", "2 ** 100000", 'script task "compute"'),
        (
            "expressions.bpmn",
            "str(fee)</spiffworkflow:preScript>",
            "str(fee ** 100000)</spiffworkflow:preScript>",
            'preScript of "review"',
        ),
        ("expressions.bpmn", '"PT1H"', '"PT" + str(2 ** 100000) + "H"', 'timer of "reminder"'),
        ("expressions_fee.dmn", "<text>total</text>", "<text>total ** 100000</text>", "input"),
        (
            "expressions_fee.dmn",
            "&lt; 1000",
            "&lt; 2 ** 100000",
            'cell "rule_small_total" of rule "rule_small"',
        ),
        (
            "expressions_fee.dmn",
            "total // 100",
            "total ** 100000",
            'cell "rule_large_fee" of rule "rule_large"',
        ),
    ],
    ids=["service parameter", "script", "pre-script", "timer", "DMN input", "DMN test", "DMN out"],
)
def test_a_bound_is_refused_at_deploy_wherever_the_expression_lives(
    test_registry, file, written, breaking, where
):
    files = model_files("approval.bpmn", "expressions.bpmn", "expressions_fee.dmn")
    assert written in files[file]
    files[file] = files[file].replace(written, breaking)
    message = refused(test_registry, files)
    assert where in message
    assert "the exponent 100000 is beyond 1,000" in message


@pytest.mark.django_db
def test_a_decision_cell_is_checked_as_it_will_run_joined_to_its_input(test_registry):
    # Each part is within 2 000 characters; SpiffWorkflow runs them as one
    # `(input) == (cell)`, which is not.
    files = model_files("approval.bpmn", "expressions.bpmn", "expressions_fee.dmn")
    long_input = "max(" + ", ".join(["total"] * 250) + ")"
    long_test = "max(" + ", ".join(["1000"] * 250) + ")"
    files["expressions_fee.dmn"] = (
        files["expressions_fee.dmn"]
        .replace("<text>total</text>", f"<text>{long_input}</text>")
        .replace("&lt; 1000", long_test)
    )
    assert len(long_input) < 2_000 and len(long_test) < 2_000
    message = refused(test_registry, files)
    assert 'cell "rule_small_total"' in message
    assert "more than the 2,000 allowed" in message


def test_the_model_with_an_expression_in_every_place_deploys_and_runs(deployed, make_user):
    clerk = make_user(Role.EXECUTIVE, username="clerk")
    deployed("expressions.bpmn", "expressions_fee.dmn")
    instance = services.instance_start(process_id="expressions", business_key="E-1", data={})
    [request] = instance.human_tasks.all()
    services.task_complete(task_id=request.task_id, user=clerk, data={"amount": 5000})
    instance.refresh_from_db()
    [review] = instance.human_tasks.all()
    assert review.bpmn_id == "review"
    data = task_variables(review)
    assert (data["total"], data["fee"], data["fee_text"]) == (10000, 100, "Fee: 100")
