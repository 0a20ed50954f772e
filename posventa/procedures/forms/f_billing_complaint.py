"""Procedure F, billing complaint: the forms of its user tasks.

The process variables they leave (read by the model's gateways and its
actions): invoice_id, disputed_amount, reason, registers (step 1);
disputed_amount, reason (step 7); accepted, disagreement (step 4); urgency_note (step 6).
The complaint itself is the `complaint` variable the actions leave: its id,
state, number and resolution.
"""

from decimal import Decimal
from functools import cached_property

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from posventa.accounts.roles import Role
from posventa.billing.models import Invoice
from posventa.claims.models import Complaint, ComplaintState
from posventa.claims.selectors import invoice_complaint
from posventa.claims.services import amount_errors
from posventa.common.money import format_amount, format_bs
from posventa.engine.registry import registry
from posventa.procedures.forms.common import CaseTaskForm, InteractionFields

YES_NO = {"yes": True, "no": False}


def invoice_line(invoice: Invoice, today) -> str:
    """One line of the account statement: month · amount · paid or not."""
    if invoice.paid_on is not None:
        status = _("paid on %(day)s") % {"day": f"{invoice.paid_on:%d/%m/%Y}"}
    elif invoice.is_overdue(today):
        status = _("overdue since %(day)s") % {"day": f"{invoice.due_date:%d/%m/%Y}"}
    else:
        status = _("due on %(day)s") % {"day": f"{invoice.due_date:%d/%m/%Y}"}
    return f"{invoice.period:%m/%Y} · {format_bs(invoice.amount)} · {status}"


class InvoiceChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, invoice):
        return invoice_line(invoice, timezone.localdate())


def _amount_field(**kwargs) -> forms.DecimalField:
    return forms.DecimalField(
        label=gettext_lazy("Disputed amount (Bs)"),
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0.01"),
        **kwargs,
    )


