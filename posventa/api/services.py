"""Writes on API tokens."""

import secrets

from django.db import transaction
from django.utils import timezone

from posventa.api.models import ApiToken, hash_key


@transaction.atomic
def token_create(*, user, name: str) -> tuple[ApiToken, str]:
    """A new token for the user; returns it and the key, which is not kept."""
    key = "pv_" + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, name=name, prefix=key[3:11], key_hash=hash_key(key))
    return token, key


def token_revoke(*, token: ApiToken) -> None:
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])


def token_active(key: str) -> ApiToken | None:
    """The token a key is, when it is neither revoked nor of an inactive user."""
    return (
        ApiToken.objects.select_related("user")
        .filter(key_hash=hash_key(key), revoked_at__isnull=True, user__is_active=True)
        .first()
    )


def token_user(key: str):
    """The active user behind a key, or None; notes when the token was used."""
    token = token_active(key)
    if token is None:
        return None
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    return token.user
