"""A stand-in for Meta's Graph API (WhatsApp Business Cloud API), which cannot
be reached from here: a real HTTP server on a free local port, in a thread,
that speaks the documented request and response shapes of the calls
`channels/whatsapp.py` makes:

- `POST /vXX.X/{phone-number-id}/messages` (text, template, document, image):
  checks the bearer token, the JSON content type and the message's shape;
  answers `{"messaging_product": "whatsapp", "contacts": [{"input", "wa_id"}],
  "messages": [{"id": "wamid.…"}]}`;
- `POST /vXX.X/{phone-number-id}/media` (multipart/form-data with
  `messaging_product`, `type` and `file`): answers `{"id": "<media id>"}`;
- `GET /vXX.X/{media-id}`: answers `{"messaging_product", "url", "mime_type",
  "sha256", "file_size", "id"}`; the URL (on this server) serves the bytes to
  a request carrying the token.

Errors come in Graph's shape (`{"error": {"message", "type", "code",
"error_data": {"messaging_product", "details"}, "fbtrace_id"}}`). `fail_next`
makes the next calls fail with a given Graph error, for the fallback tests.
Where the stand-in ends (what Meta checks that it does not) is written down in
docs/whatsapp.md.

Also here: the documented webhook payloads (`whatsapp_webhook_payload`,
`text_message`, `document_message`, `image_message`, `status_update`) and
their real HMAC-SHA256 signature (`sign`), and `post_webhook` to deliver one
to the site's webhook URL.

Fixture: `graph_api` (import it in the test module:
`from posventa.channels.tests.graph_standin import graph_api  # noqa: F401`).
"""

import email.parser
import email.policy
import hashlib
import hmac
import itertools
import json
import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

PHONE_NUMBER_ID = "106540352242922"
DISPLAY_NUMBER = "59122150000"
WABA_ID = "102290129340398"
TOKEN = "EAAG-test-token"
APP_SECRET = "test-app-secret-0123456789"
VERIFY_TOKEN = "verify-me-please"
API_VERSION = "v21.0"

_ids = itertools.count(1)


def new_wamid() -> str:
    """A message id in WhatsApp's spelling (base64 of an opaque id)."""
    return "wamid.HBgL" + secrets.token_urlsafe(24).replace("-", "A").replace("_", "B")


@dataclass
class Recorded:
    """One request the stand-in got."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    json: Any = None
    form: dict[str, str] = field(default_factory=dict)


@dataclass
class Failure:
    code: int
    status: int
    message: str
    details: str


@dataclass
class Media:
    content: bytes
    mime_type: str
    filename: str = ""


class GraphStandIn:
    """The server and what it saw: `requests`, the `messages` it accepted,
    the `media` it holds. Thread-safe: the handler runs in the server's threads."""

    def __init__(self, *, phone_number_id: str = PHONE_NUMBER_ID, token: str = TOKEN):
        self.phone_number_id = phone_number_id
        self.token = token
        self.requests: list[Recorded] = []
        self.messages: list[dict] = []
        self.media: dict[str, Media] = {}
        self._failures: list[Failure] = []
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def api_url(self) -> str:
        """What WHATSAPP_API_URL is set to."""
        return f"{self.base_url}/{API_VERSION}"

    def start(self) -> "GraphStandIn":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)

    # --- what the tests set up ---------------------------------------------

    def register_media(self, content: bytes, mime_type: str, filename: str = "") -> str:
        """A file a customer sent: its media id, which a webhook names."""
        media_id = str(900000000000000 + next(_ids))
        with self._lock:
            self.media[media_id] = Media(content, mime_type, filename)
        return media_id

    def fail_next(
        self,
        code: int,
        *,
        times: int = 1,
        status: int = 400,
        message: str = "",
        details: str = "",
    ) -> None:
        """The next `times` calls (messages, media upload, media lookup) answer
        this Graph error instead."""
        with self._lock:
            self._failures += [
                Failure(code, status, message or f"(#{code}) error", details) for _ in range(times)
            ]

    # --- used by the handler ---------------------------------------------------

    def _record(self, recorded: Recorded) -> None:
        with self._lock:
            self.requests.append(recorded)

    def _take_failure(self) -> Failure | None:
        with self._lock:
            return self._failures.pop(0) if self._failures else None

    def sent(self, kind: str | None = None) -> list[dict]:
        """The messages accepted, of one type if asked."""
        with self._lock:
            return [m for m in self.messages if kind is None or m.get("type") == kind]


