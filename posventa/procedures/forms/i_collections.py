"""Procedure I, collections: the forms of its user tasks."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from posventa.catalog.models import DunningLetterTrigger, TeamRuleCode
from posventa.catalog.selectors import team_rule
from posventa.collections.services import promise_errors, promise_max_days
from posventa.engine.registry import registry
from posventa.procedures.forms.common import CaseTaskForm, InteractionFields

PROMISE, PAID, NO_PROMISE = "promise", "paid", "no_promise"


class DateInput(forms.DateInput):
    input_type = "date"


@registry.register_form("i/call_debtor")
class CallDebtor(CaseTaskForm, InteractionFields):
    """Step 5: the call by protocol — its result and, when the customer
    commits, the payment promise (a date within the team rule's days, at most
    the amount overdue). Without a commitment, the dunning letter follows the
    team rule: issued at once, or only when the executive asks for it."""

    calls_customer = True

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
    )
    promised_amount = forms.DecimalField(
        label=_("Promised amount (Bs)"),
        required=False,
        max_digits=12,
        decimal_places=2,
    )
    # What clean() asks for with a promise (engine/form_schema.py).
    required_when = {
        "promised_on": {"call_result": [PROMISE]},
        "promised_amount": {"call_result": [PROMISE]},
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["promised_on"].help_text = _(
            "At most %(days)s days from today (team rule, not the manual)."
        ) % {"days": promise_max_days()}
        self.letter_automatic = (
            team_rule(TeamRuleCode.DUNNING_LETTER_TRIGGER).choice == DunningLetterTrigger.NO_PROMISE
        )
        if not self.letter_automatic:
            # The team's rule leaves the letter to the executive.
            self.fields["call_result"].choices = [
                (PROMISE, _("The customer promises to pay")),
                (PAID, _("The customer says it is already paid")),
                (NO_PROMISE, _("No commitment (refuses or cannot be reached)")),
            ]
            self.fields["issue_letter"] = forms.BooleanField(
                label=_("Issue the dunning letter"),
                help_text=_(
                    "Only without a commitment. Team rule (not the manual): the letter is "
                    "issued only when you ask for it."
                ),
                required=False,
            )

    def clean(self):
        cleaned = super().clean()
        result = cleaned.get("call_result")
        if result == PROMISE:
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
        if cleaned.get("issue_letter") and result != NO_PROMISE:
            self.add_error(
                "issue_letter", _("The dunning letter is only for a debtor without a commitment.")
            )
        return cleaned

    def task_data(self) -> dict:
        data = super().task_data()
        asked = bool(data.pop("issue_letter", False))
        # Whether the dunning letter follows, by the team's rule as it stands now.
        data["letter_due"] = data.get("call_result") == NO_PROMISE and (
            self.letter_automatic or asked
        )
        return data


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
