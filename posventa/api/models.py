import hashlib

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class ApiToken(models.Model):
    """A bearer token a script uses to act as a team member. Only its hash is
    kept; the key is shown once, when it is created."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="api_tokens",
    )
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=8)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class TokenFailure(models.Model):
    """Failed bearer tokens from one address (posventa/api/throttle.py). Once
    they reach AXES_FAILURE_LIMIT within the cool-off, every API request from
    the address is refused until the cool-off has passed since the last one;
    deleting the row (admin action "Unlock") lifts it at once."""

    ip_address = models.GenericIPAddressField(_("IP address"), unique=True)
    failures = models.PositiveIntegerField(_("failed tokens"))
    first_failure_at = models.DateTimeField(_("first failure at"))
    last_failure_at = models.DateTimeField(_("last failure at"))

    class Meta:
        verbose_name = _("API address lockout")
        verbose_name_plural = _("API address lockouts")

    def __str__(self) -> str:
        return self.ip_address


class IdempotencyKey(models.Model):
    """One `Idempotency-Key` a client sent with a POST (posventa/api/idempotency.py):
    the request it came with (method, path, the body's SHA-256) and, once it
    has run, the answer — given again, byte for byte, to a retry with the same
    key and the same request. Scoped to the token: two clients' keys never
    meet. The row is written before the request runs, in its own transaction,
    so the unique constraint decides which of two simultaneous requests runs
    (the other is told the first is in progress). Kept 24 hours."""

    class State(models.TextChoices):
        IN_PROGRESS = "in_progress", _("in progress")
        DONE = "done", _("done")

    token = models.ForeignKey(
        ApiToken,
        verbose_name=_("API token"),
        on_delete=models.CASCADE,
        related_name="idempotency_keys",
    )
    key = models.CharField(_("key"), max_length=255)
    method = models.CharField(_("method"), max_length=10)
    # Bounded by the web server's request line (gunicorn: 4 094 bytes).
    path = models.TextField(_("path"))
    body_sha256 = models.CharField(_("SHA-256 of the body"), max_length=64)
    state = models.CharField(
        _("state"), max_length=12, choices=State.choices, default=State.IN_PROGRESS
    )
    status = models.PositiveSmallIntegerField(_("answer's status"), null=True, blank=True)
    content_type = models.CharField(_("answer's content type"), max_length=100, blank=True)
    # None for an answer too large to keep (over idempotency.MAX_STORED_BODY).
    body = models.BinaryField(_("answer's body"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("idempotency key")
        verbose_name_plural = _("idempotency keys")
        constraints = [
            models.UniqueConstraint(fields=["token", "key"], name="api_idempotency_key_per_token"),
        ]

    def __str__(self) -> str:
        return f"{self.key} ({self.method} {self.path[:80]})"
