"""WhatsApp's webhook: the URL registered at Meta (`/whatsapp/webhook/`).

- GET is Meta's verification handshake: `hub.mode=subscribe`, our verify
  token (compared in constant time), and a challenge echoed back as plain
  text.
- POST is a delivery: refused (403, nothing stored) unless its
  `X-Hub-Signature-256` is the HMAC-SHA256 of the raw body with the app
  secret; then kept as a `WebhookDelivery` and handed to the worker, and
  answered 200 at once (Meta retries anything slower or not 2xx). The
  every-minute job `channels.jobs.process_webhooks` takes in whatever the
  hand-over missed.

No login (Meta is the caller), no CSRF token (the signature stands in for it).
With WhatsApp not configured (no app secret / no verify token) the URL
answers 404, as if it did not exist. The answers are short plain text: only
Meta reads them.
"""

import hmac
import json
import logging
import re

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from posventa.channels.models import WebhookDelivery
from posventa.channels.whatsapp import signature_valid
from posventa.common.queue import hand_over

logger = logging.getLogger(__name__)

# Meta documents deliveries of up to 3 MB (a batch of up to 1000 updates).
MAX_BODY_BYTES = 3 * 1024 * 1024
# Meta's challenge is a number; anything else is not echoed.
_CHALLENGE = re.compile(r"^[A-Za-z0-9_-]{1,128}$")
# Seconds the worker may spend on one delivery (media downloads included).
PROCESS_TIMEOUT = 120


def _text(message: str, status: int) -> HttpResponse:
    return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")


def _without_nul(value):
    """The payload without NUL characters, which PostgreSQL's jsonb cannot
    hold (nobody types one; a hostile or broken sender might)."""
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, list):
        return [_without_nul(v) for v in value]
    if isinstance(value, dict):
        return {_without_nul(k): _without_nul(v) for k, v in value.items()}
    return value


def _enqueue(delivery_id: int) -> None:
    # Called after the commit: handed over at once (a broker that refuses
    # keeps the job for later, common.queue).
    hand_over(
        "posventa.channels.whatsapp_in.webhook_process",
        delivery_id=delivery_id,
        timeout=PROCESS_TIMEOUT,
    )


def _verify(request: HttpRequest) -> HttpResponse:
    expected = settings.WHATSAPP_VERIFY_TOKEN
    if not expected:
        return _text(_("WhatsApp is not configured."), 404)
    mode = request.GET.get("hub.mode", "")
    token = request.GET.get("hub.verify_token", "")
    challenge = request.GET.get("hub.challenge", "")
    if (
        mode == "subscribe"
        and hmac.compare_digest(token.encode(), expected.encode())
        and _CHALLENGE.match(challenge)
    ):
        return _text(challenge, 200)
    return _text(_("Verification refused."), 403)


def _receive(request: HttpRequest) -> HttpResponse:
    if not settings.WHATSAPP_APP_SECRET:
        return _text(_("WhatsApp is not configured."), 404)
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > MAX_BODY_BYTES:
        return _text(_("The delivery is too large."), 413)
    # Read from the stream (not request.body, whose own limit is Django's
    # form-upload one), at most one byte over the limit.
    body = request.read(MAX_BODY_BYTES + 1)
    if len(body) > MAX_BODY_BYTES:
        return _text(_("The delivery is too large."), 413)
    header = request.headers.get("X-Hub-Signature-256", "")
    if not signature_valid(body=body, header=header):
        logger.warning("WhatsApp webhook refused: signature missing or wrong")
        return _text(_("The signature is missing or wrong."), 403)
    try:
        payload = json.loads(body)
    except (ValueError, RecursionError):
        return _text(_("The delivery is not JSON."), 400)
    if not isinstance(payload, dict):
        return _text(_("The delivery is not a JSON object."), 400)
    with transaction.atomic():
        delivery = WebhookDelivery.objects.create(payload=_without_nul(payload))
        delivery_id = delivery.pk
        # robust: a worker queue that is down costs nothing here; the
        # every-minute job takes the delivery in.
        transaction.on_commit(lambda: _enqueue(delivery_id), robust=True)
    return _text("OK", 200)


@csrf_exempt
@never_cache
@require_http_methods(["GET", "POST"])
def webhook(request: HttpRequest) -> HttpResponse:
    """Meta's verification (GET) and its deliveries (POST)."""
    if request.method == "GET":
        return _verify(request)
    return _receive(request)
