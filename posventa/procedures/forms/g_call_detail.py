"""Procedure G, outgoing call detail: the forms of its user tasks.

The process variables they leave (read by the model's gateways, its decision
table and its actions): source, line_ids, months, previous_month_keys,
previous_months, lines_label, months_label (step 1); requirements_met,
missing_requirements (step 4); completed (step 10); send_by, send_to (steps 3 and 9).
"""

from functools import cached_property

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from posventa.calls import adapters
from posventa.calls.models import CallSource
from posventa.calls.rules import (
    SOURCES_BY_PRODUCT_TYPE,
    month_from_key,
    month_key,
    month_label,
    months_offered,
    previous_months,
)
from posventa.common.models import Channel
from posventa.engine.registry import registry
from posventa.inventory.models import Product
from posventa.procedures.catalog import products_for
from posventa.procedures.forms.common import CaseTaskForm, InteractionFields, RequirementsFields

# How the executive hands the detail over (the manual: e-mail, WhatsApp or on paper).
SEND_BY = [
    (Channel.EMAIL, gettext_lazy("E-mail with the files attached")),
    (Channel.WHATSAPP, gettext_lazy("WhatsApp")),
    (Channel.IN_PERSON, gettext_lazy("On paper, in person")),
]


class CallDetailForm(CaseTaskForm):
    """A step of G: the process variables are read once per form."""

    @cached_property
    def variables(self) -> dict:
        return CaseTaskForm.variables.fget(self)


class LineChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, product):
        return f"{product.service_number} · {product.plan.product_type.name}"


@registry.register_form("g/receive_request")
class ReceiveRequest(CallDetailForm):
    """Step 1: which calls (Comteco's or Boliviatel's), of which lines, for
    which months. The fee follows from the decision table."""

    source = forms.ChoiceField(
        label=gettext_lazy("Calls recorded by"),
        choices=CallSource.choices,
        widget=forms.RadioSelect,
    )
    lines = LineChoiceField(
        label=gettext_lazy("Lines"),
        queryset=Product.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )
    months = forms.MultipleChoiceField(
        label=gettext_lazy("Months"), choices=(), widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = timezone.localdate()
        offered = months_offered(self.today)
        self.fields["months"].choices = [
            (
                month_key(month),
                _("%(month)s (current month, free)") % {"month": f"{month:%m/%Y}"}
                if index == 0
                else f"{month:%m/%Y}",
            )
            for index, month in enumerate(offered)
        ]
        self.fields["months"].help_text = _(
            "Comteco: the current month is free, each previous month is charged on the "
            "line's invoice. Boliviatel: free."
        )
        case = self.case
        if case is None:
            return
        self.fields["lines"].queryset = products_for("G", case.company)
        if not self.is_bound:
            self.initial["months"] = [month_key(offered[0])]
            if case.product_id:
                self.initial["lines"] = [case.product_id]
                is_long_distance = case.product.plan.product_type.code == "boliviatel_ld"
                self.initial["source"] = (
                    CallSource.BOLIVIATEL if is_long_distance else CallSource.COMTECO
                )

    def clean(self):
        cleaned = super().clean()
        source, lines = cleaned.get("source"), cleaned.get("lines")
        if source and lines:
            wrong = [
                line
                for line in lines
                if source not in SOURCES_BY_PRODUCT_TYPE.get(line.plan.product_type.code, ())
            ]
            if wrong:
                self.add_error(
                    "lines",
                    _("%(lines)s: no %(source)s calls on this kind of line.")
                    % {
                        "lines": ", ".join(line.service_number for line in wrong),
                        "source": CallSource(source).label,
                    },
                )
        return cleaned

    def task_data(self) -> dict:
        data = super().task_data()
        lines = sorted(self.cleaned_data["lines"], key=lambda line: line.service_number)
        months = sorted(data["months"])
        previous = previous_months(months, self.today)
        data.pop("lines")
        data.update(
            line_ids=[line.pk for line in lines],
            lines_label=", ".join(line.service_number for line in lines),
            months=months,
            months_label=", ".join(month_label(m) for m in months),
            previous_month_keys=previous,
            previous_months=len(previous),
            requested_on=self.today.isoformat(),
        )
        return data


@registry.register_form("g/check_requirements")
class CheckRequirements(RequirementsFields):
    """Step 4: the Comteco detail needs the request letter (the checklist of G)."""


@registry.register_form("g/tell_fee")
class TellFee(CallDetailForm, InteractionFields):
    """Step 5: the executive tells the customer what the detail costs and
    hands it to the commercial manager."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound and self.task is not None:
            self.initial["interaction_summary"] = _(
                "The customer was told the cost of the call detail: %(summary)s"
            ) % {"summary": self.variables.get("fee_summary", "")}


@registry.register_form("g/query_line")
class QueryLine(CallDetailForm):
    """Steps 6 and 7: the commercial manager queries each line in the call
    records and gets the detail for the months; the system then writes it,
    charges the fee and e-mails it to the executive."""

    detail_obtained = forms.BooleanField(
        label=gettext_lazy("The lines and months were queried and the detail obtained")
    )

    def found(self) -> list[str]:
        """One line per line and month: how many calls the records hold."""
        variables = self.variables
        lines = Product.objects.filter(
            pk__in=variables.get("line_ids") or [], company=self.case.company
        ).order_by("service_number")
        rows = []
        for line in lines:
            for key in variables.get("months") or []:
                count = len(
                    adapters.calls(
                        service_number=line.service_number,
                        source=variables.get("source", ""),
                        month=month_from_key(key),
                    )
                )
                rows.append(
                    _("%(line)s · %(month)s: %(count)s calls")
                    % {"line": line.service_number, "month": month_label(key), "count": count}
                )
        return rows

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.task is not None and self.case is not None:
            self.fields["detail_obtained"].help_text = "; ".join(self.found())


@registry.register_form("g/send_detail")
class SendDetail(CallDetailForm):
    """Steps 3 and 9: the executive sends the detail to the customer — by
    e-mail with the files attached, or by WhatsApp or on paper (recorded)."""

    send_by = forms.ChoiceField(
        label=gettext_lazy("Send by"),
        choices=SEND_BY,
        initial=Channel.EMAIL,
        widget=forms.RadioSelect,
    )
    send_to = forms.EmailField(label=gettext_lazy("Customer's e-mail"), required=False)
    # What clean() asks for when sent by e-mail (engine/form_schema.py).
    required_when = {"send_to": {"send_by": [Channel.EMAIL.value]}}
    interaction_summary = forms.CharField(
        label=gettext_lazy("What was said"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        case = self.case
        if case is None or self.is_bound:
            return
        contact = case.company.contacts.exclude(email="").order_by("-is_primary", "name").first()
        if contact is not None:
            self.initial["send_to"] = contact.email
        detail = self.variables.get("call_detail") or {}
        self.initial["interaction_summary"] = _(
            "The call detail was sent to the customer: %(summary)s"
        ) % {"summary": detail.get("summary", "")}

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("send_by") == Channel.EMAIL and not cleaned.get("send_to"):
            self.add_error("send_to", _("Give the e-mail address to send the detail to."))
        return cleaned

    def task_data(self) -> dict:
        data = super().task_data()
        data["interaction_channel"] = data["send_by"]  # the interaction is the sending
        if data["send_by"] != Channel.EMAIL:
            data["send_to"] = ""
        return data
