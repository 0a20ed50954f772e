import hashlib

from django.conf import settings
from django.db import models
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
