from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from posventa.accounts.selectors import executives
from posventa.common.forms import BoundedForm
from posventa.common.models import Channel
from posventa.customers.models import Direction

SEARCH_MAX_LENGTH = 100


class PortfolioSearchForm(BoundedForm):
    """The portfolio's search box and, for those who see every portfolio, the
    executive filter. Read from the query string: a value that does not make
    sense (an unknown executive, a NUL byte) filters nothing instead of failing."""

    q = forms.CharField(label=_("Search by NIT or name"), required=False)
    executive = forms.ModelChoiceField(
        label=_("Executive"), queryset=None, required=False, empty_label=_("All executives")
    )

    def __init__(self, *args, sees_every_portfolio: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if sees_every_portfolio:
            self.fields["executive"].queryset = executives()
        else:
            # An executive works her own portfolio only: no filter to offer or to trust.
            del self.fields["executive"]

    def filters(self) -> dict:
        """The selector's keyword arguments: search and executive_id."""
        self.is_valid()
        executive = self.cleaned_data.get("executive")
        return {
            "search": self.cleaned_data.get("q", "")[:SEARCH_MAX_LENGTH],
            "executive_id": executive.pk if executive else None,
        }


class InteractionForm(BoundedForm):
    """A contact with the customer, recorded from the customer page.

    The service checks the same rules again (future date, a contact of
    another company); the form only gives the person the message by the field.
    """

    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices, initial=Channel.PHONE)
    direction = forms.ChoiceField(
        label=_("Direction"), choices=Direction.choices, initial=Direction.OUTBOUND
    )
    contact = forms.ModelChoiceField(
        label=_("Contact"),
        queryset=None,
        required=False,
        empty_label=_("— not a particular person —"),
        # Only this company's contacts are offered, so any other id is someone
        # else's contact (or a stale page): say it in the customer's terms.
        error_messages={"invalid_choice": _("The contact does not belong to this customer.")},
    )
    occurred_at = forms.DateTimeField(
        label=_("When"),
        required=False,
        help_text=_("Leave it empty for now."),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    summary = forms.CharField(
        label=_("What was said"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Write what was talked about.")},
    )

    def __init__(self, *args, company, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contact"].queryset = company.contacts.all()

    def clean_occurred_at(self):
        return self.cleaned_data.get("occurred_at") or timezone.now()
