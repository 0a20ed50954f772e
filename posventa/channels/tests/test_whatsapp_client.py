"""The Graph API client (channels/whatsapp.py) against the stand-in server:
the documented request shapes, the bearer token, and Graph's errors mapped
to WhatsAppError, permanent or worth retrying."""

import hashlib
import json
import socket
import time

import pytest

from posventa.channels import whatsapp
from posventa.channels.tests import graph_standin
from posventa.channels.tests.graph_standin import APP_SECRET, TOKEN, sign
from posventa.channels.whatsapp import WhatsAppError

graph_api = graph_standin.graph_api  # the fixture

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_a_text_goes_as_documented_with_the_bearer_token(graph_api):
    wamid = whatsapp.send_text(to="+591 712-34567", body="Hola", reply_to="wamid.QUOTED")

    request = graph_api.requests[-1]
    assert request.method == "POST"
    assert request.path == f"/v21.0/{graph_api.phone_number_id}/messages"
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert request.json == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "59171234567",
        "type": "text",
        "text": {"preview_url": False, "body": "Hola"},
        "context": {"message_id": "wamid.QUOTED"},
    }
    assert wamid.startswith("wamid.") and wamid == graph_api.sent("text")[0]["_wamid"]


def test_a_bolivian_mobile_without_country_code_gets_591():
    assert whatsapp.whatsapp_number("71234567") == "59171234567"
    assert whatsapp.whatsapp_number("+591 7 123 4567") == "59171234567"
    assert whatsapp.whatsapp_number("0054 9 11 1234 5678") == "5491112345678"


def test_a_template_names_its_language_and_parameters_cleaned_of_new_lines(graph_api):
    wamid = whatsapp.send_template(
        to="59171234567",
        template="caso_recibido",
        language="es",
        parameters=["PV-2026-000123", "Cambio de plan\nde datos", "a     b"],
    )

    sent = graph_api.sent("template")[0]
    assert sent["template"] == {
        "name": "caso_recibido",
        "language": {"code": "es"},
        "components": [
            {
                "type": "body",
                "parameters": [
                    {"type": "text", "text": "PV-2026-000123"},
                    {"type": "text", "text": "Cambio de plan de datos"},
                    {"type": "text", "text": "a   b"},
                ],
            }
        ],
    }
    assert sent["_wamid"] == wamid


def test_a_document_is_uploaded_then_sent_by_its_media_id(graph_api):
    wamid = whatsapp.send_document(
        to="59171234567",
        content=PDF,
        filename="proforma 2026-11.pdf",
        mime_type="application/pdf",
        caption="Su proforma",
    )

    upload, message = graph_api.requests[-2], graph_api.requests[-1]
    assert upload.path == f"/v21.0/{graph_api.phone_number_id}/media"
    assert upload.headers["Content-Type"].startswith("multipart/form-data; boundary=")
    assert upload.form == {"messaging_product": "whatsapp", "type": "application/pdf"}
    media_id = message.json["document"]["id"]
    assert graph_api.media[media_id].content == PDF
    assert graph_api.media[media_id].filename == "proforma 2026-11.pdf"
    assert message.json["document"] == {
        "id": media_id,
        "filename": "proforma 2026-11.pdf",
        "caption": "Su proforma",
    }
    assert wamid == graph_api.sent("document")[0]["_wamid"]


def test_a_media_is_downloaded_by_its_url_with_the_token(graph_api):
    media_id = graph_api.register_media(PDF, "application/pdf")

    content, mime_type = whatsapp.media_download(media_id=media_id)

    assert (content, mime_type) == (PDF, "application/pdf")
    lookup, fetch = graph_api.requests[-2:]
    assert lookup.path == f"/v21.0/{media_id}"
    assert fetch.path == f"/media-files/{media_id}"
    assert fetch.headers["Authorization"] == f"Bearer {TOKEN}"


def test_a_media_over_the_upload_limit_is_not_fetched(graph_api, settings):
    settings.POSVENTA_UPLOAD_MAX_BYTES = 10
    media_id = graph_api.register_media(PDF, "application/pdf")

    with pytest.raises(WhatsAppError) as error:
        whatsapp.media_download(media_id=media_id)

    assert error.value.permanent
    assert not any(r.path.startswith("/media-files/") for r in graph_api.requests)


def test_the_token_goes_to_no_other_host_than_metas(graph_api, monkeypatch):
    original = whatsapp._json_call

    def lookup_elsewhere(method, url, payload=None):
        answer = original(method, url, payload)
        return answer | {"url": "https://attacker.example/steal"}

    monkeypatch.setattr(whatsapp, "_json_call", lookup_elsewhere)
    media_id = graph_api.register_media(PDF, "application/pdf")

    with pytest.raises(WhatsAppError) as error:
        whatsapp.media_download(media_id=media_id)

    assert error.value.permanent


