"""The form UTAR's answer is recorded with, and the list's filter."""

from django import forms
from django.utils.translation import gettext_lazy as _

from posventa.claims.models import ComplaintState
from posventa.common.forms import BoundedForm


class ComplaintFilterForm(BoundedForm):
    """The list's state filter, read from the query string: an unknown state
    filters nothing instead of failing."""

    state = forms.ChoiceField(
        label=_("State"),
        choices=[
            ("", _("At UTAR (registered or assigned)")),
            ("all", _("All states")),
            *ComplaintState.choices,
        ],
        required=False,
    )

    def selected_state(self) -> str:
        return self.cleaned_data.get("state", "") if self.is_valid() else ""


class AnswerForm(BoundedForm):
    """What UTAR answered: the complaint is assigned, or resolved with its resolution."""

    state = forms.ChoiceField(label=_("UTAR's answer"), widget=forms.RadioSelect, choices=())
    resolution = forms.CharField(
        label=_("Resolution (or note)"),
        help_text=_("Required when UTAR resolved it: the executive tells it to the customer."),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args, complaint, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(ComplaintState.RESOLVED.value, _("Resolved"))]
        if complaint.state == ComplaintState.REGISTERED:
            choices.insert(0, (ComplaintState.ASSIGNED.value, _("Assigned (in progress)")))
        self.fields["state"].choices = choices

    def clean(self):
        cleaned = super().clean()
        if (
            cleaned.get("state") == ComplaintState.RESOLVED
            and not (cleaned.get("resolution") or "").strip()
        ):
            self.add_error("resolution", _("Write UTAR's resolution."))
        return cleaned
