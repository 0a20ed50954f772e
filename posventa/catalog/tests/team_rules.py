"""Changing a team rule as the team lead does: on its page in the admin."""

from django.urls import reverse

from posventa.catalog.models import TeamRule


def set_team_rule(admin_client, code: str, **values) -> TeamRule:
    """Post the rule's change page with `values` (days, choice, percent) and
    its note kept; the page must accept it (a redirect back to the list)."""
    rule = TeamRule.objects.get(code=code)
    data = {"note": rule.note}
    data.update({name: str(value) for name, value in values.items()})
    response = admin_client.post(reverse("admin:catalog_teamrule_change", args=[rule.pk]), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    rule.refresh_from_db()
    return rule