def test_a_file_whose_sha256_is_not_the_announced_one_is_refused(graph_api, monkeypatch):
    original = whatsapp._json_call
    wrong = hashlib.sha256(b"other").hexdigest()
    monkeypatch.setattr(
        whatsapp, "_json_call", lambda *a, **k: original(*a, **k) | {"sha256": wrong}
    )
    media_id = graph_api.register_media(PDF, "application/pdf")

    with pytest.raises(WhatsAppError, match="SHA-256"):
        whatsapp.media_download(media_id=media_id)


@pytest.mark.parametrize(
    ("code", "status", "permanent"),
    [
        (131026, 400, True),  # not a WhatsApp user
        (131047, 400, True),  # more than 24 hours since the customer wrote
        (132001, 400, True),  # template does not exist
        (132015, 400, True),  # template paused
        (100, 400, True),  # invalid parameter
        (190, 401, True),  # token expired
        (130429, 400, False),  # throughput limit
        (131056, 400, False),  # pair rate limit
        (131000, 500, False),  # something went wrong
        (4, 400, False),  # too many calls
        (99999, 503, False),  # unknown code, server side
        (99999, 429, False),  # unknown code, too many requests
        (99999, 404, True),  # unknown code, client side
    ],
)
def test_graph_errors_are_permanent_or_retryable_by_their_code(graph_api, code, status, permanent):
    graph_api.fail_next(code, status=status, message=f"(#{code}) told to fail", details="why")

    with pytest.raises(WhatsAppError) as error:
        whatsapp.send_text(to="59171234567", body="Hola")

    assert error.value.code == code
    assert error.value.permanent is permanent
    assert "told to fail" in str(error.value) and "why" in str(error.value)


def test_an_error_page_that_is_not_graph_json_is_judged_by_its_status(monkeypatch):
    assert whatsapp._error_from(502, b"<html>Bad gateway</html>").permanent is False
    assert whatsapp._error_from(403, b"nope").permanent is True
    assert whatsapp._error_from(400, b'{"error": "not a dict"}').code == 400
    assert whatsapp._error_from(400, b'{"error": {"code": "131026"}}').code == 400


def test_a_server_that_does_not_answer_is_a_retryable_network_error(settings):
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    settings.WHATSAPP_API_URL = f"http://127.0.0.1:{port}/v21.0"
    settings.WHATSAPP_PHONE_NUMBER_ID = "1"
    settings.WHATSAPP_TOKEN = "t"

    with pytest.raises(WhatsAppError) as error:
        whatsapp.send_text(to="59171234567", body="Hola")

    assert error.value.permanent is False and error.value.code == 0


def test_sending_without_whatsapp_configured_is_a_permanent_error(settings):
    settings.WHATSAPP_PHONE_NUMBER_ID = ""
    assert not whatsapp.whatsapp_configured()
    with pytest.raises(WhatsAppError) as error:
        whatsapp.send_text(to="59171234567", body="Hola")
    assert error.value.permanent


def test_a_number_that_is_not_one_is_refused_before_any_call(graph_api):
    with pytest.raises(WhatsAppError) as error:
        whatsapp.send_text(to="12", body="Hola")
    assert error.value.permanent and graph_api.requests == []


def test_the_signature_is_the_hmac_sha256_of_the_raw_body(graph_api):
    body = json.dumps({"object": "whatsapp_business_account"}).encode()

    assert whatsapp.signature_valid(body=body, header=sign(body))
    assert whatsapp.signature_valid(
        body=body, header=sign(body).upper().replace("SHA256", "sha256")
    )
    assert not whatsapp.signature_valid(body=body + b" ", header=sign(body))
    assert not whatsapp.signature_valid(body=body, header=sign(body, "another secret"))
    assert not whatsapp.signature_valid(body=body, header="")
    assert not whatsapp.signature_valid(body=body, header="sha256=")
    assert not whatsapp.signature_valid(body=body, header="sha1=" + "0" * 40)
    assert not whatsapp.signature_valid(body=body, header="sha256=zz" + "0" * 62)
    assert APP_SECRET


def test_no_app_secret_no_valid_signature(settings):
    settings.WHATSAPP_APP_SECRET = ""
    assert not whatsapp.signature_valid(body=b"{}", header=sign(b"{}", ""))