def graph_error(code: int, message: str, details: str = "", *, subcode: int | None = None) -> dict:
    """An error answer in Graph's documented shape."""
    error: dict[str, Any] = {
        "message": message,
        "type": "OAuthException",
        "code": code,
        "fbtrace_id": "A" + secrets.token_hex(10),
    }
    if details:
        error["error_data"] = {"messaging_product": "whatsapp", "details": details}
    if subcode is not None:
        error["error_subcode"] = subcode
    return {"error": error}


class _Refused(Exception):
    def __init__(self, status: int, code: int, message: str, details: str = ""):
        self.status, self.code, self.message, self.details = status, code, message, details


_NUMBER = re.compile(r"^\d{8,15}$")
_TEMPLATE_NAME = re.compile(r"^[a-z0-9_]{1,512}$")


def _check_message(payload: Any) -> None:
    """The documented shape of a message to send; `_Refused` (code 100 or
    131008/131009, as Meta answers) when it is not."""
    if not isinstance(payload, dict):
        raise _Refused(400, 100, "(#100) Invalid parameter", "the body is not a JSON object")
    if payload.get("messaging_product") != "whatsapp":
        raise _Refused(
            400, 100, "(#100) The parameter messaging_product is required.", "messaging_product"
        )
    to = payload.get("to")
    if not isinstance(to, str) or not _NUMBER.match(to):
        raise _Refused(400, 100, "(#100) Invalid parameter", "to: not a phone number")
    kind = payload.get("type", "text")
    content = payload.get(kind)
    if not isinstance(content, dict):
        raise _Refused(400, 131008, "(#131008) Required parameter is missing", kind)
    if kind == "text":
        body = content.get("body")
        if not isinstance(body, str) or not body.strip():
            raise _Refused(400, 131008, "(#131008) Required parameter is missing", "text.body")
        if len(body) > 4096:
            raise _Refused(400, 100, "(#100) Invalid parameter", "text.body longer than 4096")
    elif kind == "template":
        name = content.get("name")
        language = content.get("language")
        if not isinstance(name, str) or not _TEMPLATE_NAME.match(name):
            raise _Refused(400, 132001, "(#132001) Template name does not exist in the translation")
        if not isinstance(language, dict) or not isinstance(language.get("code"), str):
            raise _Refused(400, 131008, "(#131008) Required parameter is missing", "language")
        components = content.get("components", [])
        if not isinstance(components, list):
            raise _Refused(400, 100, "(#100) Invalid parameter", "components")
        for component in components:
            if not isinstance(component, dict) or component.get("type") not in (
                "header",
                "body",
                "button",
            ):
                raise _Refused(400, 100, "(#100) Invalid parameter", "components")
            parameters = component.get("parameters", [])
            if not isinstance(parameters, list):
                raise _Refused(400, 100, "(#100) Invalid parameter", "parameters")
            for parameter in parameters:
                parameter = parameter if isinstance(parameter, dict) else {}
                kind_of = parameter.get("type")
                if component["type"] == "header" and kind_of in ("document", "image"):
                    media = parameter.get(kind_of)
                    if not isinstance(media, dict) or not (
                        isinstance(media.get("id"), str) or isinstance(media.get("link"), str)
                    ):
                        raise _Refused(
                            400, 131008, "(#131008) Required parameter is missing", "header"
                        )
                    continue
                text = parameter.get("text")
                if kind_of != "text" or not isinstance(text, str) or not text:
                    raise _Refused(400, 132000, "(#132000) Number of parameters does not match")
                if re.search(r"[\n\t]| {5,}", text):
                    raise _Refused(
                        400,
                        132018,
                        "(#132018) There was an issue with the parameters in your template.",
                        "Param text cannot have new-line/tab characters or more than 4 "
                        "consecutive spaces",
                    )
    elif kind in ("document", "image"):
        if not (isinstance(content.get("id"), str) or isinstance(content.get("link"), str)):
            raise _Refused(400, 131008, "(#131008) Required parameter is missing", f"{kind}.id")
    else:
        raise _Refused(400, 131051, "(#131051) Unsupported message type", kind)
    context = payload.get("context")
    if context is not None and not (
        isinstance(context, dict) and isinstance(context.get("message_id"), str)
    ):
        raise _Refused(400, 100, "(#100) Invalid parameter", "context.message_id")