def _reason_field(**kwargs) -> forms.CharField:
    return forms.CharField(
        label=gettext_lazy("What the customer disputes"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        **kwargs,
    )


class ComplaintTaskForm(CaseTaskForm):
    """A step of F: the variables are read once per form."""

    @cached_property
    def variables(self) -> dict:
        return CaseTaskForm.variables.fget(self)

    @cached_property
    def disputed_invoice(self) -> Invoice | None:
        invoice_id = self.variables.get("invoice_id")
        return Invoice.objects.filter(pk=invoice_id).first() if invoice_id else None

    @cached_property
    def complaint(self) -> Complaint | None:
        """The complaint the case is about (the `complaint` the actions left)."""
        complaint_id = (self.variables.get("complaint") or {}).get("id")
        return Complaint.objects.filter(pk=complaint_id).first() if complaint_id else None

    def _check_amount(self, cleaned, invoice) -> None:
        amount = cleaned.get("disputed_amount")
        if amount is not None and invoice is not None:
            for name, message in amount_errors(invoice=invoice, disputed_amount=amount).items():
                self.add_error(name, message)

    def task_data(self) -> dict:
        data = super().task_data()
        if isinstance(data.get("disputed_amount"), Decimal):
            data["disputed_amount"] = str(data["disputed_amount"])  # money stays exact
        return data


@registry.register_form("f/receive_complaint")
class ReceiveComplaint(ComplaintTaskForm, InteractionFields):
    """Steps 1–2: which invoice month the customer disputes, how much and
    why, read against the product's account statement."""

    invoice = InvoiceChoiceField(
        label=gettext_lazy("Invoice (month) disputed"), queryset=Invoice.objects.none()
    )
    disputed_amount = _amount_field()
    reason = _reason_field()
    registers = forms.ChoiceField(
        label=gettext_lazy("If there is no complaint yet, who enters it"),
        choices=[
            (Role.EXECUTIVE.value, gettext_lazy("I do")),
            (Role.COMMERCIAL_MANAGER.value, gettext_lazy("The commercial manager")),
        ],
        initial=Role.EXECUTIVE.value,
        widget=forms.RadioSelect,
    )

    field_order = ["invoice", "disputed_amount", "reason", "registers"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        case = self.case
        if case is not None and case.product_id:
            self.fields["invoice"].queryset = Invoice.objects.filter(
                product_id=case.product_id
            ).order_by("-period")
            self.fields["invoice"].help_text = _(
                "The account statement of %(number)s: the months it was billed."
            ) % {"number": case.product.service_number}
            if not self.fields["invoice"].queryset.exists():
                self.fields["invoice"].help_text = _(
                    "%(number)s has no invoice yet: there is nothing to dispute."
                ) % {"number": case.product.service_number}

    def clean(self):
        cleaned = super().clean()
        if self.case is None or self.case.product_id is None:
            raise ValidationError(_("The case names no product."))
        self._check_amount(cleaned, cleaned.get("invoice"))
        return cleaned

    def task_data(self) -> dict:
        data = super().task_data()
        data["invoice_id"] = data.pop("invoice")
        return data


@registry.register_form("f/register_complaint")
class RegisterComplaint(ComplaintTaskForm):
    """Step 7: enter the complaint; on completing, it goes to UTAR by e-mail."""

    disputed_amount = _amount_field()
    reason = _reason_field()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        invoice = self.disputed_invoice
        if invoice is not None:
            self.fields["disputed_amount"].help_text = _(
                "Invoice %(month)s of %(number)s: Bs %(amount)s."
            ) % {
                "month": f"{invoice.period:%m/%Y}",
                "number": invoice.product.service_number,
                "amount": format_amount(invoice.amount),
            }
            existing = invoice_complaint(invoice_id=invoice.pk)
            if existing is not None and existing.is_open:
                # Registered from another case meanwhile: this one waits for it too.
                self.fields["reason"].help_text = _(
                    "Complaint %(number)s on this invoice reached UTAR meanwhile: on "
                    "completing, the case waits for its resolution instead of registering "
                    "another."
                ) % {"number": existing.number}
        if not self.is_bound:
            for name in ("disputed_amount", "reason"):
                if self.variables.get(name) is not None:
                    self.initial[name] = self.variables[name]

    def clean(self):
        cleaned = super().clean()
        invoice = self.disputed_invoice
        if invoice is None:
            raise ValidationError(_("The case names no invoice."))
        self._check_amount(cleaned, invoice)
        return cleaned


@registry.register_form("f/tell_resolution")
class TellResolution(ComplaintTaskForm, InteractionFields):
    """Step 4: tell the customer UTAR's resolution; satisfied → the case ends;
    not → the disagreement goes back to UTAR (step 5)."""

    accepted = forms.TypedChoiceField(
        label=gettext_lazy("Is the customer satisfied with the resolution?"),
        choices=[
            ("yes", gettext_lazy("Yes, the customer accepts it")),
            ("no", gettext_lazy("No, the customer disagrees")),
        ],
        coerce=YES_NO.get,
        widget=forms.RadioSelect,
    )
    disagreement = forms.CharField(
        label=gettext_lazy("Why the customer disagrees (goes to UTAR)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        required=False,
    )

    field_order = ["accepted", "disagreement"]
    # What clean() asks for when the customer disagrees (engine/form_schema.py).
    required_when = {"disagreement": {"accepted": ["no"]}}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        complaint = self.complaint
        if complaint is not None and complaint.resolution:
            self.fields["accepted"].help_text = _(
                "UTAR's resolution of complaint %(number)s (%(day)s): %(resolution)s"
            ) % {
                "number": complaint.number,
                "day": f"{timezone.localtime(complaint.resolved_at):%d/%m/%Y}",
                "resolution": complaint.resolution,
            }

    def clean(self):
        cleaned = super().clean()
        complaint = self.complaint
        if complaint is None or complaint.state != ComplaintState.RESOLVED:
            raise ValidationError(_("The complaint has no resolution from UTAR yet."))
        if cleaned.get("accepted") is False and not (cleaned.get("disagreement") or "").strip():
            self.add_error("disagreement", _("Write why the customer disagrees: UTAR reads it."))
        return cleaned


@registry.register_form("f/ask_urgency")
class AskUrgency(ComplaintTaskForm, InteractionFields):
    """Step 6: the complaint is still at UTAR; ask UTAR to resolve it urgently
    (an e-mail on completing) and tell the customer they will be called."""

    urgency_note = forms.CharField(
        label=gettext_lazy("Note for UTAR (optional)"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        required=False,
    )

    field_order = ["urgency_note"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        complaint = self.complaint
        if complaint is not None:
            self.fields["urgency_note"].help_text = _(
                "Complaint %(number)s, registered on %(day)s, is %(state)s."
            ) % {
                "number": complaint.number,
                "day": f"{timezone.localtime(complaint.created_at):%d/%m/%Y}",
                "state": complaint.get_state_display().lower(),
            }
