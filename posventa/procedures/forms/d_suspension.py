"""Procedure D, temporary suspension and reconnection: the forms of its user tasks."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from posventa.billing.selectors import is_account_up_to_date
from posventa.engine.registry import registry
from posventa.inventory.rules import MAX_SUSPENSION_MONTHS, suspension_errors
from posventa.procedures.d_suspension import (
    RECONNECTION,
    SUSPENSION,
    overdue_invoice_lines,
    pending_invoice_lines,
    reconnection_errors,
)
from posventa.procedures.forms.common import CaseTaskForm, InteractionFields

YES_NO = {"yes": True, "no": False}


class DateInput(forms.DateInput):
    input_type = "date"


def _date_field(label, **kwargs) -> forms.DateField:
    return forms.DateField(label=label, widget=DateInput(format="%Y-%m-%d"), **kwargs)


class ProductTaskForm(CaseTaskForm):
    """A task on the case's product: the product it names, or a clear error."""

    @property
    def product(self):
        case = self.case
        return case.product if case is not None else None

    def clean(self):
        cleaned = super().clean()
        if self.product is None:
            raise ValidationError(_("The case names no product."))
        return cleaned

    def _initial_from_variables(self, *names) -> None:
        if self.is_bound:
            return
        variables = self.variables
        for name in names:
            if variables.get(name) is not None:
                self.initial[name] = variables[name]


class SuspensionDates(ProductTaskForm):
    """Start and end of a suspension, both included, checked by the manual's rules."""

    def _check_dates(self, cleaned, *, only=None) -> None:
        """Refuse past starts and, with the rule's own reason, what the rules
        refuse (`only`: the fields whose rules this step decides)."""
        starts_on, ends_on = cleaned.get("starts_on"), cleaned.get("ends_on")
        if starts_on is None or ends_on is None or self.product is None:
            return
        if starts_on < timezone.localdate():
            self.add_error("starts_on", _("A suspension cannot start in the past."))
        errors = suspension_errors(product=self.product, starts_on=starts_on, ends_on=ends_on)
        for field, message in errors.items():
            if only is None or field in only:
                self.add_error(field if field in self.fields else None, message)


@registry.register_form("d/receive_request")
class ReceiveRequest(SuspensionDates):
    """Step 1: what the customer asks for on the case's product, and its dates.
    Whether it is the first suspension this year is for the commercial
    manager's step 3 to decide (and for the executive to tell, step 7)."""

    request_kind = forms.ChoiceField(
        label=_("The customer asks for"),
        choices=[
            (SUSPENSION, _("A temporary suspension")),
            (RECONNECTION, _("Reconnection")),
        ],
        widget=forms.RadioSelect,
    )
    starts_on = _date_field(_("Suspension from"), required=False)
    ends_on = _date_field(_("Suspension until (included)"), required=False)
    reconnect_on = _date_field(_("Reconnection on"), required=False)
    # What clean() asks for by the kind of request (engine/form_schema.py).
    required_when = {
        "starts_on": {"request_kind": [SUSPENSION]},
        "ends_on": {"request_kind": [SUSPENSION]},
        "reconnect_on": {"request_kind": [RECONNECTION]},
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ends_on"].help_text = _("At most %(months)s months.") % {
            "months": MAX_SUSPENSION_MONTHS
        }

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("request_kind")
        if kind == SUSPENSION:
            for field in ("starts_on", "ends_on"):
                if cleaned.get(field) is None and field not in self.errors:
                    self.add_error(field, _("Say when the suspension starts and ends."))
            self._check_dates(cleaned, only={"ends_on", "product"})
            cleaned["reconnect_on"] = None
        elif kind == RECONNECTION:
            reconnect_on = cleaned.get("reconnect_on")
            if reconnect_on is None:
                if "reconnect_on" not in self.errors:
                    self.add_error("reconnect_on", _("Say when the customer wants it back."))
            elif self.product is not None:
                for field, message in reconnection_errors(
                    product=self.product, reconnect_on=reconnect_on
                ).items():
                    self.add_error(field, message)
            cleaned["starts_on"] = cleaned["ends_on"] = None
        return cleaned


