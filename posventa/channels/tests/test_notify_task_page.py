"""A step that tells the customer says so on its page: what the executive
writes as the summary goes to the customer."""

from django.urls import reverse

from posventa.accounts.roles import Role
from posventa.engine.models import HumanTask


def _task_page(client, team, case, informs: str):
    task = HumanTask.objects.get(instance=case.instance)
    task.properties = {**task.properties, "informs_customer": informs}
    task.save()
    client.force_login(team[Role.EXECUTIVE])
    return client.get(reverse("cases:task", args=[task.task_id])).content.decode()


def test_a_step_that_informs_the_customer_warns_that_the_summary_is_sent(
    client, team, plan_change_case
):
    page = _task_page(client, team, plan_change_case, "true")

    assert "data-informs-customer" in page
    assert "escriba para el cliente" in page


def test_a_step_that_informs_as_it_starts_does_not_warn_at_its_end(client, team, plan_change_case):
    assert "data-informs-customer" not in _task_page(client, team, plan_change_case, "when_ready")
