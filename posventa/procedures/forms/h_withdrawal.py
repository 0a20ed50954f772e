"""Procedure H, product withdrawal: the forms of its user tasks."""

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from posventa.billing.models import Invoice
from posventa.catalog.selectors import device_tariff
from posventa.common.money import format_bs
from posventa.engine.registry import registry
from posventa.inventory.models import BILLABLE_CONDITIONS, ReturnCondition
from posventa.inventory.selectors import equipment_return_charges
from posventa.procedures.forms.common import CaseTaskForm, InteractionFields, RequirementsFields
from posventa.procedures.forms.equipment_return import EquipmentReturnFields
from posventa.procedures.h_withdrawal import request_date_of
from posventa.workorders.models import WorkOrder
from posventa.workorders.rules import closing_states

YES_NO = {"yes": True, "no": False}


def _yes_no(label, yes, no) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label,
        choices=[("yes", yes), ("no", no)],
        coerce=YES_NO.get,
        widget=forms.RadioSelect,
    )


class WithdrawalForm(CaseTaskForm):
    """A task on the product to withdraw: the case must name one."""

    @property
    def product(self):
        case = self.case
        return case.product if case is not None else None

    def clean(self):
        cleaned = super().clean()
        if self.product is None:
            raise ValidationError(_("The case names no product."))
        return cleaned


@registry.register_form("h/receive_request")
class ReceiveRequest(WithdrawalForm):
    """Step 1: the withdrawal request and the cause the customer gives."""

    cause = forms.CharField(
        label=_("Cause of the withdrawal given by the customer"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
    )

    def clean_cause(self):
        cause = " ".join(self.cleaned_data["cause"].split())
        if not cause:
            raise ValidationError(_("Write the cause the customer gives."))
        return cause


@registry.register_form("h/review_history")
class ReviewHistory(WithdrawalForm):
    """Step 2: the executive reviewed the history in numbers and the contract."""

    history_reviewed = forms.BooleanField(
        label=_("I reviewed the customer's damages, complaints, interactions and the contract")
    )
    history_note = forms.CharField(
        label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}), max_length=1000, required=False
    )


@registry.register_form("h/negotiate_retention")
class NegotiateRetention(WithdrawalForm, InteractionFields):
    """Step 3: retention by the retention policy; the customer stays or not."""

    calls_customer = True

    stays = _yes_no(
        _("Does the customer stay?"),
        _("Yes, the customer keeps the product"),
        _("No, the customer goes on with the withdrawal"),
    )


@registry.register_form("h/check_requirements")
class CheckRequirements(WithdrawalForm, RequirementsFields):
    """Step 4: the signed letter stating the cause, and the other documents."""


@registry.register_form("h/tell_not_met")
class TellNotMet(WithdrawalForm, InteractionFields):
    """Step 15: the requirements and the contract's terms are not met."""


@registry.register_form("h/offer_penalty")
class OfferPenalty(WithdrawalForm, InteractionFields):
    """Step 5: the customer accepts the early-termination penalty or not."""

    accepts_penalty = _yes_no(
        _("Does the customer accept to pay the early-termination penalty?"),
        _("Yes, it is charged to the final invoice"),
        _("No, the customer keeps the product"),
    )


@registry.register_form("h/review_contract")
class ReviewContract(WithdrawalForm):
    """Step 6: the commercial manager reviews the contract, promotions and
    installation date."""

    contract_reviewed = forms.BooleanField(
        label=_("I reviewed the contract, the promotions and the installation date")
    )
    promotions_note = forms.CharField(
        label=_("Promotions or clauses to note"), max_length=500, required=False
    )


@registry.register_form("h/enter_withdrawal")
class EnterWithdrawal(WithdrawalForm):
    """Step 7: the withdrawal entered, the order request printed with the final invoice."""

    final_invoice_checked = forms.BooleanField(
        label=_("The final invoice shown is right; print the order request")
    )


class EquipmentForm(WithdrawalForm):
    def equipment(self):
        product = self.product
        return list(product.equipment.all()) if product is not None else []


@registry.register_form("h/check_equipment")
class CheckEquipment(EquipmentForm, EquipmentReturnFields):
    """Step 8: how each device came back at the office (those not settled
    yet): complete, incomplete with the parts it lacks, damaged, not returned."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.pending = [e for e in self.equipment() if not e.return_settled]
        self.add_return_fields(self.pending)

    def clean(self):
        cleaned = super().clean()
        self.clean_returns(cleaned)
        return cleaned

    def task_data(self) -> dict:
        return self.return_data()


@registry.register_form("h/bill_equipment")
class BillEquipment(EquipmentForm):
    """Step 13: what each device owes, billed to the customer. The parts an
    incomplete device lacks are charged at their tariffs; a damaged or missing
    device at the amount given here, its tariff proposed."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.to_bill = [
            e
            for e in self.equipment()
            if e.return_condition in BILLABLE_CONDITIONS and e.billed_on is None
        ]
        self.part_lines = []
        for equipment in self.to_bill:
            if equipment.return_condition == ReturnCondition.INCOMPLETE:
                self.part_lines += equipment_return_charges(equipment)
                continue
            tariff = device_tariff(equipment.kind)
            self.fields[f"amount_{equipment.pk}"] = forms.DecimalField(
                label=_("%(equipment)s (%(condition)s), amount in Bs")
                % {
                    "equipment": equipment,
                    "condition": equipment.get_return_condition_display(),
                },
                min_value=Decimal("0.01"),
                max_digits=10,
                decimal_places=2,
                initial=tariff.amount if tariff is not None and tariff.amount > 0 else None,
                help_text=(
                    _("The device's tariff: %(amount)s.") % {"amount": format_bs(tariff.amount)}
                    if tariff is not None
                    else _("The tariff table has no price for this device.")
                ),
            )
        if self.part_lines:
            self.fields["parts_charged"] = forms.BooleanField(
                label=_("Charge the missing parts at their tariff: %(lines)s")
                % {
                    "lines": "; ".join(
                        f"{line.concept} = {format_bs(line.amount)}" for line in self.part_lines
                    )
                }
            )

    def task_data(self) -> dict:
        return {
            "equipment_amounts": {
                e.serial: str(self.cleaned_data[f"amount_{e.pk}"])
                for e in self.to_bill
                if f"amount_{e.pk}" in self.fields
            }
        }