@registry.register_form("d/settle_account")
class SettleAccount(ProductTaskForm, InteractionFields):
    """Step 1, account not up to date: the executive manages the overdue
    invoices with the customer, who pays them or gives up."""

    settled = forms.TypedChoiceField(
        label=_("Did the customer pay the overdue invoices?"),
        choices=[
            ("yes", _("Yes, the account is up to date")),
            ("no", _("No, the customer gave up")),
        ],
        coerce=YES_NO.get,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        case = self.case
        if case is not None:
            overdue = overdue_invoice_lines(company=case.company, today=timezone.localdate())
            if overdue:
                self.fields["settled"].help_text = _(
                    "Overdue (product · month · amount · due date): %(invoices)s"
                ) % {"invoices": "; ".join(overdue)}

    def clean(self):
        cleaned = super().clean()
        case = self.case
        if (
            cleaned.get("settled")
            and case is not None
            and not is_account_up_to_date(company=case.company, today=timezone.localdate())
        ):
            self.add_error(
                "settled",
                _("The account still has overdue invoices: %(invoices)s.")
                % {
                    "invoices": "; ".join(
                        overdue_invoice_lines(company=case.company, today=timezone.localdate())
                    )
                },
            )
        return cleaned


@registry.register_form("d/enter_suspension")
class EnterSuspension(SuspensionDates):
    """Step 4: the commercial manager enters the suspension with its start and
    end; every rule of the manual refuses it with its reason."""

    starts_on = _date_field(_("Suspension from"))
    ends_on = _date_field(_("Suspension until (included)"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ends_on"].help_text = _(
            "At most %(months)s months; one suspension per product per calendar year."
        ) % {"months": MAX_SUSPENSION_MONTHS}
        self._initial_from_variables("starts_on", "ends_on")

    def clean(self):
        cleaned = super().clean()
        self._check_dates(cleaned)
        return cleaned


@registry.register_form("d/enter_reconnection")
class EnterReconnection(ProductTaskForm):
    """Step 5: the commercial manager enters the new reconnection date."""

    reconnect_on = _date_field(
        _("Reconnection on"),
        help_text=_("Today or a past day reconnects the product now; a later day, on that day."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._initial_from_variables("reconnect_on")

    def clean(self):
        cleaned = super().clean()
        reconnect_on = cleaned.get("reconnect_on")
        if reconnect_on is not None and self.product is not None:
            for field, message in reconnection_errors(
                product=self.product, reconnect_on=reconnect_on
            ).items():
                self.add_error(field, message)
        return cleaned


@registry.register_form("d/tell_customer")
class TellCustomer(CaseTaskForm, InteractionFields):
    """Step 7: the executive tells the customer why the suspension cannot be done."""


@registry.register_form("d/inform_reconnection")
class InformReconnection(ProductTaskForm, InteractionFields):
    """Step 8: the executive tells the customer how the product comes back and
    manages the collection of the pending invoices."""

    invoices_told = forms.BooleanField(
        label=_("The customer was told the pending invoices and how to pay them"),
        required=False,
    )
    payment_promised_on = _date_field(_("The customer promises to pay by"), required=False)

    @property
    def also_required(self) -> list[str]:
        # clean() asks for it while the customer has pending invoices
        # (engine/form_schema.py).
        return ["invoices_told"] if self.pending else []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        case = self.case
        self.pending = (
            pending_invoice_lines(company=case.company, today=timezone.localdate())
            if case is not None
            else []
        )
        if self.pending:
            self.fields["invoices_told"].help_text = _(
                "Pending (product · plan · months · amount): %(invoices)s"
            ) % {"invoices": "; ".join(self.pending)}
        else:
            self.fields["invoices_told"].help_text = _("The customer has no pending invoices.")

    def clean(self):
        cleaned = super().clean()
        if self.pending and not cleaned.get("invoices_told"):
            self.add_error(
                "invoices_told", _("Tell the customer the pending invoices before going on.")
            )
        promised = cleaned.get("payment_promised_on")
        if promised is not None and promised < timezone.localdate():
            self.add_error("payment_promised_on", _("A payment promise is for a day to come."))
        return cleaned

    def task_data(self) -> dict:
        data = super().task_data()
        promised = self.cleaned_data.get("payment_promised_on")
        if promised is not None:
            data["interaction_summary"] = (
                f"{data['interaction_summary']} ({self.fields['payment_promised_on'].label}: "
                f"{promised:%d/%m/%Y})"
            )
        return data
