"""The triage inbox's screens: the list, the message page and its actions,
its files, and the case page's way back to the message."""

import pytest
from django.urls import reverse

from posventa.cases.models import Case
from posventa.channels.models import MessageState
from posventa.channels.tests.triage_world import (  # noqa: F401 — world_fixture: a fixture
    PDF,
    IncomingFile,
    take,
    world_fixture,
)
from posventa.customers.models import Interaction
from posventa.web.tests.hostile import HUGE, NUL

LIST = "/mensajes/"


def _url(message, name="message"):
    return reverse(f"triage:{name}", args=[message.pk])


def test_the_executives_list_shows_her_messages_with_their_clock(client, world):
    take(1, files=(IncomingFile("carta.pdf", PDF),))
    take(2, sender="direccion@sanagustin.edu.bo", subject="Colegio pide traslado")
    client.force_login(world["executive"])

    page = client.get(LIST).content.decode().replace("\xa0", " ")

    assert "Carla Méndez" in page and "Hotel Muyurina" in page
    assert "Cambio de plan de internet" in page
    assert "hace 2 horas" in page  # since the customer wrote
    assert "Vence en 21 horas" in page  # the 24 hours already run
    assert "1 adjunto" in page
    assert "Colegio pide traslado" not in page  # another portfolio's


def test_the_team_lead_sees_unknown_senders_labelled_and_can_keep_only_them(client, world):
    take(1)
    take(2, sender="alguien@desconocido.bo", subject="Consulta de precios")
    client.force_login(world["lead"])

    page = client.get(LIST).content.decode()
    assert "Remitente desconocido" in page
    assert page.index("Consulta de precios") < page.index("Cambio de plan de internet")
    only = client.get(LIST, {"sender": "unknown"}).content.decode()
    assert "Consulta de precios" in only and "Cambio de plan de internet" not in only
    emails = client.get(LIST, {"channel": "whatsapp"}).content.decode()
    assert "Consulta de precios" not in emails


def test_the_menu_counts_the_messages_waiting(client, world):
    take(1)
    take(2)
    client.force_login(world["executive"])

    page = client.get("/bandeja/").content.decode()

    assert f'href="{LIST}">Mensajes <span class="badge text-bg-warning">2</span>' in page
    client.force_login(world["manager"])
    assert LIST not in client.get("/bandeja/").content.decode()
    assert client.get(LIST).status_code == 403


def test_another_portfolios_message_is_not_found(client, world):
    theirs = take(1, sender="direccion@sanagustin.edu.bo")
    unknown = take(2, sender="alguien@desconocido.bo")
    client.force_login(world["executive"])

    for message in (theirs, unknown):
        assert client.get(_url(message)).status_code == 404
        assert client.post(_url(message, "not_request"), {"note": ""}).status_code == 404
        assert client.get(_url(message, "raw")).status_code == 404
    theirs.refresh_from_db()
    assert theirs.state == MessageState.TRIAGE


def test_the_message_is_shown_as_plain_text_never_as_html(client, world):
    message = take(1, body='<script>alert("x")</script><b>Hola</b>\nSegunda línea')
    client.force_login(world["executive"])

    page = client.get(_url(message)).content.decode()

    assert "<script>alert" not in page and "<b>Hola</b>" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;b&gt;Hola&lt;/b&gt;<br>" in page


