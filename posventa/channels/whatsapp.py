"""A thin client of the WhatsApp Business Cloud API (Meta's Graph API), over
the standard library's `urllib.request`: the few calls the team needs and
nothing else (docs/whatsapp.md says why not pywa, with the numbers).

- `send_text`, `send_template`, `send_document`: `POST {API}/{phone number id}/messages`
  (a document is first uploaded with `POST {API}/{phone number id}/media`);
  each returns the message's id ("wamid.…"), which the webhook's statuses and
  the customer's replies name.
- `media_download`: `GET {API}/{media id}` gives a short-lived URL, fetched with
  the same bearer token.
- `signature_valid`: the webhook's `X-Hub-Signature-256`, HMAC-SHA256 of the raw
  body with the app secret.

Every call has a timeout and reads a bounded answer. A Graph error
(`{"error": {"code": …, "message": …}}`) or a network failure raises
`WhatsAppError`, whose `permanent` says whether trying again can help: the
recipient is not on WhatsApp, the 24-hour window is closed, the template is
missing or its parameters wrong — permanent (the notification falls back to
e-mail); Meta busy, rate limits, the network — retryable.

Settings: WHATSAPP_PHONE_NUMBER_ID, WHATSAPP_TOKEN, WHATSAPP_APP_SECRET,
WHATSAPP_VERIFY_TOKEN, WHATSAPP_API_URL (config/settings.py).
"""

import base64
import binascii
import hashlib
import hmac
import http.client
import json
import re
import secrets
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from django.conf import settings

# Seconds one network operation may wait (connect, each read) and a whole
# answer may take, before the call counts as a network failure (retryable).
TIMEOUT = 20
DEADLINE = 90
# A Graph answer is a few hundred bytes; an error page is not much more.
MAX_ANSWER_BYTES = 256 * 1024
# Meta's own limits: a document up to 100 MB; we keep what the upload rules
# take (POSVENTA_UPLOAD_MAX_BYTES), so a bigger one is not even fetched.
MAX_DOCUMENT_BYTES = 100 * 1024 * 1024
# A text message's body (Meta's limit), a caption's.
MAX_TEXT = 4096
MAX_CAPTION = 1024

# Graph error codes where trying again later can help, whatever the HTTP
# status says (Graph answers most errors with 400).
RETRYABLE_CODES = frozenset(
    {
        1,  # API unknown
        2,  # API service temporarily unavailable
        4,  # too many calls for the app
        80007,  # rate limit of the WhatsApp Business account
        130429,  # throughput limit reached
        131000,  # something went wrong
        131016,  # service unavailable
        131048,  # spam rate limit
        131056,  # too many messages to the same number (pair rate limit)
        131057,  # account in maintenance mode
    }
)
# Graph error codes that will fail the same way if tried again.
PERMANENT_CODES = frozenset(
    {
        10,  # permission denied
        100,  # invalid parameter
        190,  # access token expired or invalid
        368,  # temporarily blocked for policy violations
        131008,  # required parameter missing
        131009,  # parameter value invalid
        131021,  # recipient cannot be the sender
        131026,  # message undeliverable: not a WhatsApp user, old app, terms not accepted
        131030,  # recipient not in the allowed list (test numbers)
        131031,  # account locked
        131042,  # payment issue
        131047,  # re-engagement: more than 24 hours since the customer last wrote
        131049,  # not delivered to keep the ecosystem healthy
        131050,  # the user stopped marketing messages
        131051,  # unsupported message type
        131052,  # media download error
        131053,  # media upload error
    }
)
# 132000–132999: template errors (missing, paused, disabled, parameter count
# or format wrong): permanent until someone fixes the template.
TEMPLATE_CODES = range(132000, 133000)


class WhatsAppError(Exception):
    """A call to the Graph API failed. `code` is Graph's error code (or the
    HTTP status when the answer carried none, 0 for a network failure);
    `permanent` says that trying again will fail the same way."""

    def __init__(self, message: str, *, code: int = 0, permanent: bool = False):
        super().__init__(message)
        self.code = code
        self.permanent = permanent

    def __str__(self) -> str:
        text = super().__str__()
        return f"[{self.code}] {text}" if self.code else text


