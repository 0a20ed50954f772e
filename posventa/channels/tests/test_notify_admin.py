"""The team lead edits the texts customers get in the admin: placeholders are
checked when saved (nothing is saved otherwise); the notifications are
read-only there, with "send again"."""

import pytest
from django.urls import reverse

from posventa.accounts.roles import Role
from posventa.channels.models import DeliveryStatus, Notification, NotificationTemplate
from posventa.channels.placeholders import render, text_errors
from posventa.factories import CompanyFactory, UserFactory

GOOD = "Señores {cliente}: recibimos su solicitud {numero} ({procedimiento})."


@pytest.fixture
def team_lead_client(client, db):
    lead = UserFactory(role=Role.TEAM_LEAD, is_staff=True)
    client.force_login(lead)
    return client


def post_text(client, template, **changes):
    data = {
        "subject": template.subject,
        "text": template.text,
        "whatsapp_template": template.whatsapp_template,
        "whatsapp_language": template.whatsapp_language,
        "is_active": "on",
        **changes,
    }
    url = reverse("admin:channels_notificationtemplate_change", args=[template.pk])
    return client.post(url, data)


def test_the_team_lead_edits_a_text_with_the_events_placeholders(team_lead_client):
    template = NotificationTemplate.objects.get(event="received")
    response = post_text(team_lead_client, template, text=GOOD)
    assert response.status_code == 302
    template.refresh_from_db()
    assert template.text == GOOD


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("Su solicitud {numero} quedó {resultado}.", "Marcador desconocido {resultado}"),
        ("Su solicitud {numero quedó registrada.", "Las llaves no cierran"),
        ("Su solicitud numero} quedó registrada.", "Las llaves no cierran"),
        ("Hola {cliente.__class__}", "no es un marcador"),
        ("   ", "Este campo es obligatorio."),
    ],
    ids=["unknown", "unclosed", "unopened", "attribute", "empty"],
)
def test_a_text_that_would_not_fill_in_is_refused_in_spanish_and_nothing_is_saved(
    team_lead_client, text, error
):
    template = NotificationTemplate.objects.get(event="received")
    before = template.text
    response = post_text(team_lead_client, template, text=text)
    assert response.status_code == 200
    assert error in response.content.decode()
    template.refresh_from_db()
    assert template.text == before


def test_the_subject_is_checked_too(team_lead_client):
    template = NotificationTemplate.objects.get(event="closed")
    response = post_text(team_lead_client, template, subject="Caso {numer}")
    assert "Marcador desconocido {numer}" in response.content.decode()


def test_every_text_the_team_starts_with_fills_in(db):
    for template in NotificationTemplate.objects.all():
        assert text_errors(event=template.event, text=template.text) == {}, template.event
        assert text_errors(event=template.event, text=template.subject) == {}, template.event
    assert NotificationTemplate.objects.count() == 5


def test_rendering_fills_every_placeholder_and_leaves_no_brace():
    assert render("{numero}: {mensaje}", {"numero": "PV-1", "mensaje": "{x}"}) == "PV-1: {x}"


def test_notifications_are_read_only_and_a_failed_one_is_sent_again(
    team_lead_client, django_capture_on_commit_callbacks, mailoutbox
):
    from posventa.outbox.services import email_queue

    company = CompanyFactory()
    email = email_queue(
        template="channels/notification",
        to=["ana@cliente.com.bo"],
        context={"subject": "Hola", "text": "Texto"},
        company=company,
    )
    email.status, email.attempts = "gave_up", 5
    email.save()
    note = Notification.objects.create(
        company=company,
        event="received",
        channel="email",
        to="ana@cliente.com.bo",
        text="Texto",
        status=DeliveryStatus.GAVE_UP,
        email=email,
    )
    url = reverse("admin:channels_notification_changelist")
    assert team_lead_client.get(url).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = team_lead_client.post(
            url, {"action": "send_again", "_selected_action": [note.pk]}
        )
    assert response.status_code == 302
    note.refresh_from_db()
    assert note.status == DeliveryStatus.SENT
    assert [m.to for m in mailoutbox] == [["ana@cliente.com.bo"]]
    change = reverse("admin:channels_notification_change", args=[note.pk])
    page = team_lead_client.get(change).content.decode()
    assert 'name="text"' not in page  # read-only
