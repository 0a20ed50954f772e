"""Procedure J, loyalty and retention calls: the form of the call."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from posventa.campaigns.models import CampaignKind
from posventa.engine.registry import registry
from posventa.inventory.models import ProductStatus
from posventa.procedures.forms.common import CaseTaskForm, InteractionFields
from posventa.workorders.selectors import damage_orders_of


@registry.register_form("j/call_customer")
class CallCustomer(CaseTaskForm, InteractionFields):
    """Steps 1–3 (and 11): the executive sees the customer's products and the
    product's last damages, calls, and says whether the customer has a
    problem; without one, the contact data is corrected on the spot."""

    calls_customer = True

    call_result = forms.ChoiceField(
        label=_("How did the call go?"),
        choices=[
            ("no_problem", _("No problem: the services work")),
            ("problem", _("The customer has a problem with the product: register the damage")),
        ],
        widget=forms.RadioSelect,
    )
    contact_name = forms.CharField(label=_("Contact person"), max_length=150, required=False)
    contact_email = forms.EmailField(label=_("E-mail"), required=False)
    contact_whatsapp = forms.CharField(label=_("WhatsApp"), max_length=30, required=False)
    contact_phone = forms.CharField(label=_("Phone"), max_length=30, required=False)
    field_order = [
        "call_result",
        "contact_name",
        "contact_email",
        "contact_whatsapp",
        "contact_phone",
        "interaction_channel",
        "interaction_summary",
    ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        case = self.case
        self.item = getattr(case, "campaign_item", None) if case else None
        self.products = []
        self.damages = []
        if case is None:
            return
        self.products = list(
            case.company.products.exclude(status=ProductStatus.WITHDRAWN).select_related("plan")
        )
        if case.product is not None:
            self.damages = list(damage_orders_of(case.product)[:3])
        if self.item is not None and self.item.campaign.kind == CampaignKind.QUALITY:
            self.fields["call_result"].choices = [
                ("no_problem", _("The customer is satisfied: the service works")),
                ("problem", _("The service still fails: register the damage")),
            ]
        self.fields["call_result"].help_text = self.summary()
        contact = case.company.contacts.filter(is_primary=True).first()
        if contact is not None and not self.is_bound:
            self.initial.update(
                contact_name=contact.name,
                contact_email=contact.email,
                contact_whatsapp=contact.whatsapp,
                contact_phone=contact.phone,
            )

    def summary(self) -> str:
        """Step 1 on the form: the customer's products, and the last damages
        of the product called about."""
        products = "; ".join(f"{p.service_number} ({p.plan.name})" for p in self.products)
        text = _("Products: %(products)s.") % {"products": products or "—"}
        if self.damages:
            last = self.damages[0]
            text += " " + _("Last damage: %(number)s, %(state)s.") % {
                "number": last.number,
                "state": last.get_state_display(),
            }
        else:
            text += " " + str(_("No damage registered on this product."))
        return text

    @property
    def call_kind(self) -> str:
        return self.item.campaign.kind if self.item is not None else CampaignKind.LOYALTY

    def clean(self):
        cleaned = super().clean()
        if self.case is not None and self.item is None:
            raise ValidationError(_("This case is not a call of a campaign."))
        if (
            cleaned.get("call_result") == "no_problem"
            and self.call_kind == CampaignKind.LOYALTY
            and not (cleaned.get("contact_name") or "").strip()
        ):
            self.add_error("contact_name", _("Confirm the customer's contact person."))
        return cleaned

    def task_data(self) -> dict:
        data = super().task_data()
        data["call_kind"] = str(self.call_kind)
        # The damage a call finds is registered by E, called inside this case
        # (step 5): E asks for the report and registers it, then the technical
        # manager prioritises it (5.1).
        data["damage_registered"] = False
        return data
