"""What the calendar's small forms send (cancel, engineering service, quality
call): only the text's length is checked here; the services say what is
missing or not allowed."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from posventa.common.forms import BoundedForm


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
