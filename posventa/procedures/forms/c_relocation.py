"""Procedure C, product relocation: the forms of its user tasks.

The process variables they leave (read by the model's gateways and actions):
new_address / new_zone / new_neighbourhood, contact_name / contact_phone,
wants_fiber (step 1); feasible, new_technology, technology_change,
requirements_met (step 2); new_service_number, new_plan (step 5);
equipment_conditions / equipment_missing_parts / equipment_notes,
equipment_charges (step 4, the old product's equipment returned);
installation_product_id, installation_notes (step 8).
"""

from functools import cached_property

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from posventa.catalog.models import Plan, Technology
from posventa.common.forms import BoundedForm
from posventa.common.money import format_bs
from posventa.engine.registry import registry
from posventa.integrations import feasibility
from posventa.integrations.handback import equipment_received_hand_back
from posventa.inventory.models import BILLABLE_CONDITIONS, Product, ReturnCondition
from posventa.inventory.selectors import equipment_return_charges
from posventa.inventory.services import (
    equipment_return_bill,
    equipment_return_check,
    is_same_place,
)
from posventa.procedures.forms.common import CaseTaskForm, InteractionFields, RequirementsFields
from posventa.procedures.forms.documents import NeedsDocuments
from posventa.procedures.forms.equipment_return import EquipmentReturnFields

# The commercial manager's answer when the network cannot serve the new address.
NOT_FEASIBLE = "none"


class RelocationForm(CaseTaskForm):
    """A step of C: the process variables are read once per form."""

    @cached_property
    def variables(self) -> dict:
        return CaseTaskForm.variables.fget(self)


def preferred_technology(*, current: str, available: list[str], wants_fiber: bool) -> str:
    """What to offer first at the new address: fiber when the customer asked
    for it and it is there, else the product's own technology, else the other
    one (a technology change the customer needs), else no feasibility."""
    if wants_fiber and Technology.FIBER in available:
        return Technology.FIBER
    if current in available:
        return current
    return available[0] if available else NOT_FEASIBLE


class NewAddressFields(BoundedForm):
    new_address = forms.CharField(label=gettext_lazy("New installation address"), max_length=250)
    new_zone = forms.CharField(label=gettext_lazy("Zone"), max_length=100)
    new_neighbourhood = forms.CharField(label=gettext_lazy("Neighbourhood"), max_length=100)

    def clean(self):
        cleaned = super().clean()
        for name in ("new_address", "new_zone", "new_neighbourhood"):
            if cleaned.get(name):
                cleaned[name] = " ".join(cleaned[name].split())
        return cleaned

    def new_place(self) -> tuple[str, str, str] | None:
        """(address, zone, neighbourhood) once all three are valid."""
        place = tuple(
            self.cleaned_data.get(n) for n in ("new_address", "new_zone", "new_neighbourhood")
        )
        return place if all(place) else None


