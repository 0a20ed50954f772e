"""The `{placeholders}` of the texts customers get (`NotificationTemplate`):
which ones each event offers, what they stand for, how a text is checked when
the team lead saves it and how it is filled in.

A text is plain words with `{name}` where a value goes. Braces are only
for placeholders (no `{{` escapes, no `{name.attribute}`, no `{name!r}` or
`{name:format}`): anything else is refused in Spanish when saved, so what
reaches a customer never shows a stray brace.

On WhatsApp the same text is an approved template at Meta, where each
placeholder is `{{1}}`, `{{2}}`… in the order they appear: `parameters()`
gives the values in that order (a placeholder used twice is two parameters)."""

import re
import string
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from posventa.cases.models import Outcome
from posventa.channels.models import NotificationEvent

# Every placeholder, with what it stands for (shown in the admin's help text).
DESCRIPTIONS = {
    "numero": gettext_lazy("the case number, e.g. PV-2026-000123"),
    "cliente": gettext_lazy("the company's name"),
    "contacto": gettext_lazy("the name of the contact who gets the message"),
    "procedimiento": gettext_lazy("the procedure, e.g. Cambio de plan"),
    "asunto": gettext_lazy("what the customer asked for, as the case says it"),
    "ejecutiva": gettext_lazy("the name of the portfolio's executive"),
    "resultado": gettext_lazy("how the case ended, in plain words"),
    "paso": gettext_lazy("the name of the step the customer is told about"),
    "mensaje": gettext_lazy("what the team wrote to the customer at that step"),
    "periodo": gettext_lazy("the month of the proforma, e.g. 05/2026"),
    "servicio": gettext_lazy("the service number of the contract"),
    "monto": gettext_lazy("the proforma's amount in Bs"),
}

_CASE = ("numero", "cliente", "contacto", "procedimiento", "asunto", "ejecutiva")

# The placeholders each event offers.
ALLOWED = {
    NotificationEvent.RECEIVED: _CASE,
    NotificationEvent.ATTENDED: _CASE,
    NotificationEvent.CLOSED: (*_CASE, "resultado", "mensaje"),
    NotificationEvent.INFORMED: (*_CASE, "paso", "mensaje"),
    NotificationEvent.PROFORMA: (
        "cliente",
        "contacto",
        "ejecutiva",
        "periodo",
        "servicio",
        "monto",
    ),
}

# How a case ended, in the words the customer reads after "{resultado}".
OUTCOME_WORDS = {
    Outcome.FULFILLED: gettext_lazy("your request was carried out"),
    Outcome.REQUIREMENTS_NOT_MET: gettext_lazy(
        "your request could not go ahead because some requirements were missing"
    ),
    Outcome.NOT_FEASIBLE: gettext_lazy("what you asked for is not technically feasible"),
    Outcome.RETAINED: gettext_lazy("you keep your service with us, thank you for staying"),
    Outcome.REFUSED: gettext_lazy("your request does not meet the conditions of the service"),
    Outcome.WITHDRAWN_BY_CUSTOMER: gettext_lazy("you withdrew your request"),
    Outcome.DUNNING_LETTER: gettext_lazy("we delivered the letter about the pending payment"),
    Outcome.DECLINED: gettext_lazy("you chose not to go ahead, as you told us"),
    Outcome.CANCELLED: gettext_lazy("we closed your request without completing it"),
}

# WhatsApp refuses a template parameter with new lines, tabs or more than
# four spaces in a row.
_BLANKS = re.compile(r"\s+")


class NotAPlaceholder(ValueError):
    """`{something}` that is not a plain placeholder name."""


@dataclass(frozen=True)
class Part:
    literal: str
    name: str | None  # None: the text's end


def _parse(text: str) -> list[Part]:
    """The text's literal pieces and placeholders; ValueError for a brace
    that is not a plain `{name}`."""
    parts = []
    for literal, name, spec, conversion in string.Formatter().parse(text):
        if "{" in literal or "}" in literal:
            # "{{" and "}}" come back as a literal brace: not allowed here.
            raise ValueError("a brace that does not open or close a placeholder")
        if name is None:
            parts.append(Part(literal, None))
            continue
        if spec or conversion or not name.isidentifier():
            conversion = f"!{conversion}" if conversion else ""
            raise NotAPlaceholder(f"{{{name}{conversion}{':' + spec if spec else ''}}}")
        parts.append(Part(literal, name))
    return parts


def text_errors(*, event: str, text: str, field: str = "text") -> dict[str, str]:
    """What is wrong with a text for this event, in Spanish: empty, a brace
    that does not open or close a placeholder, a placeholder the event does
    not have. Empty when the text is fine."""
    if not (text or "").strip():
        return {field: _("Write the text.")}
    try:
        parts = _parse(text)
    except NotAPlaceholder as error:
        message = _("“%(what)s” is not a placeholder: write them as {numero}.")
        return {field: message % {"what": error}}
    except ValueError:
        return {
            field: _(
                "The braces do not match: each { closes with a } around a placeholder, "
                "e.g. {numero}."
            )
        }
    allowed = ALLOWED.get(event, ())
    unknown = sorted({p.name for p in parts if p.name and p.name not in allowed})
    if unknown:
        return {
            field: _("Unknown placeholder %(unknown)s. This text may use: %(allowed)s.")
            % {
                "unknown": ", ".join(f"{{{n}}}" for n in unknown),
                "allowed": ", ".join(f"{{{n}}}" for n in allowed),
            }
        }
    return {}


def template_check(template) -> None:
    """Raise ValidationError (in Spanish, per field) when the text or the
    subject of a notification template would not fill in."""
    errors = text_errors(event=template.event, text=template.text)
    errors.update(text_errors(event=template.event, text=template.subject, field="subject"))
    if errors:
        raise ValidationError(errors)


def render(text: str, values: dict[str, str]) -> str:
    """The text with its placeholders filled in (a checked text only)."""
    return "".join(
        p.literal + (str(values.get(p.name, "")) if p.name else "") for p in _parse(text)
    )


def parameters(text: str, values: dict[str, str]) -> list[str]:
    """The values of the text's placeholders in the order they appear, as
    WhatsApp template parameters (one line each, never empty)."""
    return [
        _BLANKS.sub(" ", str(values.get(p.name, ""))).strip() or "-" for p in _parse(text) if p.name
    ]


def _procedure_name(case) -> str:
    label = str(case.get_procedure_display())
    return label.split("·", 1)[-1].strip()


def outcome_words(case) -> str:
    words = OUTCOME_WORDS.get(case.outcome)
    return str(words) if words else str(case.get_outcome_display() or "").lower()


def case_values(*, case, contact=None, step: str = "", message: str = "") -> dict[str, str]:
    """The values of a case's placeholders."""
    executive = case.company.executive
    return {
        "numero": case.number,
        "cliente": str(case.company),
        "contacto": contact.name if contact is not None else "",
        "procedimiento": _procedure_name(case),
        "asunto": case.subject,
        "ejecutiva": (executive.get_full_name() or executive.username) if executive else "",
        "resultado": outcome_words(case) if case.outcome else "",
        "paso": step,
        "mensaje": message,
    }


def proforma_values(*, company, contact, period, service: str, amount: str) -> dict[str, str]:
    """The values of a proforma's placeholders."""
    executive = company.executive
    return {
        "cliente": str(company),
        "contacto": contact.name if contact is not None else "",
        "ejecutiva": (executive.get_full_name() or executive.username) if executive else "",
        "periodo": date_format(period, "m/Y") if period else "",
        "servicio": service,
        "monto": amount,
    }
