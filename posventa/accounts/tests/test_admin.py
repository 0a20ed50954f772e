import pytest
from django.urls import reverse

from posventa.accounts.roles import Role
from posventa.factories import PASSWORD

pytestmark = pytest.mark.django_db


def test_the_user_changelist_and_change_page_open(admin_client, make_user):
    ana = make_user(Role.EXECUTIVE, username="ana", first_name="Ana")
    response = admin_client.get(reverse("admin:accounts_user_changelist"))
    assert response.status_code == 200
    assert "ana" in response.text
    assert admin_client.get(reverse("admin:accounts_user_change", args=[ana.pk])).status_code == 200
    assert admin_client.get(reverse("admin:accounts_user_add")).status_code == 200


def test_the_users_can_be_filtered_by_role(admin_client, make_user):
    make_user(Role.EXECUTIVE, username="ejecutiva_uno")
    make_user(Role.TEAM_LEAD, username="responsable_uno")
    response = admin_client.get(
        reverse("admin:accounts_user_changelist"), {"role__exact": Role.TEAM_LEAD}
    )
    assert "responsable_uno" in response.text
    assert "ejecutiva_uno" not in response.text


def test_the_company_form_offers_only_active_executives_as_owner(admin_client, make_user):
    make_user(Role.EXECUTIVE, username="ana_ejecutiva")
    make_user(Role.EXECUTIVE, username="ana_jubilada", is_active=False)
    make_user(Role.TEAM_LEAD, username="ana_responsable")
    response = admin_client.get(
        reverse("admin:autocomplete"),
        {
            "app_label": "customers",
            "model_name": "company",
            "field_name": "executive",
            "term": "ana",
        },
    )
    assert response.status_code == 200
    offered = {row["text"] for row in response.json()["results"]}
    assert len(offered) == 1


def test_a_team_member_who_is_not_staff_cannot_open_the_admin(client, make_user):
    make_user(Role.TEAM_LEAD, username="jefa")
    assert client.login(username="jefa", password=PASSWORD)
    response = client.get(reverse("admin:accounts_user_changelist"))
    assert response.status_code == 302
    assert "/login/" in response["Location"]