def _parse_multipart(content_type: str, body: bytes) -> tuple[dict[str, str], Media | None]:
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + body
    )
    if not message.is_multipart():
        raise _Refused(400, 100, "(#100) Invalid parameter", "not multipart/form-data")
    fields: dict[str, str] = {}
    upload = None
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if name == "file":
            upload = Media(
                part.get_payload(decode=True) or b"",
                part.get_content_type(),
                part.get_filename() or "",
            )
        elif name:
            fields[name] = (part.get_payload(decode=True) or b"").decode()
    return fields, upload


def _handler_for(graph: GraphStandIn):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args) -> None:  # quiet tests
            pass

        def _answer(self, status: int, payload: Any = None, *, raw: bytes = b"", kind: str = ""):
            body = raw if raw else json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", kind or "application/json; charset=UTF-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _refuse(self, refused: _Refused) -> None:
            self._answer(
                refused.status, graph_error(refused.code, refused.message, refused.details)
            )

        def _authorised(self) -> None:
            given = self.headers.get("Authorization", "")
            if not hmac.compare_digest(given, f"Bearer {graph.token}"):
                raise _Refused(
                    401,
                    190,
                    "Invalid OAuth access token - Cannot parse access token",
                )

        def _read(self) -> Recorded:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            recorded = Recorded(self.command, self.path, dict(self.headers.items()), body)
            graph._record(recorded)
            return recorded

        def _route(self) -> tuple[str, ...]:
            parts = tuple(p for p in self.path.split("?")[0].split("/") if p)
            if parts and parts[0] == "media-files":
                return parts
            if not parts or parts[0] != API_VERSION:
                raise _Refused(400, 2500, "Unknown path components", self.path)
            return parts[1:]

        def do_GET(self) -> None:
            recorded = self._read()
            try:
                parts = self._route()
                self._authorised()
                if parts[0] == "media-files" and len(parts) == 2:
                    media = graph.media.get(parts[1])
                    if media is None:
                        self._answer(404, raw=b"Not Found", kind="text/plain")
                        return
                    self._answer(200, raw=media.content, kind=media.mime_type)
                    return
                failure = graph._take_failure()
                if failure:
                    raise _Refused(failure.status, failure.code, failure.message, failure.details)
                if len(parts) != 1 or parts[0] not in graph.media:
                    raise _Refused(
                        400,
                        100,
                        f"Unsupported get request. Object with ID '{parts[-1] if parts else ''}' "
                        "does not exist, cannot be loaded due to missing permissions, or does "
                        "not support this operation.",
                    )
                media = graph.media[parts[0]]
                recorded.json = None
                self._answer(
                    200,
                    {
                        "messaging_product": "whatsapp",
                        "url": f"{graph.base_url}/media-files/{parts[0]}",
                        "mime_type": media.mime_type,
                        "sha256": hashlib.sha256(media.content).hexdigest(),
                        "file_size": len(media.content),
                        "id": parts[0],
                    },
                )
            except _Refused as refused:
                self._refuse(refused)

        def do_POST(self) -> None:
            recorded = self._read()
            try:
                parts = self._route()
                self._authorised()
                if len(parts) != 2 or parts[0] != graph.phone_number_id:
                    raise _Refused(
                        400,
                        100,
                        "Unsupported post request. Object with ID "
                        f"'{parts[0] if parts else ''}' does not exist.",
                    )
                failure = graph._take_failure()
                if failure:
                    raise _Refused(failure.status, failure.code, failure.message, failure.details)
                content_type = self.headers.get("Content-Type", "")
                if parts[1] == "messages":
                    if not content_type.startswith("application/json"):
                        raise _Refused(400, 100, "(#100) Invalid parameter", "Content-Type")
                    try:
                        payload = json.loads(recorded.body)
                    except ValueError:
                        raise _Refused(400, 100, "(#100) Invalid parameter", "not JSON") from None
                    recorded.json = payload
                    _check_message(payload)
                    wamid = new_wamid()
                    with graph._lock:
                        graph.messages.append(payload | {"_wamid": wamid})
                    message: dict[str, str] = {"id": wamid}
                    if payload.get("type") == "template":
                        message["message_status"] = "accepted"
                    self._answer(
                        200,
                        {
                            "messaging_product": "whatsapp",
                            "contacts": [{"input": payload["to"], "wa_id": payload["to"]}],
                            "messages": [message],
                        },
                    )
                elif parts[1] == "media":
                    if not content_type.startswith("multipart/form-data"):
                        raise _Refused(400, 100, "(#100) Invalid parameter", "Content-Type")
                    fields, upload = _parse_multipart(content_type, recorded.body)
                    recorded.form = fields
                    if fields.get("messaging_product") != "whatsapp" or upload is None:
                        raise _Refused(
                            400, 131008, "(#131008) Required parameter is missing", "file"
                        )
                    if fields.get("type") and fields["type"] != upload.mime_type:
                        raise _Refused(400, 131053, "(#131053) Media upload error", "type")
                    media_id = graph.register_media(
                        upload.content, upload.mime_type, upload.filename
                    )
                    self._answer(200, {"id": media_id})
                else:
                    raise _Refused(400, 100, "Unsupported post request.")
            except _Refused as refused:
                self._refuse(refused)

    return Handler


