"""The query strings of the indicator pages, read with a form: a value that
makes no sense is reported, and the page shows the current month instead."""

from datetime import date, datetime, time, timedelta

from django import forms
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from posventa.accounts.roles import Role
from posventa.accounts.selectors import executives
from posventa.cases.models import Procedure
from posventa.common.forms import BoundedForm
from posventa.common.models import Channel
from posventa.indicators.definitions import TEAM_FIGURES, Month
from posventa.indicators.selectors import CASE_LISTS, NO_ROLE, current_month
from posventa.procedures.catalog import PROCESS_IDS

INDICATOR_LABELS = {
    "all": _("All requests"),
    "effective": _("Attended effectively"),
    "not_effective": _("Not attended effectively"),
    "timely": _("Attended in less than 24 h"),
    "not_timely": _("Not attended in less than 24 h"),
    "open": _("Still open"),
    "cancelled": _("Cancelled by hand (counted in neither indicator)"),
    # The live month's split.
    "closed": pgettext_lazy("requests", "Closed"),
    "within_time": _("Open, still inside their 24 hours (neither pass nor fail yet)"),
    "late": _("Open, 24 hours passed"),
    # The team's own figures (I, J, K): never in the indicators.
    **{
        name: format_lazy("{} · {}", figure.procedure, figure.label)
        for name, figure in TEAM_FIGURES.items()
    },
}


class MonthField(forms.CharField):
    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        month = Month.parse(value)
        if month is None:
            raise forms.ValidationError(_("Give the month as YYYY-MM, e.g. 2026-11."))
        return month


class MonthForm(BoundedForm):
    month = MonthField(label=_("Month"), required=False)

    def selected_month(self) -> Month:
        if self.is_valid() and self.cleaned_data.get("month"):
            return self.cleaned_data["month"]
        return current_month()


class CasesBehindForm(MonthForm):
    indicator = forms.ChoiceField(
        label=_("Indicator"),
        choices=[(key, INDICATOR_LABELS[key]) for key in CASE_LISTS],
        required=False,
    )
    procedure = forms.ChoiceField(
        label=_("Procedure"), choices=[("", _("All")), *Procedure.choices], required=False
    )
    executive = forms.ModelChoiceField(label=_("Executive"), queryset=None, required=False)
    channel = forms.ChoiceField(
        label=_("Channel"), choices=[("", _("All")), *Channel.choices], required=False
    )
    role = forms.ChoiceField(
        label=_("Answered by"),
        choices=[("", _("All")), *Role.choices, (NO_ROLE, _("Not answered yet"))],
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["executive"].queryset = executives()
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-select"

    def filters(self) -> dict:
        """The selector's keyword arguments; only the valid ones."""
        self.is_valid()
        data = self.cleaned_data
        executive = data.get("executive")
        return {
            "indicator": data.get("indicator") or "all",
            "procedure": data.get("procedure") or "",
            "executive": executive.pk if executive else None,
            "channel": data.get("channel") or "",
            "role": data.get("role") or "",
        }


# The date inputs send ISO dates (YYYY-MM-DD); a typed day/month/year is read too.
DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]
# The longest period the page times at once (every step event of it is read).
MAX_PERIOD_DAYS = 366


def last_full_month(today: date) -> tuple[date, date]:
    """The first and last day of the month before `today`'s."""
    last = today.replace(day=1) - timedelta(days=1)
    return last.replace(day=1), last


class IsoDateField(forms.DateField):
    """A date read from an `<input type="date">` (ISO), bounded to 2000–2100,
    with a Spanish message for anything else."""

    widget = forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
    input_formats = DATE_FORMATS
    default_error_messages = {"invalid": _("Give the date as YYYY-MM-DD, e.g. 2026-11-30.")}

    def to_python(self, value):
        if isinstance(value, str) and len(value) > 10:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        result = super().to_python(value)
        if result and not date(2000, 1, 1) <= result <= date(2100, 12, 31):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return result


class TimeSpentForm(BoundedForm):
    """Which procedure, over which period (received from … until …, both
    included; the last full month unless chosen), and optionally one role's
    steps."""

    procedure = forms.ChoiceField(label=_("Procedure"), choices=())
    received_from = IsoDateField(label=_("Received from"))
    received_to = IsoDateField(label=pgettext_lazy("period", "until"))
    role = forms.ChoiceField(
        label=_("Role"), choices=[("", _("All")), *Role.choices], required=False
    )

    def __init__(self, data=None, **kwargs):
        start, end = last_full_month(timezone.localdate())
        initial = {
            "procedure": next(iter(PROCESS_IDS)),
            "received_from": start,
            "received_to": end,
            "role": "",
        }
        # The inputs show ISO dates; the defaults too.
        data = {
            **{k: v.isoformat() if isinstance(v, date) else v for k, v in initial.items()},
            **{k: v for k, v in (data or {}).items() if v not in ("", None)},
        }
        super().__init__(data, **kwargs)
        self.fields["procedure"].choices = [
            (code, label) for code, label in Procedure.choices if code in PROCESS_IDS
        ]
        for field in self.fields.values():
            field.widget.attrs["class"] = (
                "form-select" if field.widget.input_type == "select" else "form-control"
            )
        self._initial_values = initial

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("received_from"), cleaned.get("received_to")
        if start and end and start > end:
            self.add_error("received_to", _("The period ends before it starts."))
        elif start and end and (end - start).days >= MAX_PERIOD_DAYS:
            self.add_error(
                "received_to",
                _("Choose a period of at most %(days)s days.") % {"days": MAX_PERIOD_DAYS},
            )
        return cleaned

    def period(self) -> dict:
        """The valid choice, or the defaults (the last full month of the first procedure)."""
        values = self.cleaned_data if self.is_valid() else self._initial_values
        start = timezone.make_aware(datetime.combine(values["received_from"], time.min))
        end = timezone.make_aware(
            datetime.combine(values["received_to"] + timedelta(days=1), time.min)
        )
        return {
            "procedure": values["procedure"],
            "start": start,
            "end": end,
            "role": values["role"],
        }
