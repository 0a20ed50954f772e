"""The audit trail (posventa/common/audit.py): who changed what, when, with
the old and new values, seen read-only in the admin."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from auditlog.models import LogEntry
from auditlog.registry import auditlog
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from posventa.accounts.models import User
from posventa.accounts.roles import Role
from posventa.accounts.services import user_create
from posventa.api.services import token_create
from posventa.catalog.models import Tariff, TariffCode
from posventa.common import audit
from posventa.common.admin import AuditedAdmin
from posventa.customers.models import Interaction
from posventa.factories import PASSWORD, CompanyFactory, InteractionFactory, ProductFactory
from posventa.inventory.models import Product
from posventa.outbox.models import Mailbox
from posventa.procedures.tests.steps import complete, pending

pytestmark = pytest.mark.django_db

LA_PAZ = ZoneInfo("America/La_Paz")


def entries_for(obj):
    return LogEntry.objects.get_for_object(obj).order_by("timestamp", "pk")


def admin_models() -> set[type]:
    """Every model the admin shows: its pages and the rows edited inline."""
    models = set()
    for model, model_admin in admin.site._registry.items():
        models.add(model)
        models.update(inline.model for inline in model_admin.inlines)
    return models


# --- What is audited -----------------------------------------------------------


def test_every_model_in_the_admin_is_audited_or_says_why_not():
    always, edits, not_audited = set(audit.ALWAYS), set(audit.ADMIN_EDITS), set(audit.NOT_AUDITED)
    assert not (always & edits or always & not_audited or edits & not_audited)
    unclassified = {m._meta.label for m in admin_models()} - always - edits - not_audited
    assert not unclassified, f"add these to a list in posventa/common/audit.py: {unclassified}"
    assert {m._meta.label for m in auditlog.get_models()} == always | edits


def test_every_audited_model_in_the_admin_shows_its_history_and_records_admin_edits():
    audited = set(auditlog.get_models())
    plain = [
        model._meta.label
        for model, model_admin in admin.site._registry.items()
        if model in audited and not isinstance(model_admin, AuditedAdmin)
    ]
    assert not plain, f"give these admins AuditedAdmin (posventa/common/admin.py): {plain}"


# --- An administrator's edit ---------------------------------------------------


def test_a_tariff_amount_changed_in_the_admin_records_who_when_and_old_and_new(admin_client):
    tariff = Tariff.objects.get(code=TariffCode.RELOCATION)
    old_amount = tariff.amount
    admin_user = User.objects.get(username="admin")
    moment = datetime(2026, 3, 2, 9, 30, tzinfo=LA_PAZ)

    with time_machine.travel(moment, tick=False):
        response = admin_client.post(
            reverse("admin:catalog_tariff_change", args=[tariff.pk]),
            {"amount": "180.00", "note": "Nuevo monto 2026"},
            REMOTE_ADDR="10.20.30.40",
        )
    assert response.status_code == 302

    [entry] = entries_for(tariff)
    assert entry.action == LogEntry.Action.UPDATE
    assert entry.actor == admin_user
    assert entry.remote_addr == "10.20.30.40"
    assert entry.timestamp == moment
    assert entry.changes_dict["amount"] == [str(old_amount), "180.00"]
    assert entry.changes_dict["note"][1] == "Nuevo monto 2026"
    # When is the entry's own timestamp; a row's updated_at is no change.
    assert "updated_at" not in entry.changes_dict


def test_a_role_change_in_the_admin_records_the_old_and_new_role(admin_client):
    user = user_create(username="rosa", role=Role.EXECUTIVE, first_name="Rosa")
    response = admin_client.post(
        reverse("admin:accounts_user_change", args=[user.pk]),
        {
            "username": "rosa",
            "first_name": "Rosa",
            "last_name": "",
            "email": "",
            "is_active": "on",
            "role": Role.TEAM_LEAD,
        },
    )
    assert response.status_code == 302

    entry = entries_for(user).last()
    assert entry.actor.username == "admin"
    assert entry.changes_dict == {"role": [Role.EXECUTIVE.value, Role.TEAM_LEAD.value]}


def test_adding_a_user_to_a_group_records_the_group(admin_client):
    from django.contrib.auth.models import Group

    user = user_create(username="rosa", role=Role.EXECUTIVE)
    auditors = Group.objects.create(name="Auditores")
    response = admin_client.post(
        reverse("admin:accounts_user_change", args=[user.pk]),
        {"username": "rosa", "is_active": "on", "role": Role.EXECUTIVE, "groups": [auditors.pk]},
    )
    assert response.status_code == 302

    change = entries_for(user).last().changes_dict["groups"]
    assert (change["operation"], change["objects"]) == ("add", ["Auditores"])


def test_a_password_change_is_recorded_without_the_hash(admin_client):
    user = user_create(username="rosa", role=Role.EXECUTIVE, password=PASSWORD)
    old_hash = user.password
    response = admin_client.post(
        reverse("admin:auth_user_password_change", args=[user.pk]),
        {"password1": "otra-Clave-larga-2026", "password2": "otra-Clave-larga-2026"},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.password != old_hash

    created, changed = entries_for(user)
    assert changed.actor.username == "admin"
    assert changed.changes_dict == {"password": [audit.SECRET_MASK, audit.SECRET_MASK]}
    assert created.changes_dict["password"] == ["None", audit.SECRET_MASK]
    stored = str(list(LogEntry.objects.values_list("changes", "changes_text", "serialized_data")))
    for secret in (old_hash, user.password):
        assert secret[-20:] not in stored


def test_a_login_is_no_change(client):
    user = user_create(username="rosa", role=Role.EXECUTIVE, password=PASSWORD)
    response = client.post(reverse("login"), {"username": "rosa", "password": PASSWORD})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.last_login is not None
    assert [e.action for e in entries_for(user)] == [LogEntry.Action.CREATE]


def test_an_api_tokens_hash_is_never_recorded():
    user = user_create(username="script", role=Role.TEAM_LEAD)
    token, _key = token_create(user=user, name="Informe mensual")

    [entry] = entries_for(token)
    assert entry.changes_dict["key_hash"] == ["None", audit.SECRET_MASK]
    assert entry.changes_dict["name"] == ["None", "Informe mensual"]
    assert token.key_hash not in str(entry.changes)


def test_back_office_data_changed_outside_the_admin_is_audited_with_no_actor():
    mailbox = Mailbox.objects.create(code="soporte", name="Soporte", address="soporte@example.com")
    mailbox.address = "reclamos@example.com"
    mailbox.save()

    created, changed = entries_for(mailbox)
    assert created.action == LogEntry.Action.CREATE
    assert changed.changes_dict == {"address": ["soporte@example.com", "reclamos@example.com"]}
    assert changed.actor is None


def test_an_edit_of_a_customers_product_in_the_admin_is_audited(admin_client, executive):
    product = ProductFactory(company=CompanyFactory(executive=executive))
    assert not entries_for(product).exists()  # created outside the admin
    url = reverse("admin:inventory_product_change", args=[product.pk])
    page = admin_client.get(url).context
    form = page["adminform"].form
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    for inline in page["inline_admin_formsets"]:  # the product has none of their rows yet
        data |= {
            f"{inline.formset.prefix}-TOTAL_FORMS": 0,
            f"{inline.formset.prefix}-INITIAL_FORMS": 0,
        }
    data["service_number"] = "4-4400001"

    response = admin_client.post(url, data)
    assert response.status_code == 302

    [entry] = entries_for(product)
    assert entry.actor.username == "admin"
    assert entry.changes_dict["service_number"][1] == "4-4400001"


def test_deleting_an_interaction_in_the_admin_records_what_it_said(admin_client):
    interaction = InteractionFactory(summary="El cliente pide la baja")
    assert not entries_for(interaction).exists()  # recorded by a person's screen, not the admin
    pk = interaction.pk

    response = admin_client.post(
        reverse("admin:customers_interaction_delete", args=[pk]), {"post": "yes"}
    )
    assert response.status_code == 302

    [entry] = LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Interaction), object_id=pk
    )
    assert entry.action == LogEntry.Action.DELETE
    assert entry.actor.username == "admin"
    assert entry.changes_dict["summary"] == ["El cliente pide la baja", "None"]


# --- The process steps ---------------------------------------------------------


def test_a_procedure_step_writes_no_audit_entry(
    plan_change_case, team, customer_product, internet_plans
):
    case = plan_change_case
    complete(
        case,
        team[Role.EXECUTIVE],
        {
            "new_plan": internet_plans[2].pk,
            "has_request_letter": "on",
            "has_nit_copy": "on",
            "has_id_copy": "on",
        },
    )
    assert pending(case).bpmn_id == "enter_plan_change"
    before = LogEntry.objects.count()

    # The commercial manager's step changes the product's plan: the engine's
    # event log records it, the audit trail neither writes nor reads a row.
    with CaptureQueriesContext(connection) as queries:
        complete(case, team[Role.COMMERCIAL_MANAGER], {"new_plan": internet_plans[2].pk})
    customer_product.refresh_from_db()
    assert customer_product.plan == internet_plans[2]
    assert LogEntry.objects.count() == before
    assert not [q["sql"] for q in queries.captured_queries if "auditlog_logentry" in q["sql"]]
    assert Product in audit._admin_edit_models


# --- Where to see it -----------------------------------------------------------


def test_an_audited_models_change_page_links_to_its_history(admin_client):
    tariff = Tariff.objects.get(code=TariffCode.RELOCATION)
    admin_client.post(
        reverse("admin:catalog_tariff_change", args=[tariff.pk]), {"amount": "181.00", "note": ""}
    )
    history = reverse("admin:catalog_tariff_auditlog", args=[tariff.pk])

    page = admin_client.get(reverse("admin:catalog_tariff_change", args=[tariff.pk]))
    assert f'href="{history}"' in page.content.decode()
    response = admin_client.get(history)
    assert response.status_code == 200
    [entry] = response.context["log_entries"]
    assert entry.changes_dict["amount"][1] == "181.00"
    assert "181.00" in response.content.decode()


def test_the_audit_log_is_seen_by_a_superuser_and_changed_by_nobody(admin_client):
    mailbox = Mailbox.objects.create(code="soporte", name="Soporte", address="soporte@example.com")
    [entry] = entries_for(mailbox)
    mailbox_type = ContentType.objects.get_for_model(Mailbox)

    changelist = admin_client.get(
        reverse("admin:auditlog_logentry_changelist"), {"resource_type": mailbox_type.pk}
    )
    assert changelist.status_code == 200
    assert list(changelist.context["cl"].result_list) == [entry]
    assert changelist.context["action_form"] is None  # not even "delete selected"
    change = reverse("admin:auditlog_logentry_change", args=[entry.pk])
    detail = admin_client.get(change)
    assert detail.status_code == 200
    assert detail.context["has_change_permission"] is False
    assert "soporte@example.com" in detail.content.decode()

    assert admin_client.get(reverse("admin:auditlog_logentry_add")).status_code == 403
    assert admin_client.post(change, {"action": 2}).status_code == 403
    delete = reverse("admin:auditlog_logentry_delete", args=[entry.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    entry.refresh_from_db()
    assert entry.action == LogEntry.Action.CREATE


def test_the_audit_log_filters_by_model_actor_and_date(admin_client, make_user):
    other = make_user(Role.TEAM_LEAD, username="jefa", is_staff=True, is_superuser=True)
    Mailbox.objects.create(
        code="soporte", name="Soporte", address="soporte@example.com"
    )  # no actor
    admin_client.post(
        reverse("admin:catalog_tariff_change", args=[Tariff.objects.get(code="relocation").pk]),
        {"amount": "182.00", "note": ""},
    )
    url = reverse("admin:auditlog_logentry_changelist")

    def shown(**params):
        response = admin_client.get(url, params)
        assert response.status_code == 200
        return {e.object_repr for e in response.context["cl"].result_list}

    admin_user = User.objects.get(username="admin")
    tariff_type = ContentType.objects.get_for_model(Tariff)
    assert shown(actor__id__exact=admin_user.pk) == {str(Tariff.objects.get(code="relocation"))}
    assert shown(actor__id__exact=other.pk) == set()
    assert shown(resource_type=tariff_type.pk) == shown(actor__id__exact=admin_user.pk)
    assert shown(timestamp__year=2000) == set()
    assert "Soporte <soporte@example.com>" in shown(timestamp__year=timezone.now().year)


def test_the_audit_log_list_costs_the_same_queries_for_one_entry_or_many(
    admin_client, django_assert_num_queries
):
    url = reverse("admin:auditlog_logentry_changelist")
    Mailbox.objects.create(code="m0", name="M0", address="m0@example.com")
    with CaptureQueriesContext(connection) as one:
        admin_client.get(url)
    for n in range(1, 6):
        Mailbox.objects.create(code=f"m{n}", name=f"M{n}", address=f"m{n}@example.com")
    with django_assert_num_queries(len(one)):
        response = admin_client.get(url)
    assert len(response.context["cl"].result_list) > 5


def test_an_entry_carries_the_request_id_of_the_request_log(admin_client, settings):
    settings.AUDITLOG_CID_GETTER = "posventa.common.audit.request_id"
    tariff = Tariff.objects.get(code=TariffCode.RELOCATION)
    response = admin_client.post(
        reverse("admin:catalog_tariff_change", args=[tariff.pk]),
        {"amount": "183.00", "note": ""},
        headers={"X-Request-ID": "abcdef0123456789"},
    )
    assert response["X-Request-ID"] == "abcdef0123456789"
    [entry] = entries_for(tariff)
    assert entry.cid == "abcdef0123456789"


def test_behind_the_proxy_the_address_is_the_proxys_entry_not_the_clients(admin_client, settings):
    settings.POSVENTA_BEHIND_TLS_PROXY = True
    settings.MIDDLEWARE = [
        "posventa.common.audit.AuditMiddleware" if m.startswith("auditlog.") else m
        for m in settings.MIDDLEWARE
    ]
    tariff = Tariff.objects.get(code=TariffCode.RELOCATION)
    admin_client.post(
        reverse("admin:catalog_tariff_change", args=[tariff.pk]),
        {"amount": "184.00", "note": ""},
        REMOTE_ADDR="127.0.0.1",
        headers={"X-Forwarded-For": "6.6.6.6, 10.20.30.40", "X-Forwarded-Port": "1"},
    )
    [entry] = entries_for(tariff)
    assert (entry.remote_addr, entry.remote_port) == ("10.20.30.40", None)


def test_the_site_uses_the_audit_middleware_and_the_request_id(settings):
    assert "posventa.common.audit.AuditMiddleware" in settings.MIDDLEWARE
    assert "auditlog.middleware.AuditlogMiddleware" not in settings.MIDDLEWARE
    assert settings.AUDITLOG_CID_GETTER == "posventa.common.audit.request_id"


def test_a_row_saved_unchanged_records_nothing():
    tariff = Tariff.objects.get(code=TariffCode.RELOCATION)
    tariff.save()
    assert not entries_for(tariff).exists()