@pytest.fixture
def graph_api(settings):
    """The Graph API stand-in, running, with WhatsApp's settings pointing at
    it (phone number id, token, app secret, verify token, API URL)."""
    graph = GraphStandIn().start()
    settings.WHATSAPP_PHONE_NUMBER_ID = graph.phone_number_id
    settings.WHATSAPP_TOKEN = graph.token
    settings.WHATSAPP_APP_SECRET = APP_SECRET
    settings.WHATSAPP_VERIFY_TOKEN = VERIFY_TOKEN
    settings.WHATSAPP_API_URL = graph.api_url
    try:
        yield graph
    finally:
        graph.stop()


# --- Webhook payloads, as Meta sends them -----------------------------------


def _timestamp(at: float | int | None) -> str:
    return str(int(at if at is not None else time.time()))


def text_message(
    *, sender: str, body: str, wamid: str = "", at: float | None = None, context_id: str = ""
) -> dict:
    """A text a customer sent (`messages[]` item of type text)."""
    message: dict[str, Any] = {
        "from": sender,
        "id": wamid or new_wamid(),
        "timestamp": _timestamp(at),
        "type": "text",
        "text": {"body": body},
    }
    if context_id:
        message["context"] = {"from": DISPLAY_NUMBER, "id": context_id}
    return message


