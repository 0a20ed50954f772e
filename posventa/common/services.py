"""Helpers every service uses."""

from django.db import models


def validated_save(instance: models.Model, *, update_fields: list[str] | None = None) -> None:
    """Check the model's rules (fields, constraints) and save; a ValidationError
    leaves the database untouched."""
    instance.full_clean()
    instance.save(update_fields=update_fields)
