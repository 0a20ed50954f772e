"""Procedure I, collections: the forms of its user tasks."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from posventa.collections.services import PROMISE_MAX_DAYS, promise_errors
from posventa.engine.registry import registry
from posventa.procedures.forms.common import CaseTaskForm, InteractionFields

PROMISE, PAID, NO_PROMISE = "promise", "paid", "no_promise"


class DateInput(forms.DateInput):
    input_type = "date"


@registry.register_form("i/call_debtor")
class CallDebtor(CaseTaskForm, InteractionFields):
    """Step 5: the call by protocol — its result and, when the customer
    commits, the payment promise (date within a week, amount owed at most)."""

    call_result = forms.ChoiceField(
        label=_("Result of the call"),
        choices=[
            (PROMISE, _("The customer promises to pay")),
            (PAID, _("The customer says it is already paid")),
            (NO_PROMISE, _("No commitment (refuses or cannot be reached): dunning letter")),
        ],
        widget=forms.RadioSelect,
    )
    promised_on = forms.DateField(
        label=_("Promised payment date"),
        required=False,
        widget=DateInput(format="%Y-%m-%d"),
        help_text=_("Within %(days)s days.") % {"days": PROMISE_MAX_DAYS},
    )
    promised_amount = forms.DecimalField(
        label=_("Promised amount (Bs)"),
        required=False,
        max_digits=12,
        decimal_places=2,
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("call_result") == PROMISE:
            for name in ("promised_on", "promised_amount"):
                if cleaned.get(name) is None and name not in self.errors:
                    self.add_error(name, _("Say when and how much the customer promises to pay."))
            case = self.case
            if case is not None:
                errors = promise_errors(
                    company=case.company,
                    promised_on=cleaned.get("promised_on"),
                    amount=cleaned.get("promised_amount"),
                    today=timezone.localdate(),
                )
                for name, message in errors.items():
                    self.add_error(name, message)
        else:
            cleaned["promised_on"] = cleaned["promised_amount"] = None
        return cleaned


@registry.register_form("i/close_collection")
class CloseCollection(CaseTaskForm, InteractionFields):
    """Step 7: the interaction of the management, recorded to conclude."""


@registry.register_form("i/deliver_letter")
class DeliverLetter(CaseTaskForm, InteractionFields):
    """Step 7 after the dunning letter: delivered, and the interaction recorded."""

    interaction_channel = forms.ChoiceField(
        label=_("Channel used"),
        choices=[("letter", _("Letter")), ("email", _("E-mail")), ("in_person", _("In person"))],
        initial="letter",
    )
