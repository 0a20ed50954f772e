from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from posventa.common.models import Channel
from posventa.customers.models import Direction


class InteractionForm(forms.Form):
    """A contact with the customer, recorded from the customer page."""

    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices, initial=Channel.PHONE)
    direction = forms.ChoiceField(
        label=_("Direction"), choices=Direction.choices, initial=Direction.OUTBOUND
    )
    contact = forms.ModelChoiceField(
        label=_("Contact"),
        queryset=None,
        required=False,
        empty_label=_("— not a particular person —"),
    )
    occurred_at = forms.DateTimeField(
        label=_("When"),
        required=False,
        help_text=_("Leave it empty for now."),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    summary = forms.CharField(
        label=_("What was said"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, company, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contact"].queryset = company.contacts.all()

    def clean_occurred_at(self):
        return self.cleaned_data.get("occurred_at") or timezone.now()
