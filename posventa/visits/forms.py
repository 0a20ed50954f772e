"""What the calendar's forms send. The small ones (cancel, engineering
service, quality call): only the text's length is checked here; the services
say what is missing or not allowed. The executive's commercial visit: its
fields, read into the moments the service takes."""

from datetime import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from posventa.common.forms import BoundedForm
from posventa.customers.models import Company


class CancelForm(BoundedForm):
    reason = forms.CharField(label=_("Why it is cancelled"), max_length=2000, required=False)


class EngineeringServiceForm(BoundedForm):
    work_done = forms.CharField(label=_("Work done"), max_length=4000, required=False)


class QualityCallForm(BoundedForm):
    notes = forms.CharField(label=_("Notes"), max_length=2000, required=False)


def cleaned(form_class, data) -> dict:
    """The form's values, or its errors as the ValidationError the calendar
    shows as a message. Not stripped: the services strip and judge them."""
    form = form_class(data)
    if not form.is_valid():
        raise ValidationError(
            [
                f"{form.fields[name].label}: {message}"
                for name, messages in form.errors.items()
                for message in messages
            ]
        )
    return form.cleaned_data


class CommercialVisitForm(BoundedForm):
    """A row of the executive's Annex 1: her commercial visit ("oferta de
    servicio") to a company of her portfolio — the day, from and to, whom she
    will interview, where, observations."""

    company = forms.ModelChoiceField(label=_("Company"), queryset=Company.objects.none())
    day = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    start = forms.TimeField(label=_("From"), widget=forms.TimeInput(attrs={"type": "time"}))
    end = forms.TimeField(label=_("To"), widget=forms.TimeInput(attrs={"type": "time"}))
    person = forms.CharField(label=_("Person to interview"), max_length=150)
    location = forms.CharField(
        label=_("Location"),
        max_length=250,
        required=False,
        help_text=_("Left empty: the company's address."),
    )
    observations = forms.CharField(
        label=_("Observations"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        required=False,
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["company"].queryset = Company.objects.filter(executive_id=user.pk).order_by(
            "legal_name"
        )

    def clean(self):
        cleaned = super().clean()
        day, start, end = cleaned.get("day"), cleaned.get("start"), cleaned.get("end")
        if day and start and end:
            cleaned["starts_at"] = timezone.make_aware(datetime.combine(day, start))
            cleaned["ends_at"] = timezone.make_aware(datetime.combine(day, end))
            if end <= start:
                self.add_error("end", _("The visit must end after it starts."))
        return cleaned
