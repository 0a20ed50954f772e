"""Procedure K, preventive technical review: the forms of its user tasks."""

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from posventa.catalog.models import ProductTypeCode, Technology
from posventa.common.money import format_amount
from posventa.engine.registry import registry
from posventa.procedures.forms.common import CaseTaskForm, InteractionFields
from posventa.procedures.forms.e_damage import RegisterDamageFound, RemoteDiagnosis
from posventa.reviews.models import ItemKind
from posventa.reviews.selectors import OFFERABLE
from posventa.reviews.services import fiber_at, migration_errors
from posventa.workorders.models import WorkOrder


def _yes(value) -> bool:
    return value == "yes"


def _yes_no(label, yes, no) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label, choices=[("yes", yes), ("no", no)], coerce=_yes, widget=forms.RadioSelect
    )


@registry.register_form("k/review_customer")
class ReviewCustomer(CaseTaskForm):
    """Steps 1 and 2: the analyst checks the customer's services, technology
    and damages, and decides the branch (the review item proposes it)."""

    finding = forms.ChoiceField(
        label=_("What does the review find?"),
        choices=[
            (ItemKind.OPPORTUNITY, _("Another product can be sold")),
            (ItemKind.MIGRATION, _("The product can migrate to fiber")),
            (ItemKind.SERVICE, _("The service may have problems")),
        ],
        widget=forms.RadioSelect,
    )
    offered_type = forms.ChoiceField(
        label=_("Product to offer"),
        choices=[("", "—"), *[(c.value, c.label) for c in OFFERABLE]],
        required=False,
    )
    review_note = forms.CharField(
        label=_("Note for the executive"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        item = getattr(self.case, "review_item", None) if self.case else None
        self.item = item
        if item is not None and not self.is_bound:
            self.initial.update(
                finding=item.kind, offered_type=item.offered_type, review_note=item.detail
            )

    def clean(self):
        cleaned = super().clean()
        product = self.case.product if self.case else None
        if product is None:
            raise ValidationError(_("The case names no product."))
        finding = cleaned.get("finding")
        if finding == ItemKind.OPPORTUNITY and not cleaned.get("offered_type"):
            self.add_error("offered_type", _("Choose the product to offer."))
        if finding == ItemKind.MIGRATION and product.technology != Technology.COPPER:
            self.add_error("finding", _("Only a product on copper migrates to fiber."))
        return cleaned

    def task_data(self) -> dict:
        data = super().task_data()
        offered = self.cleaned_data.get("offered_type")
        data["offered_label"] = str(ProductTypeCode(offered).label) if offered else ""
        return data


@registry.register_form("k/send_proposal")
class SendProposal(CaseTaskForm, InteractionFields):
    """Step 11: the commercial proposal and the customer's answer."""

    wants_it = _yes_no(
        _("Does the customer want the product?"),
        _("Yes: the sale goes to the sales team"),
        _("No: the review ends"),
    )
    field_order = ["wants_it"]


@registry.register_form("k/verify_feasibility")
class VerifyFeasibility(CaseTaskForm):
    """Step 4: technical feasibility of fiber at the address, and the excess
    cable if any."""

    feasible = _yes_no(
        _("Is the migration to fiber feasible?"),
        _("Yes: send the migration offer"),
        _("No: check the internet service instead"),
    )
    excess_cable_metres = forms.DecimalField(
        label=_("Excess cable (metres)"),
        min_value=Decimal("0"),
        max_value=Decimal("5000"),
        decimal_places=2,
        initial=Decimal("0"),
        help_text=_("0 when the drop needs no extra cable."),
    )

    def clean(self):
        cleaned = super().clean()
        product = self.case.product if self.case else None
        if product is None:
            raise ValidationError(_("The case names no product."))
        network = fiber_at(product)
        if cleaned.get("feasible") and Technology.FIBER not in network.available:
            self.add_error(
                "feasible",
                _("The network has no fiber with free ports at this address: %(summary)s")
                % {"summary": network.summary()},
            )
        return cleaned

    def task_data(self) -> dict:
        data = super().task_data()
        data["excess_cable_metres"] = str(self.cleaned_data["excess_cable_metres"])
        return data


@registry.register_form("k/migration_offer")
class MigrationOffer(CaseTaskForm, InteractionFields):
    """Step 12: the migration offer with the excess-cable cost on the month's invoice."""

    offer_accepted = _yes_no(
        _("Does the customer accept the migration and its excess-cable charge?"),
        _("Yes: to the commercial manager"),
        _("No: the review ends"),
    )
    field_order = ["offer_accepted"]


@registry.register_form("k/enter_migration")
class EnterMigration(CaseTaskForm):
    """Step 15: the migration entered, with the customer's acceptance of the
    excess-cable charge in the observations. Entering it issues the fiber's
    installation work order; the product switches when that order closes."""

    customer_accepted_charge = forms.BooleanField(
        label=_("The customer accepted paying the excess cable"), required=False
    )
    migration_observations = forms.CharField(
        label=_("Observations"), max_length=150, widget=forms.Textarea(attrs={"rows": 2})
    )

    @property
    def also_required(self) -> list[str]:
        # clean() asks for it when the review found excess cable to charge
        # (engine/form_schema.py).
        amount = self.variables.get("excess_cable_amount") or "0"
        return ["customer_accepted_charge"] if Decimal(amount) > 0 else []

    def clean(self):
        cleaned = super().clean()
        product = self.case.product if self.case else None
        if product is None:
            raise ValidationError(_("The case names no product."))
        errors = migration_errors(product)
        if errors:
            raise ValidationError(errors)
        amount = self.variables.get("excess_cable_amount") or "0"
        if Decimal(amount) > 0 and not cleaned.get("customer_accepted_charge"):
            self.add_error(
                "customer_accepted_charge",
                _("Note that the customer accepted the excess-cable charge of Bs %(amount)s.")
                % {"amount": format_amount(amount)},
            )
        return cleaned


def installation_story(variables: dict) -> str:
    """Why the migration came back to the commercial manager: the
    installation order's closing, or the product changed meanwhile."""
    migration = variables.get("migration") or {}
    closing = variables.get("installation_result") or {}
    number = variables.get("installation_order_id", "")
    order = WorkOrder.objects.filter(number=number).first() if number else None
    if migration and not migration.get("migrated") and migration.get("reason"):
        return _(
            "Work order %(number)s installed the fiber, but the product did not switch: %(reason)s"
        ) % {"number": number, "reason": migration["reason"]}
    state = order.get_state_display() if order else closing.get("state_label", "")
    result = order.result if order else closing.get("result", "")
    return _("Work order %(number)s closed as “%(state)s”: %(result)s") % {
        "number": number,
        "state": state,
        "result": result,
    }


@registry.register_form("k/installation_failed")
class InstallationFailed(CaseTaskForm):
    """The fiber was not installed (or the product changed meanwhile): the
    commercial manager issues another installation order, or the migration
    is not done — the product stays as it is and nothing is charged."""

    install_again = _yes_no(
        _("What now?"),
        _("Issue another installation work order"),
        _("The migration is not done: the customer is told"),
    )
    not_migrated_reason = forms.CharField(
        label=_("Why the migration is not done (for the executive and the customer)"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.task is not None:
            self.fields["install_again"].help_text = installation_story(self.variables)

    def clean(self):
        cleaned = super().clean()
        product = self.case.product if self.case else None
        if product is None:
            raise ValidationError(_("The case names no product."))
        again = cleaned.get("install_again")
        if again:
            errors = migration_errors(product)
            if errors:
                self.add_error("install_again", errors)
        elif again is False and not (cleaned.get("not_migrated_reason") or "").strip():
            self.add_error("not_migrated_reason", _("Say why the migration is not done."))
        return cleaned


@registry.register_form("k/tell_not_migrated")
class TellNotMigrated(CaseTaskForm, InteractionFields):
    """The executive tells the customer the migration is not done."""


@registry.register_form("k/check_internet")
class CheckInternet(CaseTaskForm, InteractionFields):
    """Step 5: does the internet service have problems?"""

    has_problems = _yes_no(
        _("Does the internet service have problems?"),
        _("Yes: diagnose it"),
        _("No: note it and end"),
    )
    field_order = ["has_problems"]


@registry.register_form("k/diagnose")
class Diagnose(RemoteDiagnosis):
    """Step 6: the diagnosis (outages, no service, wifi, speed against the
    plan), kept as a diagnosis record of the product."""


# Step 7's ways on: conform (the review ends), the executive contacts the
# customer first (7.1, back to the analyst afterwards), not conform (step 8).
CONFORM, ASK_EXECUTIVE, NOT_CONFORM = "yes", "executive", "no"


@registry.register_form("k/fix_with_customer")
class FixWithCustomer(CaseTaskForm, InteractionFields):
    """Step 7: the fix done with the customer until conformity (7.2: the
    interaction). Step 7.1: if it is for the executive to speak to the
    customer, the analyst hands the contact over and the step comes back to
    her with what the customer said (no interaction for the hand-over)."""

    calls_customer = True

    customer_conform = forms.ChoiceField(
        label=_("Does the customer confirm the service works?"),
        choices=[
            (CONFORM, _("Yes: the review ends")),
            (ASK_EXECUTIVE, _("The executive must contact the customer first (step 7.1)")),
            (NOT_CONFORM, _("No: you register the damage (step 8)")),
        ],
        widget=forms.RadioSelect,
    )
    contact_request = forms.CharField(
        label=_("What the executive should tell or ask the customer"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Only when the executive contacts the customer."),
    )
    field_order = ["customer_conform", "contact_request"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Only a contact with the customer is an interaction (not the hand-over).
        self.fields["interaction_summary"].required = False
        self.fields["interaction_channel"].required = False
        variables = self.variables
        if variables.get("customer_contact_summary"):
            # Back from the executive (step 7.1): what the customer said.
            text = (
                _("The executive reached the customer: %(summary)s")
                if variables.get("customer_reached")
                else _("The executive could not reach the customer: %(summary)s")
            )
            self.fields["customer_conform"].help_text = text % {
                "summary": variables["customer_contact_summary"]
            }
        self.order_fields(self.field_order)

    def clean(self):
        cleaned = super().clean()
        way = cleaned.get("customer_conform")
        if way == ASK_EXECUTIVE and not (cleaned.get("contact_request") or "").strip():
            self.add_error(
                "contact_request", _("Say what the executive should tell or ask the customer.")
            )
        if way in (CONFORM, NOT_CONFORM):
            if not (cleaned.get("interaction_summary") or "").strip():
                self.add_error("interaction_summary", _("Say what was done with the customer."))
            if not cleaned.get("interaction_channel"):
                self.add_error("interaction_channel", _("This field is required."))
        return cleaned

    def task_data(self) -> dict:
        data = super().task_data()
        way = data.get("customer_conform")
        data["customer_conform"] = way == CONFORM
        data["ask_executive"] = way == ASK_EXECUTIVE
        if data["ask_executive"]:
            # Handed over: the customer was not spoken to, so no interaction.
            data.pop("interaction_summary", None)
            data.pop("interaction_channel", None)
            data["contact_request"] = " ".join(data["contact_request"].split())
        return data


@registry.register_form("k/register_damage")
class RegisterDamage(RegisterDamageFound):
    """Step 8: the analyst registers the damage herself, once, with her
    diagnosis of step 6 carried in (the damage's description starts as it);
    the next service task registers the order and E, called with
    `damage_registered`, goes to the technical manager's prioritisation."""
