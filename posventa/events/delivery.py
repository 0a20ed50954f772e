"""Sending a delivery: the callback's address checked (no private networks),
the body signed, one POST without redirects, the outcome recorded.

The signature, in the header `X-Posventa-Signature`:

    t=<unix seconds>,v1=<hex HMAC-SHA256(secret, f"{t}." + body)>

`signature_verify` is what a receiver runs (docs/events.md has it to copy):
it refuses a signature that does not match and a timestamp outside the
tolerance window, so a captured request cannot be replayed later.
"""

import hashlib
import hmac
import http.client
import ipaddress
import logging
import socket
import ssl
import time
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from posventa.events.models import Delivery, DeliveryStatus

logger = logging.getLogger(__name__)

TIMEOUT = 10  # seconds for the connection and for the answer
# After the 1st, 2nd… failed attempt, the next one waits this long; after
# the last one the delivery is given up (`failed`): six attempts over ~15 h.
BACKOFF = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=12),
)
MAX_ATTEMPTS = len(BACKOFF) + 1
# A delivery claimed (`sending`) longer ago than this lost its worker (killed
# mid-send): it is sent again. Far beyond TIMEOUT.
SEND_LEASE = timedelta(minutes=2)
# Due deliveries sent per run of the every-minute job.
BATCH = 200
USER_AGENT = "Posventa-Webhooks/1"


# --- the signature ------------------------------------------------------------------------


def signature_header(secret: str, body: bytes, *, timestamp: int | None = None) -> str:
    """The value of `X-Posventa-Signature` for this body, signed now."""
    t = int(time.time()) if timestamp is None else int(timestamp)
    mac = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"


def signature_verify(
    secret: str, header: str, body: bytes, *, tolerance: int = 300, now: float | None = None
) -> bool:
    """Whether `header` (X-Posventa-Signature) signs `body` with `secret`,
    made at most `tolerance` seconds from `now` (either way). A receiver
    copies this function: stdlib only. Compare the raw body's bytes, before
    any JSON parsing."""
    try:
        parts = dict(item.split("=", 1) for item in (header or "").split(",") if "=" in item)
        timestamp = int(parts["t"])
        given = parts["v1"]
    except (KeyError, ValueError):
        return False
    now = time.time() if now is None else now
    if abs(now - timestamp) > tolerance:
        return False  # too old (a replay) or from the future
    expected = hmac.new(
        secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256
    ).hexdigest()
    return hmac.compare_digest(expected, given)


# --- where a callback may point --------------------------------------------------------------