def _media_message(
    kind: str,
    *,
    sender: str,
    media_id: str,
    mime_type: str,
    content: bytes = b"",
    caption: str = "",
    filename: str = "",
    wamid: str = "",
    at: float | None = None,
    context_id: str = "",
) -> dict:
    media: dict[str, Any] = {"mime_type": mime_type, "id": media_id}
    if content:
        media["sha256"] = hashlib.sha256(content).hexdigest()
    if caption:
        media["caption"] = caption
    if filename:
        media["filename"] = filename
    message: dict[str, Any] = {
        "from": sender,
        "id": wamid or new_wamid(),
        "timestamp": _timestamp(at),
        "type": kind,
        kind: media,
    }
    if context_id:
        message["context"] = {"from": DISPLAY_NUMBER, "id": context_id}
    return message


def document_message(*, sender: str, media_id: str, filename: str, **kwargs) -> dict:
    """A document a customer sent (`messages[]` item of type document)."""
    kwargs.setdefault("mime_type", "application/pdf")
    return _media_message("document", sender=sender, media_id=media_id, filename=filename, **kwargs)


def image_message(*, sender: str, media_id: str, **kwargs) -> dict:
    """A photo a customer sent (`messages[]` item of type image)."""
    kwargs.setdefault("mime_type", "image/jpeg")
    return _media_message("image", sender=sender, media_id=media_id, **kwargs)


def status_update(
    *,
    wamid: str,
    status: str,
    recipient: str,
    at: float | None = None,
    error_code: int | None = None,
    error_title: str = "",
) -> dict:
    """A `statuses[]` item: sent, delivered, read or failed (with `errors`)."""
    item: dict[str, Any] = {
        "id": wamid,
        "status": status,
        "timestamp": _timestamp(at),
        "recipient_id": recipient,
    }
    if status in ("sent", "delivered"):
        item["conversation"] = {
            "id": secrets.token_hex(16),
            "origin": {"type": "utility"},
        }
        item["pricing"] = {"billable": True, "pricing_model": "CBP", "category": "utility"}
    if status == "failed":
        code = error_code or 131026
        item["errors"] = [
            {
                "code": code,
                "title": error_title or "Message undeliverable.",
                "message": error_title or "Message undeliverable.",
                "error_data": {"details": "Message Undeliverable."},
                "href": "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/",
            }
        ]
    return item


def whatsapp_webhook_payload(
    *,
    messages: list[dict] = (),
    statuses: list[dict] = (),
    names: dict[str, str] | None = None,
) -> dict:
    """One webhook delivery in the documented shape (`object`, `entry[].changes[]
    .value` with `metadata`, `contacts`, `messages` and/or `statuses`).
    `names`: the senders' profile names by number."""
    value: dict[str, Any] = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": DISPLAY_NUMBER, "phone_number_id": PHONE_NUMBER_ID},
    }
    if messages:
        senders = dict.fromkeys(m["from"] for m in messages if isinstance(m, dict) and "from" in m)
        value["contacts"] = [
            {"profile": {"name": (names or {}).get(number, "")}, "wa_id": number}
            for number in senders
        ]
        value["messages"] = list(messages)
    if statuses:
        value["statuses"] = list(statuses)
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": WABA_ID, "changes": [{"value": value, "field": "messages"}]}],
    }


def sign(body: bytes, secret: str = APP_SECRET) -> str:
    """The `X-Hub-Signature-256` Meta sends: HMAC-SHA256 of the raw body."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def post_webhook(client, payload: Any, *, signature: str | None = None, raw: bytes | None = None):
    """Deliver a webhook to the site as Meta does (JSON, signed with the app
    secret unless `signature` says otherwise; `raw` sends those exact bytes)."""
    from django.urls import reverse

    body = raw if raw is not None else json.dumps(payload).encode()
    headers = {}
    signature = sign(body) if signature is None else signature
    if signature:
        headers["HTTP_X_HUB_SIGNATURE_256"] = signature
    return client.post(
        reverse("whatsapp:webhook"), data=body, content_type="application/json", **headers
    )