def error_is_permanent(*, code: int, status: int) -> bool:
    """Whether a Graph error (its code and the answer's HTTP status) is
    worth trying again: the code decides when it is known, else the status
    (429 and 5xx retryable, other 4xx permanent)."""
    if code in RETRYABLE_CODES:
        return False
    if code in PERMANENT_CODES or code in TEMPLATE_CODES:
        return True
    if status == 429 or status >= 500:
        return False
    return 400 <= status < 500


def whatsapp_configured() -> bool:
    """Whether messages can be sent: a phone number id and a token are set."""
    return bool(settings.WHATSAPP_PHONE_NUMBER_ID and settings.WHATSAPP_TOKEN)


def signature_valid(*, body: bytes, header: str) -> bool:
    """Whether `header` (X-Hub-Signature-256: "sha256=<hex>") is the
    HMAC-SHA256 of the raw `body` with the app secret. False without an app
    secret, a header, or with a malformed one; compared in constant time."""
    secret = settings.WHATSAPP_APP_SECRET
    if not secret or not isinstance(header, str) or not header.startswith("sha256="):
        return False
    given = header[len("sha256=") :].strip().lower()
    if not re.fullmatch(r"[0-9a-f]{64}", given):
        return False
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(given, expected)


def whatsapp_number(raw: str) -> str:
    """A number as the Cloud API takes it: digits only, with the country code.
    A Bolivian mobile written without it (8 digits) gets 591."""
    digits = "".join(ch for ch in str(raw or "") if ch.isdigit())
    if digits.startswith("00"):
        digits = digits[2:]
    if len(digits) == 8:
        digits = "591" + digits
    return digits


# --- HTTP -------------------------------------------------------------------


def _url(*parts: str) -> str:
    quoted = [urllib.parse.quote(part, safe="") for part in parts]
    return "/".join([settings.WHATSAPP_API_URL.rstrip("/"), *quoted])


def _error_from(status: int, body: bytes) -> WhatsAppError:
    """The `WhatsAppError` of an error answer: Graph's `error.code` and
    `error.message` (and `error_data.details`, which says more), or the
    HTTP status alone when the body is not Graph's JSON."""
    code, message = 0, ""
    try:
        error = json.loads(body.decode("utf-8", "replace")).get("error")
    except (ValueError, AttributeError, RecursionError):
        error = None
    if isinstance(error, dict):
        raw_code = error.get("code")
        code = raw_code if isinstance(raw_code, int) and not isinstance(raw_code, bool) else 0
        message = str(error.get("message") or "")[:300]
        details = error.get("error_data")
        if isinstance(details, dict) and details.get("details"):
            message = f"{message} ({str(details['details'])[:200]})"
    permanent = error_is_permanent(code=code, status=status)
    return WhatsAppError(message or f"HTTP {status}", code=code or status, permanent=permanent)


def _read_bounded(answer, size: int) -> bytes:
    """At most `size` bytes of the answer, within DEADLINE seconds: a server
    that trickles its answer one byte per timeout cannot hold a worker."""
    deadline = time.monotonic() + DEADLINE
    chunks: list[bytes] = []
    left = size
    while left > 0:
        if time.monotonic() > deadline:
            raise TimeoutError(f"the answer took more than {DEADLINE} s")
        chunk = answer.read1(min(left, 64 * 1024))  # what has come, without waiting for more
        if not chunk:
            break
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _request(
    method: str, url: str, *, data: bytes | None = None, content_type: str = "", limit: int
) -> tuple[bytes, str]:
    """One call with the bearer token: the answer's body (at most `limit`
    bytes) and content type, or `WhatsAppError`. The token is not handed on
    if the server redirects elsewhere."""
    request = urllib.request.Request(url, data=data, method=method)
    request.add_unredirected_header("Authorization", f"Bearer {settings.WHATSAPP_TOKEN}")
    if content_type:
        request.add_header("Content-Type", content_type)
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as answer:
            body = _read_bounded(answer, limit + 1)
            kind = answer.headers.get("Content-Type", "")
    except urllib.error.HTTPError as error:
        try:
            body = _read_bounded(error, MAX_ANSWER_BYTES)
        except (OSError, ValueError, AttributeError, http.client.HTTPException):
            body = b""
        finally:
            error.close()
        raise _error_from(error.code, body) from None
    except (OSError, http.client.HTTPException, ValueError) as error:  # URLError, timeouts
        reason = getattr(error, "reason", error)
        raise WhatsAppError(f"network: {reason}", code=0, permanent=False) from None
    if len(body) > limit:
        raise WhatsAppError(f"answer larger than {limit} bytes", code=0, permanent=True)
    return body, kind


