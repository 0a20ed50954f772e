"""A service's refusal, shown to the person: on the form's fields it names,
or as one message."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from posventa.engine.services import EngineError

# What a service may answer a person with instead of doing the thing: a rule
# refused, a role refused, or the process refused (a step stopped by a bound
# on its expressions, a task already taken). Views catch these and say why.
REFUSALS = (ValidationError, PermissionDenied, EngineError)


def add_to_form(form, error: ValidationError) -> None:
    """Each error on its field when the form has it, else on the form."""
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


def as_text(error: Exception, default: str = "") -> str:
    """A ValidationError's messages, or a PermissionDenied's or the engine's reason, as one line."""
    text = " ".join(error.messages) if isinstance(error, ValidationError) else str(error)
    return text or default or _("You may not do this.")
