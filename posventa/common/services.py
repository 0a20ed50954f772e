"""Helpers every service uses."""

from collections.abc import Iterator
from contextlib import contextmanager

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models


def validated_save(instance: models.Model, *, update_fields: list[str] | None = None) -> None:
    """Check the model's rules (fields, constraints) and save; a ValidationError
    leaves the database untouched."""
    instance.full_clean()
    instance.save(update_fields=update_fields)


def clean_own_fields(instance: models.Model) -> None:
    """Validate in Python what Python can, before an insert: each field's own
    rules (length, choices, validators) and the model's `clean()`. Not what
    the database checks anyway in the insert itself, which `full_clean` asks
    it separately, a statement each: that a foreign key's row exists, that a
    unique value is free, that a check constraint holds. For a row whose
    related rows the service holds and whose constrained values it computes;
    wrap its save in `database_refusal` to give what the database refuses
    the message `full_clean` would have given."""
    relations = [f.name for f in instance._meta.concrete_fields if f.is_relation]
    instance.clean_fields(exclude=relations)
    instance.clean()


@contextmanager
def database_refusal(model: type[models.Model]) -> Iterator[None]:
    """Turn the database refusing a row of `model` for one of its named
    constraints into the ValidationError `full_clean` would have raised, with
    the constraint's own message. Anything else is raised as it is. The
    transaction is then broken: the service raises, it rolls back."""
    try:
        yield
    except IntegrityError as error:
        text = str(error)
        for constraint in model._meta.constraints:
            if constraint.name in text:
                raise ValidationError(
                    constraint.get_violation_error_message(), code="constraint"
                ) from error
        raise