def _json_call(method: str, url: str, payload: dict | None = None) -> dict:
    data = json.dumps(payload).encode() if payload is not None else None
    body, _kind = _request(
        method,
        url,
        data=data,
        content_type="application/json" if data is not None else "",
        limit=MAX_ANSWER_BYTES,
    )
    try:
        answer = json.loads(body)
    except (ValueError, RecursionError):
        answer = None
    if not isinstance(answer, dict):
        raise WhatsAppError("the answer is not JSON", code=0, permanent=False)
    return answer


def _send(payload: dict) -> str:
    """POST a message; its id ("wamid.…")."""
    if not whatsapp_configured():
        raise WhatsAppError("WhatsApp is not configured", code=0, permanent=True)
    message = {"messaging_product": "whatsapp", "recipient_type": "individual", **payload}
    answer = _json_call("POST", _url(settings.WHATSAPP_PHONE_NUMBER_ID, "messages"), message)
    messages = answer.get("messages")
    if isinstance(messages, list) and messages and isinstance(messages[0], dict):
        wamid = messages[0].get("id")
        if isinstance(wamid, str) and wamid:
            return wamid
    raise WhatsAppError("the answer names no message id", code=0, permanent=False)


def _recipient(to: str) -> str:
    number = whatsapp_number(to)
    if not 8 <= len(number) <= 15:
        raise WhatsAppError(f"not a phone number: {to!r}", code=100, permanent=True)
    return number


# --- Sending ----------------------------------------------------------------


def send_text(*, to: str, body: str, reply_to: str = "") -> str:
    """A free-form text (only within 24 hours of the customer's last message:
    131047 otherwise). `reply_to`: the message it answers (quoted in the chat)."""
    payload: dict[str, Any] = {
        "to": _recipient(to),
        "type": "text",
        "text": {"preview_url": False, "body": body[:MAX_TEXT]},
    }
    if reply_to:
        payload["context"] = {"message_id": reply_to}
    return _send(payload)


def template_parameter(value: Any) -> str:
    """A template's parameter as Meta takes it: no new lines or tabs, no more
    than four spaces in a row (132000-series errors otherwise), never empty."""
    text = re.sub(r"[\r\n\t]+", " ", str(value))
    text = re.sub(r" {4,}", "   ", text).strip()
    return text or "-"


def send_template(
    *,
    to: str,
    template: str,
    language: str,
    parameters: list[str],
    document: bytes = b"",
    filename: str = "",
    mime_type: str = "application/pdf",
) -> str:
    """An approved template (the only kind of message allowed outside the
    24-hour window), its body's {{1}}, {{2}}… filled with `parameters` in
    order. With `document`, the file goes as the template's header (a
    template approved with a DOCUMENT header): how a document reaches a
    customer who has not written in the last 24 hours."""
    number = _recipient(to)
    body: dict[str, Any] = {"name": template, "language": {"code": language}}
    components: list[dict[str, Any]] = []
    if document:
        media_id = media_upload(content=document, filename=filename, mime_type=mime_type)
        header = {"id": media_id, "filename": filename} if filename else {"id": media_id}
        components.append(
            {"type": "header", "parameters": [{"type": "document", "document": header}]}
        )
    if parameters:
        components.append(
            {
                "type": "body",
                "parameters": [{"type": "text", "text": template_parameter(p)} for p in parameters],
            }
        )
    if components:
        body["components"] = components
    return _send({"to": number, "type": "template", "template": body})


def _multipart(fields: dict[str, str], *, filename: str, content: bytes, mime_type: str):
    boundary = "posventa" + secrets.token_hex(16)
    lines: list[bytes] = []
    for name, value in fields.items():
        lines += [
            f"--{boundary}".encode(),
            f'Content-Disposition: form-data; name="{name}"'.encode(),
            b"",
            value.encode(),
        ]
    safe_name = re.sub(r'["\r\n\\]', "_", filename)
    lines += [
        f"--{boundary}".encode(),
        f'Content-Disposition: form-data; name="file"; filename="{safe_name}"'.encode(),
        f"Content-Type: {mime_type}".encode(),
        b"",
        content,
        f"--{boundary}--".encode(),
        b"",
    ]
    return b"\r\n".join(lines), f"multipart/form-data; boundary={boundary}"