def test_files_download_safely_and_refused_ones_say_why(client, world):
    message = take(
        1,
        files=(
            IncomingFile("carta.pdf", PDF, "application/pdf"),
            IncomingFile("pagina.html", b"<html><script>x</script></html>", "text/html"),
        ),
    )
    kept, refused = message.attachments.order_by("pk")
    client.force_login(world["executive"])

    page = client.get(_url(message)).content.decode()
    assert reverse("triage:attachment", args=[message.pk, kept.pk]) in page
    assert "no se guardó" in page and "no es de un tipo permitido" in page

    response = client.get(reverse("triage:attachment", args=[message.pk, kept.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == PDF
    assert client.get(reverse("triage:attachment", args=[message.pk, refused.pk])).status_code == (
        404
    )


def test_only_the_team_lead_downloads_the_original_email(client, world):
    message = take(1)
    client.force_login(world["executive"])
    assert "Descargar el mensaje original" not in client.get(_url(message)).content.decode()
    assert client.get(_url(message, "raw")).status_code == 404

    client.force_login(world["lead"])
    response = client.get(_url(message, "raw"))
    assert response.status_code == 200
    assert response["Content-Type"] == "message/rfc822"
    assert b"".join(response.streaming_content).startswith(b"From: gerencia@hotelmuyurina.bo")


def test_opening_the_case_from_the_message_page_lands_on_the_case(client, world):
    message = take(1, files=(IncomingFile("carta.pdf", PDF),))
    client.force_login(world["executive"])
    page = client.get(_url(message)).content.decode()
    assert 'value="Cambio de plan de internet"' in page  # the subject, prefilled

    response = client.post(
        _url(message, "open_case"),
        {"procedure": "B", "product": world["line"].pk, "subject": "Cambio de plan a 50 Mbps"},
    )

    case = Case.objects.get()
    assert response.status_code == 302 and response.url == f"/casos/{case.number}/"
    case_page = client.get(response.url).content.decode()
    assert _url(message) in case_page  # "Ver mensaje" in the timeline
    assert "Ver mensaje" in case_page
    assert "carta.pdf" in case_page
    # A second click (the page still open in another tab): the same case, no other.
    again = client.post(
        _url(message, "open_case"),
        {"procedure": "B", "product": world["line"].pk, "subject": "Otra vez"},
        follow=True,
    )
    assert Case.objects.count() == 1
    assert f"Este mensaje ya abrió el caso {case.number}" in again.content.decode()


def test_the_case_viewers_may_open_its_message_and_nobody_else(client, world):
    from posventa.channels.triage import triage_open_case

    message = take(1)
    case = triage_open_case(
        message=message,
        user=world["executive"],
        procedure="B",
        product=world["line"],
        subject="Cambio de plan",
    )
    client.force_login(world["manager"])  # sees every case, sorts no message
    page = client.get(_url(message)).content.decode()
    assert "Solicito cambio de plan a 50 Mbps" in page
    assert case.number in page
    assert "Abrir el caso" not in page  # nothing left to sort
    client.force_login(world["other"])
    assert client.get(_url(message)).status_code == 404


@pytest.mark.parametrize(
    "body",
    [
        {"procedure": "Z", "subject": "Cambio"},
        {"procedure": "I", "subject": "Cambio"},
        {"procedure": "B", "product": "school_line", "subject": "Cambio"},
        {"procedure": "B", "product": "line", "subject": "x" * 5000},
        {"procedure": "B", "product": "line", "subject": NUL},
        {"procedure": "B", "product": HUGE, "subject": "Cambio"},
        {},
    ],
    ids=["unknown-procedure", "team-procedure", "other-product", "huge", "nul", "huge-id", "empty"],
)
def test_a_hostile_form_is_a_spanish_message_and_changes_nothing(client, world, body):
    message = take(1)
    client.force_login(world["executive"])
    if body.get("product") in ("line", "school_line"):
        body = body | {"product": world[body["product"]].pk}

    response = client.post(_url(message, "open_case"), body)

    assert response.status_code == 200
    page = response.content.decode()
    assert "is-invalid" in page or "invalid-feedback" in page
    assert any(
        text in page
        for text in (
            "Escoja una opción válida",
            "Este campo es obligatorio",
            "Elija el producto",
            "como máximo",
            "Asegúrese de que este valor tenga menos de",
            "caracteres nulos",
        )
    ), page[page.find("invalid-feedback") - 300 : page.find("invalid-feedback") + 300]
    message.refresh_from_db()
    assert message.state == MessageState.TRIAGE
    assert not Case.objects.exists() and not Interaction.objects.exists()


def test_hostile_input_on_the_other_actions_changes_nothing(client, world):
    message = take(1, sender="alguien@desconocido.bo")
    client.force_login(world["lead"])
    for value in (NUL, "a" * 5000):
        assert client.post(_url(message, "not_request"), {"note": value}).status_code == 200
    for value in (NUL, HUGE, "a" * 5000, "0"):
        assert client.post(_url(message, "assign"), {"company": value}).status_code == 200
        assert client.post(_url(message, "thread"), {"case": value}).status_code == 404
    assert client.get(_url(message), {"company": HUGE, "procedure": "Z"}).status_code == 200
    assert client.get(_url(message), {"procedure": NUL}).status_code == 400
    message.refresh_from_db()
    assert message.state == MessageState.TRIAGE and message.company is None


def test_the_team_lead_assigns_an_unknown_sender_from_the_page(client, world):
    message = take(1, sender="carla.mendez@gmail.com")
    client.force_login(world["lead"])
    page = client.get(_url(message)).content.decode()
    assert "Asignar a un cliente" in page

    response = client.post(
        _url(message, "assign"), {"company": world["hotel"].pk, "contact": world["contact"].pk}
    )

    assert response.status_code == 302 and response.url == LIST
    message.refresh_from_db()
    assert message.triage_user == world["executive"]
    client.force_login(world["executive"])
    assert _url(message) in client.get(LIST).content.decode()


def test_not_a_request_from_the_page_records_the_contact(client, world):
    message = take(1)
    client.force_login(world["executive"])

    response = client.post(_url(message, "not_request"), {"note": "Solo agradece la atención"})

    assert response.status_code == 302 and response.url == LIST
    message.refresh_from_db()
    assert message.state == MessageState.NOT_REQUEST
    assert "Solo agradece" in message.interaction.summary


def test_an_open_case_on_the_product_shows_as_in_the_new_request_form(client, world):
    from posventa.cases.services import case_open

    open_case = case_open(
        company=world["hotel"],
        procedure="B",
        channel="phone",
        subject="Cambio de plan pedido por teléfono",
        product=world["line"],
        user=world["executive"],
    )
    message = take(1)
    client.force_login(world["executive"])
    body = {"procedure": "B", "product": world["line"].pk, "subject": "Cambio de plan"}

    response = client.post(_url(message, "open_case"), body, follow=True)

    assert open_case.number in response.content.decode()
    assert Case.objects.count() == 1
    message.refresh_from_db()
    assert message.state == MessageState.TRIAGE


QUERY_VALUES = [NUL, HUGE, "-" + HUGE, "²", "ZZ", "a" * 20_000]
IDS = [HUGE, str(2**63), str(2**64), "0", "9" * 19, "%C2%B2"]


@pytest.mark.parametrize("who", ["executive", "lead", "manager"])
def test_a_hostile_query_string_or_address_is_no_server_error(client, world, who):
    message = take(1)
    client.force_login(world[who])
    for value in QUERY_VALUES:
        for params in ({"channel": value}, {"sender": value}, {"channel": value, "sender": value}):
            assert client.get(LIST, params).status_code in (200, 400, 403)
        for params in ({"procedure": value}, {"product": value}, {"company": value}):
            assert client.get(_url(message), params).status_code in (200, 400, 404)
    addresses = [
        "/mensajes/{id}/",
        "/mensajes/{id}/abrir-caso/",
        "/mensajes/{id}/agregar-a-caso/",
        "/mensajes/{id}/no-es-solicitud/",
        "/mensajes/{id}/asignar/",
        "/mensajes/{id}/original/",
        f"/mensajes/{message.pk}/adjuntos/{{id}}/",
    ]
    for address in addresses:
        for value in IDS:
            for method in ("get", "post"):
                response = getattr(client, method)(address.format(id=value))
                assert response.status_code in (302, 400, 403, 404, 405), (address, method)
    message.refresh_from_db()
    assert message.state == MessageState.TRIAGE


def test_the_list_takes_a_constant_number_of_queries(client, world, django_assert_max_num_queries):
    take(1)
    client.force_login(world["lead"])
    client.get(LIST)  # the session, the translations, warmed
    with django_assert_max_num_queries(5) as first:  # measured: 4
        client.get(LIST)
    for n in range(2, 32):
        take(n, sender="direccion@sanagustin.edu.bo" if n % 2 else "alguien@desconocido.bo")
    with django_assert_max_num_queries(len(first.captured_queries)):
        response = client.get(LIST)
    assert len(response.context["rows"]) == 31