@registry.register_form("c/receive_request")
class ReceiveRequest(RelocationForm, NewAddressFields):
    """Step 1: where the customer moves the product, and whom the field unit
    calls there."""

    contact_name = forms.CharField(label=gettext_lazy("Contact at the new address"), max_length=150)
    contact_phone = forms.CharField(label=gettext_lazy("Contact's phone"), max_length=30)
    wants_fiber = forms.BooleanField(
        label=gettext_lazy("The customer wants fiber if the new address has it"), required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        case = self.case
        if case is not None and not self.is_bound:
            contact = case.company.contacts.order_by("-is_primary", "name").first()
            if contact is not None:
                self.initial.update(
                    contact_name=contact.name, contact_phone=contact.phone or contact.whatsapp
                )
        if case is not None and case.product is not None:
            product = case.product
            self.fields["new_address"].help_text = _("Installed today at: %(address)s") % {
                "address": ", ".join(
                    p
                    for p in (product.installation_address, product.neighbourhood, product.zone)
                    if p
                )
            }
            if product.technology == Technology.FIBER:
                del self.fields["wants_fiber"]  # already on fiber

    def clean(self):
        cleaned = super().clean()
        product = self.case.product if self.case else None
        if product is None:
            raise ValidationError(_("The case names no product to relocate."))
        place = self.new_place()
        if place and is_same_place(product, *place):
            self.add_error("new_address", _("The product is already installed at this address."))
        return cleaned

    def task_data(self) -> dict:
        data = super().task_data()
        data.setdefault("wants_fiber", False)
        return data


def _technology_label(technology: str) -> str:
    return str(Technology(technology).label) if technology in Technology.values else technology


@registry.register_form("c/check_feasibility")
class CheckFeasibility(RelocationForm, RequirementsFields):
    """Step 2: the network at the new address (as the feasibility check found
    it) and the requirements. The commercial manager decides on which
    technology the product goes there, or that there is no feasibility."""

    new_technology = forms.ChoiceField(
        label=gettext_lazy("Technology at the new address"), widget=forms.RadioSelect, choices=()
    )

    field_order = ["new_technology"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        found = self.variables.get("feasibility") or {}
        self.available = list(found.get("available") or [])
        ports = found.get("spare_ports") or {}
        choices = [
            (
                technology,
                _("%(technology)s (%(ports)s free ports)")
                % {"technology": _technology_label(technology), "ports": ports.get(technology)},
            )
            for technology in self.available
        ]
        choices.append(
            (NOT_FEASIBLE, _("No feasibility: the network cannot serve the new address"))
        )
        field = self.fields["new_technology"]
        field.choices = choices
        field.help_text = found.get("summary", "")
        product = self.case.product if self.case else None
        if product is not None and not self.is_bound:
            self.initial["new_technology"] = preferred_technology(
                current=product.technology,
                available=self.available,
                wants_fiber=bool(self.variables.get("wants_fiber")),
            )
        self.order_fields(self.field_order)

    def task_data(self) -> dict:
        data = super().task_data()
        product = self.case.product
        chosen = data["new_technology"]
        data["feasible"] = chosen != NOT_FEASIBLE
        data["technology_change"] = data["feasible"] and chosen != product.technology
        data["feasibility_summary"] = self.fields["new_technology"].help_text
        return data


@registry.register_form("c/tell_not_feasible")
class TellNotFeasible(RelocationForm, InteractionFields):
    """Step 10: the executive tells the customer the network cannot serve the
    new address."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            variables = self.variables
            self.initial["interaction_summary"] = _(
                "The customer was told there is no technical feasibility at %(address)s. "
                "%(summary)s"
            ) % {
                "address": variables.get("new_address", ""),
                "summary": variables.get("feasibility_summary", ""),
            }


class EntryForm(RelocationForm, NewAddressFields):
    """The commercial manager enters the relocation in the commercial system:
    the new address as entered, checked against the network once more for the
    technology the product will use there (the ports may have gone meanwhile)."""

    def technology(self) -> str:
        return self.variables.get("new_technology", "")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            variables = self.variables
            for name in ("new_address", "new_zone", "new_neighbourhood"):
                self.initial[name] = variables.get(name, "")

    def clean(self):
        cleaned = super().clean()
        product = self.case.product if self.case else None
        if product is None:
            raise ValidationError(_("The case names no product to relocate."))
        place = self.new_place()
        if place is None:
            return cleaned
        technology = self.technology()
        network = feasibility.check(address=place[0], zone=place[1], neighbourhood=place[2])
        if technology not in network.available:
            self.add_error(
                "new_neighbourhood",
                _("The network has no free %(technology)s port there any more: %(summary)s")
                % {
                    "technology": _technology_label(technology).lower(),
                    "summary": network.summary(),
                },
            )
        return cleaned


@registry.register_form("c/enter_relocation")
class EnterRelocation(EntryForm):
    """Step 6: the same product, on the same technology, at the new address.
    The system changes the product's address, charges the relocation fee to
    its next invoice and prints the order request."""

    def clean(self):
        cleaned = super().clean()
        product = self.case.product
        place = self.new_place()
        if place and is_same_place(product, *place):
            self.add_error("new_address", _("The product is already installed at this address."))
        return cleaned


class PlanChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, plan):
        return f"{plan.name} — {format_bs(plan.monthly_price)}"


@registry.register_form("c/enter_technology_change")
class EnterTechnologyChange(EntryForm):
    """Steps 4 and 5: the old product is withdrawn and the new one, on the new
    technology at the new address, is entered — both in one step, so the
    customer is never left with the old one withdrawn and no new one. The
    system charges the relocation fee to the new product's next invoice."""

    new_service_number = forms.CharField(
        label=gettext_lazy("Service number of the new product"), max_length=32
    )
    new_plan = PlanChoiceField(label=gettext_lazy("Plan"), queryset=Plan.objects.none())
    confirm_withdrawal = forms.BooleanField(label=gettext_lazy("Withdraw the old product"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        product = self.case.product if self.case else None
        if product is None:
            return
        self.fields["new_plan"].queryset = Plan.objects.filter(
            is_active=True, product_type_id=product.plan.product_type_id
        ).order_by("monthly_price")
        if not self.is_bound and product.plan.is_active:
            self.initial["new_plan"] = product.plan_id
        equipment = [str(e) for e in product.equipment.filter(returned_on__isnull=True)]
        self.fields["confirm_withdrawal"].label = _(
            "Withdraw product %(number)s (%(technology)s)"
        ) % {
            "number": product.service_number,
            "technology": product.get_technology_display().lower(),
        }
        self.fields["confirm_withdrawal"].help_text = (
            _("The customer returns at the office: %(equipment)s.")
            % {"equipment": ", ".join(equipment)}
            if equipment
            else _("No equipment to return.")
        )
        self.fields["new_service_number"].help_text = _(
            "As the commercial system gives it; the new product is on %(technology)s."
        ) % {"technology": _technology_label(self.technology()).lower()}

    def clean_new_service_number(self):
        number = self.cleaned_data["new_service_number"].strip()
        if Product.objects.filter(service_number=number).exists():
            raise ValidationError(
                _("Service number %(number)s is already in use.") % {"number": number}
            )
        return number


@registry.register_form("c/equipment_return")
class EquipmentReturn(RelocationForm, InteractionFields, EquipmentReturnFields):
    """Step 4: the executive tells the customer to return the old product's
    equipment at the office, and records how each device came back — or
    leaves it with the customer, to be returned later. What an incomplete,
    damaged or missing device owes goes on the new product's next invoice
    (the old one is withdrawn) and into the step's interaction."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        product = self.case.product if self.case else None
        devices = [e for e in product.equipment.all() if not e.return_settled] if product else []
        self.add_return_fields(devices, optional=True)
        self.charges = {}
        if not self.is_bound:
            withdrawal = self.variables.get("withdrawal") or {}
            equipment = ", ".join(withdrawal.get("equipment") or []) or _("no equipment")
            self.initial["interaction_summary"] = _(
                "Product %(number)s was withdrawn; the customer was asked to return at the "
                "office: %(equipment)s."
            ) % {"number": withdrawal.get("service_number", ""), "equipment": equipment}

    def new_product(self) -> Product | None:
        """The product that replaced the withdrawn one: its next invoice carries the charges."""
        activation = self.variables.get("activation") or {}
        return Product.objects.filter(pk=activation.get("product_id")).first()

    def clean(self):
        cleaned = super().clean()
        self.clean_returns(cleaned)
        for device in self.returning:
            name = f"condition_{device.pk}"
            if name in self.errors or not cleaned.get(name):
                continue
            try:
                self.charges[device.pk] = equipment_return_charges(
                    device,
                    condition=cleaned[name],
                    missing_parts=self.missing_parts_chosen(device),
                )
            except ValidationError as error:
                self.add_error(name, error.messages)
        if any(self.charges.values()) and self.new_product() is None:
            raise ValidationError(_("The new product to charge the equipment to is not found."))
        return cleaned

    def task_data(self) -> dict:
        data = {
            name: value
            for name, value in super().task_data().items()
            if not name.startswith(("condition_", "parts_", "note_"))
        }
        data.update(self.return_data())
        lines = [line for device in self.returned() for line in self.charges.get(device.pk, [])]
        data["equipment_charges"] = [
            {"concept": line.concept, "amount": str(line.amount)} for line in lines
        ]
        told = data.get("interaction_summary", "")
        data["interaction_summary"] = (told + self._return_summary(lines))[:2000]
        return data

    def _return_summary(self, lines) -> str:
        """The return and its charges, added to what the executive wrote."""
        received = self.returned()
        if not received:
            return ""
        condition = dict(ReturnCondition.choices)
        texts = []
        for device in received:
            text = f"{device} ({condition[self.cleaned_data[f'condition_{device.pk}']]}"
            parts = self.missing_parts_chosen(device)
            if parts:
                text += ": falta " + ", ".join(part.name for part in parts)
            note = " ".join((self.cleaned_data.get(f"note_{device.pk}") or "").split())
            texts.append(text + (f"; {note}" if note else "") + ")")
        summary = " Equipos recibidos: " + "; ".join(texts) + "."
        if lines:
            summary += (
                f" Cargos a la próxima factura del producto {self.new_product().service_number}: "
                + "; ".join(f"{line.concept} = {format_bs(line.amount)}" for line in lines)
                + "."
            )
        still = [str(d) for d in self.returning if d not in received]
        if still:
            summary += " Pendiente de devolución: " + ", ".join(still) + "."
        return summary

    def apply_to_case(self, *, case, user) -> None:
        """Record the return on the devices and bill what they owe (in the
        step's transaction: all of it, or nothing)."""
        received = self.returned()
        if not received:
            return
        returns = self.return_data()
        recorded = equipment_return_check(
            product=case.product,
            conditions=returns["equipment_conditions"],
            notes=returns["equipment_notes"],
            missing_parts=returns["equipment_missing_parts"],
            on=timezone.localdate(),
            all_due=False,
        )
        equipment_received_hand_back(devices=recorded, case=case)
        for device in recorded:
            if device.return_condition in BILLABLE_CONDITIONS:
                equipment_return_bill(equipment=device, charge_to=self.new_product(), user=user)


@registry.register_form("c/verify_entry")
class VerifyEntry(NeedsDocuments, RelocationForm):
    """Step 7: the commercial manager checks the relocation as entered, and
    the order request printed for it (its BPMN task needs that document)."""

    entry_checked = forms.BooleanField(
        label=gettext_lazy(
            "The relocation entered and the order request match the customer's request"
        )
    )
    verification_note = forms.CharField(label=gettext_lazy("Note"), max_length=500, required=False)


@registry.register_form("c/request_installation")
class RequestInstallation(RelocationForm):
    """Step 8: the technical manager asks Resources management for the
    installation; the system registers the work order for the case."""

    installation_notes = forms.CharField(
        label=gettext_lazy("Instructions for the field unit"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def installation_product(self) -> Product | None:
        """The product to install: the new one after a technology change,
        else the case's product at its new address."""
        variables = self.variables
        activation = variables.get("activation") or {}
        product_id = activation.get("product_id") if variables.get("technology_change") else None
        product_id = product_id or variables.get("product_id")
        return Product.objects.select_related("plan__product_type").filter(pk=product_id).first()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.is_bound or self.task is None:
            return
        variables = self.variables
        product = self.installation_product()
        if product is None:
            return
        lines = [
            _("Install %(type)s %(number)s on %(technology)s at %(address)s.")
            % {
                "type": product.plan.product_type.name,
                "number": product.service_number,
                "technology": product.get_technology_display().lower(),
                "address": ", ".join(
                    p
                    for p in (product.installation_address, product.neighbourhood, product.zone)
                    if p
                ),
            },
            _("Contact: %(name)s, %(phone)s.")
            % {
                "name": variables.get("contact_name", ""),
                "phone": variables.get("contact_phone", ""),
            },
        ]
        previous = variables.get("wo_result") or {}
        if previous:
            lines.append(
                _("Previous work order %(number)s: %(result)s")
                % {
                    "number": previous.get("work_order_id", ""),
                    "result": previous.get("result", ""),
                }
            )
        self.initial["installation_notes"] = "\n".join(lines)

    def clean(self):
        cleaned = super().clean()
        if self.installation_product() is None:
            raise ValidationError(_("The case names no product to install."))
        return cleaned

    def task_data(self) -> dict:
        data = super().task_data()
        data["installation_product_id"] = self.installation_product().pk
        return data


@registry.register_form("c/record_installation")
class RecordInstallation(RelocationForm, InteractionFields):
    """Step 9: the technical manager records the installation's result as an
    interaction and returns the case to the executive."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            result = self.variables.get("wo_result") or {}
            self.initial["interaction_summary"] = _(
                "Installation done (work order %(number)s): %(result)s"
            ) % {"number": result.get("work_order_id", ""), "result": result.get("result", "")}