def media_upload(*, content: bytes, filename: str, mime_type: str) -> str:
    """Uploads a file to Meta (kept there 30 days); its media id."""
    if not whatsapp_configured():
        raise WhatsAppError("WhatsApp is not configured", code=0, permanent=True)
    if len(content) > MAX_DOCUMENT_BYTES:
        raise WhatsAppError("document larger than 100 MB", code=100, permanent=True)
    data, content_type = _multipart(
        {"messaging_product": "whatsapp", "type": mime_type},
        filename=filename,
        content=content,
        mime_type=mime_type,
    )
    body, _kind = _request(
        "POST",
        _url(settings.WHATSAPP_PHONE_NUMBER_ID, "media"),
        data=data,
        content_type=content_type,
        limit=MAX_ANSWER_BYTES,
    )
    try:
        answer = json.loads(body)
    except (ValueError, RecursionError):
        answer = None
    media_id = answer.get("id") if isinstance(answer, dict) else None
    if not isinstance(media_id, str) or not media_id:
        raise WhatsAppError("the upload's answer names no media id", code=0, permanent=False)
    return media_id


def send_document(
    *, to: str, content: bytes, filename: str, mime_type: str, caption: str = ""
) -> str:
    """A document (the proforma): uploaded, then sent with its file name."""
    number = _recipient(to)
    media_id = media_upload(content=content, filename=filename, mime_type=mime_type)
    document: dict[str, Any] = {"id": media_id, "filename": filename}
    if caption:
        document["caption"] = caption[:MAX_CAPTION]
    return _send({"to": number, "type": "document", "document": document})


# --- Receiving --------------------------------------------------------------

# Where Meta serves media from; the token goes nowhere else (besides the
# configured API's own host, which is the stand-in's in the tests).
MEDIA_HOSTS = (".fbsbx.com", ".facebook.com", ".whatsapp.net", ".fbcdn.net")


def _media_url_allowed(url: str) -> bool:
    target = urllib.parse.urlsplit(url)
    api = urllib.parse.urlsplit(settings.WHATSAPP_API_URL)
    if (target.scheme, target.netloc) == (api.scheme, api.netloc):
        return True
    host = (target.hostname or "").lower()
    return target.scheme == "https" and any(host.endswith(suffix) for suffix in MEDIA_HOSTS)


def _sha256_matches(content: bytes, announced: Any) -> bool:
    """Whether the file is the one Meta announced: its SHA-256 as hex or as
    base64 (both spellings are seen); nothing announced, nothing checked."""
    if not isinstance(announced, str) or not announced:
        return True
    digest = hashlib.sha256(content).digest()
    if re.fullmatch(r"[0-9a-fA-F]{64}", announced):
        return hmac.compare_digest(digest.hex(), announced.lower())
    try:
        decoded = base64.b64decode(announced, validate=True)
    except (ValueError, binascii.Error):
        return True  # not a digest we can read: nothing to compare with
    return len(decoded) != 32 or hmac.compare_digest(digest, decoded)


def media_download(*, media_id: str, max_bytes: int | None = None) -> tuple[bytes, str]:
    """A file a customer sent: its content and mime type. Refused
    (permanent) above `max_bytes` (default: the upload rules' limit) or when
    its SHA-256 is not the one Meta announced."""
    if not whatsapp_configured():
        raise WhatsAppError("WhatsApp is not configured", code=0, permanent=True)
    if not isinstance(media_id, str) or not re.fullmatch(r"[A-Za-z0-9_.:-]{1,128}", media_id):
        raise WhatsAppError(f"not a media id: {media_id!r}", code=100, permanent=True)
    limit = max_bytes if max_bytes is not None else settings.POSVENTA_UPLOAD_MAX_BYTES
    info = _json_call("GET", _url(media_id))
    url = info.get("url")
    if not isinstance(url, str) or not _media_url_allowed(url):
        raise WhatsAppError("the media's address is not Meta's", code=0, permanent=True)
    size = info.get("file_size")
    size = int(size) if isinstance(size, str) and size.isdigit() else size
    if isinstance(size, int) and size > limit:
        raise WhatsAppError(f"file of {size} bytes, over {limit}", code=0, permanent=True)
    content, kind = _request("GET", url, limit=limit)
    if not _sha256_matches(content, info.get("sha256")):
        raise WhatsAppError("the file's SHA-256 is not the announced one", code=0, permanent=False)
    mime = info.get("mime_type") if isinstance(info.get("mime_type"), str) else ""
    return content, (mime or kind.split(";")[0].strip())