class _Trickle:
    """A server that answers 200 and then sends its body slowly (or a
    body larger than any Graph answer)."""

    def __init__(self, *, pause: float, size: int):
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(size))
                self.end_headers()
                sent = 0
                try:
                    while sent < size and not outer.stopped:
                        piece = b" " * min(64 * 1024, size - sent) if not pause else b" "
                        self.wfile.write(piece)
                        self.wfile.flush()
                        sent += len(piece)
                        if pause:
                            time.sleep(pause)
                except OSError:
                    pass

        self.stopped = False
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server.server_address[1]}/v21.0"

    def stop(self):
        self.stopped = True
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def trickle(settings):
    servers = []

    def start(**kwargs):
        server = _Trickle(**kwargs)
        servers.append(server)
        settings.WHATSAPP_API_URL = server.url
        settings.WHATSAPP_PHONE_NUMBER_ID = "1"
        settings.WHATSAPP_TOKEN = "t"
        return server

    yield start
    for server in servers:
        server.stop()


def test_a_server_that_trickles_its_answer_cannot_hold_the_worker(trickle, monkeypatch):
    monkeypatch.setattr(whatsapp, "DEADLINE", 0.5)
    trickle(pause=0.05, size=10_000)
    started = time.monotonic()

    with pytest.raises(WhatsAppError) as error:
        whatsapp.send_text(to="59171234567", body="Hola")

    assert time.monotonic() - started < 5
    assert error.value.permanent is False and error.value.code == 0


def test_an_answer_larger_than_any_graph_answer_is_not_read_whole(trickle):
    trickle(pause=0, size=whatsapp.MAX_ANSWER_BYTES * 4)

    with pytest.raises(WhatsAppError, match="larger than"):
        whatsapp.send_text(to="59171234567", body="Hola")


# The stand-in checks what Meta checks of a request's form (docs/whatsapp.md).


def test_the_stand_in_refuses_a_wrong_token_as_meta_does(graph_api, settings):
    settings.WHATSAPP_TOKEN = "EAAG-some-other-token"

    with pytest.raises(WhatsAppError) as error:
        whatsapp.send_text(to="59171234567", body="Hola")

    assert (error.value.code, error.value.permanent) == (190, True)
    assert graph_api.sent() == []


def test_the_stand_in_refuses_another_phone_number_id(graph_api, settings):
    settings.WHATSAPP_PHONE_NUMBER_ID = "111"

    with pytest.raises(WhatsAppError) as error:
        whatsapp.send_text(to="59171234567", body="Hola")

    assert error.value.code == 100


@pytest.mark.parametrize(
    ("message", "code"),
    [
        ({"to": "59171234567", "type": "text", "text": {}}, 131008),
        ({"to": "59171234567", "type": "text", "text": {"body": "x" * 4097}}, 100),
        ({"to": "591-7123", "type": "text", "text": {"body": "Hola"}}, 100),
        ({"to": "59171234567", "type": "template", "template": {"name": "Con Espacios"}}, 132001),
        (
            {
                "to": "59171234567",
                "type": "template",
                "template": {
                    "name": "posventa_recibido",
                    "language": {"code": "es"},
                    "components": [
                        {"type": "body", "parameters": [{"type": "text", "text": "a\nb"}]}
                    ],
                },
            },
            132018,
        ),
        ({"to": "59171234567", "type": "document", "document": {"filename": "x.pdf"}}, 131008),
        ({"to": "59171234567", "type": "hologram", "hologram": {}}, 131051),
    ],
)
def test_the_stand_in_refuses_a_message_of_the_wrong_shape(graph_api, message, code):
    with pytest.raises(WhatsAppError) as error:
        whatsapp._send(message)

    assert (error.value.code, error.value.permanent) == (code, True)
    assert graph_api.sent() == []


def test_a_document_outside_the_24_hours_goes_as_a_template_header(graph_api):
    wamid = whatsapp.send_template(
        to="59171234567",
        template="posventa_proforma",
        language="es",
        parameters=["Empresa S.R.L.", "noviembre 2026"],
        document=PDF,
        filename="proforma-2026-11.pdf",
    )

    upload = graph_api.requests[-2]
    assert upload.path.endswith("/media") and upload.form["type"] == "application/pdf"
    sent = graph_api.sent("template")[0]
    header, body = sent["template"]["components"]
    media_id = header["parameters"][0]["document"]["id"]
    assert header == {
        "type": "header",
        "parameters": [
            {"type": "document", "document": {"id": media_id, "filename": "proforma-2026-11.pdf"}}
        ],
    }
    assert graph_api.media[media_id].content == PDF
    assert [p["text"] for p in body["parameters"]] == ["Empresa S.R.L.", "noviembre 2026"]
    assert sent["_wamid"] == wamid
