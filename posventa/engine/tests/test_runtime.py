import json

from posventa.engine import runtime


def test_task_data_survives_a_store_that_reorders_keys(deployed):
    """PostgreSQL's jsonb does not keep key order; SpiffWorkflow 3.2.0 loses a
    task's data if its parent is restored after it. The loader rebuilds the order."""
    [version] = deployed("approval.bpmn")
    workflow = runtime.start(version.pk, {})
    task = runtime.ready_user_tasks(workflow)[0]
    task.data.update(amount=300)
    task.run()
    runtime.advance(workflow)
    state = json.loads(runtime.dump(workflow))
    state["tasks"] = dict(reversed(list(state["tasks"].items())))
    reloaded = runtime.load(json.dumps(state))
    [approve] = runtime.ready_user_tasks(reloaded)
    assert approve.data == {"amount": 300}