def _refused(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if embedded is not None and _refused(embedded):
            return True
    return (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
        or not ip.is_global  # shared address space (100.64/10), documentation ranges…
    )


def callback_addresses(url: str) -> tuple[str, int, list[str]]:
    """The callback's host, port and the addresses it resolves to, each one
    allowed; ValidationError (field "callback", Spanish) otherwise. Run when
    the subscription is made and again before each delivery, since a name
    may resolve elsewhere later (DNS rebinding)."""
    try:
        parts = urlsplit(url or "")
        port = parts.port
    except ValueError:
        raise ValidationError({"callback": _("The callback is not a valid URL.")}) from None
    if parts.scheme not in ("http", "https"):
        raise ValidationError(
            {"callback": _("The callback must be an http:// or https:// address.")}
        )
    host = parts.hostname
    if not host:
        raise ValidationError({"callback": _("The callback is not a valid URL.")})
    if parts.username is not None or parts.password is not None:
        raise ValidationError({"callback": _("The callback cannot carry a user or a password.")})
    port = port or (443 if parts.scheme == "https" else 80)
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise ValidationError(
            {"callback": _("The callback's host name cannot be resolved.")}
        ) from None
    addresses = []
    for *_ignored, sockaddr in found:
        address = str(sockaddr[0]).split("%", 1)[0]
        if address not in addresses:
            addresses.append(address)
    if not settings.POSVENTA_WEBHOOK_ALLOW_PRIVATE:
        for address in addresses:
            if _refused(ipaddress.ip_address(address)):
                raise ValidationError(
                    {
                        "callback": _(
                            "The callback points to a private, local or reserved network "
                            "address (%(address)s): only public addresses are accepted."
                        )
                        % {"address": address}
                    }
                )
    if not addresses:
        raise ValidationError({"callback": _("The callback's host name cannot be resolved.")})
    return host, port, addresses


# --- one POST, to the address checked ----------------------------------------------------------


def _connect(addresses: list[str], port: int, timeout: float) -> socket.socket:
    """A connection to the first of the checked addresses that answers."""
    error: OSError | None = None
    for address in addresses:
        try:
            return socket.create_connection((address, port), timeout)
        except OSError as exc:
            error = exc
    raise error or OSError("no address")


class _PinnedHTTP(http.client.HTTPConnection):
    """Connects to the addresses that were checked, not to whatever the name
    resolves to a moment later; the Host header stays the callback's."""

    def __init__(self, host, port, *, addresses, timeout):
        super().__init__(host, port, timeout=timeout)
        self._addresses = addresses

    def connect(self):
        self.sock = _connect(self._addresses, self.port, self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    def __init__(self, host, port, *, addresses, timeout):
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._addresses = addresses

    def connect(self):
        sock = _connect(self._addresses, self.port, self.timeout)
        # The certificate is checked against the callback's name (SNI too).
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def post(url: str, body: bytes, headers: dict[str, str]) -> int:
    """POST the body to the callback; its HTTP status. Redirects are never
    followed (a 3xx is an answer like any other, and not a 2xx)."""
    host, port, addresses = callback_addresses(url)
    parts = urlsplit(url)
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    kind = _PinnedHTTPS if parts.scheme == "https" else _PinnedHTTP
    connection = kind(host, port, addresses=addresses, timeout=TIMEOUT)
    try:
        connection.request(
            "POST",
            target,
            body=body,
            headers={
                "Content-Type": "application/json",
                "User-Agent": USER_AGENT,
                **headers,
            },
        )
        response = connection.getresponse()
        response.read(65536)  # a little of the answer, so the connection closes cleanly
        return response.status
    finally:
        connection.close()


# --- claiming and recording ----------------------------------------------------------------


def _due(now) -> Q:
    return Q(status=DeliveryStatus.PENDING, next_attempt_at__lte=now) | Q(
        status=DeliveryStatus.SENDING, updated_at__lte=now - SEND_LEASE
    )


def _claim(delivery_id: int) -> Delivery | None:
    """Mark the delivery as being sent, in one conditional UPDATE committed
    before the receiver is called: of two workers, only the one whose UPDATE
    changed the row sends it (on PostgreSQL the second UPDATE waits for the
    first and then finds the row no longer due). None when it is not due."""
    now = timezone.now()
    # One table, no join: PostgreSQL re-checks this WHERE on the row the
    # other worker just changed.
    claimed = Delivery.objects.filter(_due(now), pk=delivery_id).update(
        status=DeliveryStatus.SENDING, attempts=F("attempts") + 1, updated_at=now
    )
    if not claimed:
        return None
    return Delivery.objects.select_related("subscription", "event").get(pk=delivery_id)


def delivery_attempt(*, delivery_id: int) -> Delivery | None:
    """One attempt to deliver: claim, sign afresh, POST, record. 2xx is
    delivered; anything else (an error, a timeout, a refused address) waits
    for the next attempt of BACKOFF, or gives up after the last one. None
    when the delivery was not due (delivered, given up, another worker's)."""
    delivery = _claim(delivery_id)
    if delivery is None:
        return None
    subscription = delivery.subscription
    body = bytes(delivery.body)
    headers = {
        "X-Posventa-Event": delivery.event.kind,
        "X-Posventa-Delivery": str(delivery.pk),
        "X-Posventa-Signature": signature_header(subscription.secret, body),
    }
    status_code = None
    error = ""
    try:
        if not subscription.active:
            raise ValidationError(_("The subscription is no longer active."))
        status_code = post(subscription.callback, body, headers)
    except ValidationError as exc:  # the name now resolves to a refused address
        error = "; ".join(exc.messages)
    except Exception as exc:  # refused, timed out, TLS: the reason is kept
        error = f"{type(exc).__name__}: {exc}"
    now = timezone.now()
    fields = {"last_status_code": status_code, "updated_at": now}
    if status_code is not None and 200 <= status_code < 300:
        fields |= {
            "status": DeliveryStatus.DELIVERED,
            "delivered_at": now,
            "next_attempt_at": None,
            "last_error": "",
        }
    else:
        if not error:
            error = _("The receiver answered HTTP %(status)s.") % {"status": status_code}
        fields["last_error"] = error[:500]
        if delivery.attempts >= MAX_ATTEMPTS or not subscription.active:
            fields |= {"status": DeliveryStatus.FAILED, "next_attempt_at": None}
        else:
            fields |= {
                "status": DeliveryStatus.PENDING,
                "next_attempt_at": now + BACKOFF[delivery.attempts - 1],
            }
        logger.info(
            "Webhook delivery %s, attempt %s, not delivered: %s",
            delivery.pk,
            delivery.attempts,
            fields["last_error"],
        )
    # Only the claim this worker holds is recorded (a lease taken over meanwhile is not).
    Delivery.objects.filter(
        pk=delivery.pk, status=DeliveryStatus.SENDING, attempts=delivery.attempts
    ).update(**fields)
    delivery.refresh_from_db()
    return delivery


def deliveries_due(*, limit: int = BATCH) -> list[int]:
    """The deliveries to send now, oldest first."""
    return list(
        Delivery.objects.filter(_due(timezone.now()), subscription__active=True)
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )


def deliver_due(*, limit: int = BATCH) -> int:
    """Send what is due (the every-minute job); how many were delivered."""
    delivered = 0
    for delivery_id in deliveries_due(limit=limit):
        result = delivery_attempt(delivery_id=delivery_id)
        if result is not None and result.status == DeliveryStatus.DELIVERED:
            delivered += 1
    return delivered