class ClosureRequestChannel(models.TextChoices):
    """How the commercial manager asked the areas to close the orders (10.1)."""

    WHATSAPP_GROUP = "whatsapp_group", _("The work orders' WhatsApp group")
    EMAIL = "email", _("E-mail")
    PHONE = "phone", _("Phone call")
    IN_PERSON = "in_person", _("In person")


# As the technical manager's step reads it: in the process's data, in Spanish
# as the other texts of the instructions (kept as they were shown).
CLOSURE_REQUEST_TEXT = {
    ClosureRequestChannel.WHATSAPP_GROUP: "grupo de WhatsApp de las órdenes de trabajo",
    ClosureRequestChannel.EMAIL: "correo electrónico",
    ClosureRequestChannel.PHONE: "llamada",
    ClosureRequestChannel.IN_PERSON: "en persona",
}


@registry.register_form("h/coordinate_closure")
class CoordinateClosure(WithdrawalForm):
    """Step 10: the commercial manager coordinates with the areas the closure
    of the product's pending work orders (10.1: through the WhatsApp group).
    The technical manager, who alone closes work orders, closes them next."""

    closure_requested_via = forms.ChoiceField(
        label=_("Closure requested through"),
        choices=ClosureRequestChannel.choices,
        initial=ClosureRequestChannel.WHATSAPP_GROUP,
    )
    closure_requested_to = forms.CharField(label=_("Requested to (area or person)"), max_length=200)

    def clean_closure_requested_to(self):
        to = " ".join(self.cleaned_data["closure_requested_to"].split())
        if not to:
            raise ValidationError(_("Say which area or person was asked."))
        return to

    def task_data(self) -> dict:
        data = super().task_data()
        via = CLOSURE_REQUEST_TEXT[data["closure_requested_via"]]
        data["closure_request"] = f"{via}: {data['closure_requested_to']}"
        return data


@registry.register_form("h/close_work_orders")
class CloseWorkOrders(WithdrawalForm):
    """Step 10: the technical manager closes the product's pending work orders."""

    closing_result = forms.CharField(
        label=_("What was done with the pending orders"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=1000,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        product = self.product
        self.orders = (
            list(WorkOrder.objects.open().filter(product=product).order_by("number"))
            if product is not None
            else []
        )
        for order in self.orders:
            states = closing_states(kind=order.kind, state=order.state)
            labels = dict(order._meta.get_field("state").choices)
            self.fields[f"state_{order.pk}"] = forms.ChoiceField(
                label=f"{order.number} · {order.get_kind_display()} · {order.get_state_display()}",
                choices=[(s, labels[s]) for s in states],
                required=False,
                widget=forms.RadioSelect,
            )

    @property
    def also_required(self) -> list[str]:
        # clean() asks how each pending order ends (engine/form_schema.py).
        return [f"state_{order.pk}" for order in self.orders]

    def clean(self):
        cleaned = super().clean()
        for order in self.orders:
            name = f"state_{order.pk}"
            if not closing_states(kind=order.kind, state=order.state):
                self.add_error(
                    name,
                    _(
                        "Work order %(number)s is still registered: assign it to a field unit "
                        "in Work orders first."
                    )
                    % {"number": order.number},
                )
            elif not cleaned.get(name) and name not in self.errors:
                self.add_error(name, _("Say how this order ends."))
        return cleaned

    def task_data(self) -> dict:
        return {
            "work_order_closings": {
                order.number: self.cleaned_data[f"state_{order.pk}"] for order in self.orders
            },
            "closing_result": " ".join(self.cleaned_data["closing_result"].split()),
        }


@registry.register_form("h/receive_equipment")
class ReceiveEquipment(WithdrawalForm):
    """Steps 11–12: the equipment and accessories received, the work orders
    legalised with the reception, missing accessories noted for the warehouse."""

    reception_legalised = forms.BooleanField(
        label=_("The equipment received is recorded and the work orders are legalised with it")
    )
    warehouse_note = forms.CharField(
        label=_("Missing accessories, for the warehouse"), max_length=500, required=False
    )


@registry.register_form("h/hand_to_warehouse")
class HandToWarehouse(WithdrawalForm):
    """Step 14: the equipment handed to the warehouse; the product ends withdrawn."""

    warehouse_received_by = forms.CharField(label=_("Received at the warehouse by"), max_length=150)

    def clean_warehouse_received_by(self):
        name = " ".join(self.cleaned_data["warehouse_received_by"].split())
        if not name:
            raise ValidationError(_("Say who received it at the warehouse."))
        return name

    def clean(self):
        cleaned = super().clean()
        case, product = self.case, self.product
        if case is not None and product is not None:
            period = request_date_of(case).replace(day=1)
            if Invoice.objects.filter(product=product, period=period).exists():
                raise ValidationError(
                    _(
                        "The invoice of %(month)s is already issued: the final invoice cannot "
                        "be issued. Ask Billing to annul it, then complete this step."
                    )
                    % {"month": period.strftime("%m/%Y")}
                )
        return cleaned
