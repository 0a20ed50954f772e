"""Procedure K, preventive technical review: the forms of its user tasks."""

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from posventa.catalog.models import ProductTypeCode, Technology
from posventa.engine.registry import registry
from posventa.procedures.forms.common import CaseTaskForm, InteractionFields
from posventa.procedures.forms.e_damage import RemoteDiagnosis
from posventa.reviews.models import ItemKind
from posventa.reviews.selectors import OFFERABLE
from posventa.reviews.services import fiber_at


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
    excess-cable charge in the observations."""

    customer_accepted_charge = forms.BooleanField(
        label=_("The customer accepted paying the excess cable"), required=False
    )
    migration_observations = forms.CharField(
        label=_("Observations"), max_length=150, widget=forms.Textarea(attrs={"rows": 2})
    )

    def clean(self):
        cleaned = super().clean()
        product = self.case.product if self.case else None
        if product is None:
            raise ValidationError(_("The case names no product."))
        if product.technology != Technology.COPPER:
            raise ValidationError(_("The product is no longer on copper."))
        if Technology.FIBER not in fiber_at(product).available:
            raise ValidationError(
                _("The network has no fiber with free ports at this address any more: %(summary)s")
                % {"summary": fiber_at(product).summary()}
            )
        amount = self.variables.get("excess_cable_amount") or "0"
        if Decimal(amount) > 0 and not cleaned.get("customer_accepted_charge"):
            self.add_error(
                "customer_accepted_charge",
                _("Note that the customer accepted the excess-cable charge of Bs %(amount)s.")
                % {"amount": amount},
            )
        return cleaned


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


@registry.register_form("k/fix_with_customer")
class FixWithCustomer(CaseTaskForm, InteractionFields):
    """Step 7: the fix done with the customer until conformity."""

    customer_conform = _yes_no(
        _("Does the customer confirm the service works?"),
        _("Yes: the review ends"),
        _("No: register the damage (procedure E)"),
    )
    field_order = ["customer_conform"]
