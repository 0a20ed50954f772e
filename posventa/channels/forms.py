"""The triage inbox's forms: open a case from a message, add it to an open
case, mark it "not a request", assign an unknown sender to a customer."""

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from posventa.cases.forms import CaseOpenForm
from posventa.channels.models import InboundMessage
from posventa.channels.selectors import open_cases_of
from posventa.channels.triage import NOTE_MAX_LENGTH
from posventa.common.forms import BoundedForm
from posventa.customers.models import Company, Contact

SUBJECT_MAX_LENGTH = 200
# "Re:", "RV:", "Fwd:"… at the start of a subject: not what the customer asks.
_REPLY_PREFIX = re.compile(r"^\s*((re|rv|fw|fwd|reenviar|respuesta)\s*:\s*)+", re.IGNORECASE)


def subject_from(message: InboundMessage) -> str:
    """What the case's subject starts as: the e-mail's subject without its
    "Re:"/"Fwd:", else the first line of the text, cut to fit."""
    subject = _REPLY_PREFIX.sub("", message.subject or "").strip()
    if not subject:
        lines = [line.strip() for line in (message.body or "").splitlines() if line.strip()]
        subject = lines[0] if lines else ""
    if len(subject) > SUBJECT_MAX_LENGTH:
        subject = subject[: SUBJECT_MAX_LENGTH - 1].rstrip() + "…"
    return subject


class TriageOpenForm(CaseOpenForm):
    """The new-request form for a message: the procedure (those a customer
    asks for), the product it is about (filtered by the procedure, redrawn
    when it changes) and the subject. The channel, the time and the
    documents are the message's own."""

    def __init__(self, *args, company, reload_url: str = "", **kwargs):
        super().__init__(*args, company=company, reload_url=reload_url, **kwargs)
        for name in ("channel", "documents", "description"):
            del self.fields[name]


class TriageThreadForm(BoundedForm):
    """The open case of the customer the message is really about."""

    case = forms.ModelChoiceField(
        label=_("Open case"),
        queryset=None,
        empty_label=_("— choose the case —"),
        error_messages={"invalid_choice": _("Choose an open case of this customer.")},
    )

    def __init__(self, *args, company, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["case"].queryset = open_cases_of(company)
        self.fields["case"].label_from_instance = lambda case: (
            f"{case.number} · {case.get_procedure_display()} · {case.subject}"
        )


class TriageNotRequestForm(BoundedForm):
    """Why the message is no request (optional), kept with the interaction."""

    note = forms.CharField(
        label=_("Note (optional)"),
        max_length=NOTE_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("A thank-you, a question already answered, advertising…"),
    )


class TriageAssignForm(BoundedForm):
    """The customer an unknown sender writes for, and which of its people
    (when known): the message goes to that customer's executive."""

    company = forms.ModelChoiceField(
        label=_("Customer"),
        queryset=Company.objects.select_related("executive").order_by("legal_name"),
        empty_label=_("— choose the customer —"),
    )
    contact = forms.ModelChoiceField(
        label=_("Contact who wrote (optional)"),
        queryset=Contact.objects.none(),
        required=False,
        empty_label=_("— none of the contacts —"),
    )

    def __init__(self, *args, reload_url: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["company"].label_from_instance = lambda company: (
            f"{company.legal_name} · NIT {company.nit}"
        )
        if reload_url:
            # htmx: choosing the customer redraws its contacts only.
            self.fields["company"].widget.attrs.update(
                {
                    "hx-get": reload_url,
                    "hx-trigger": "change",
                    "hx-target": "#assign-contact",
                    "hx-select": "#assign-contact",
                    "hx-swap": "outerHTML",
                    "hx-include": "closest form",
                }
            )
        chosen = str(self.data.get("company") or self.initial.get("company") or "")
        if chosen.isascii() and chosen.isdigit() and len(chosen) < 12:
            self.fields["contact"].queryset = Contact.objects.filter(company_id=int(chosen))

    def clean(self):
        data = super().clean()
        company, contact = data.get("company"), data.get("contact")
        if company is not None and contact is not None and contact.company_id != company.pk:
            self.add_error("contact", _("The contact does not belong to this customer."))
        return data
