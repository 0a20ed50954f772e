from django import forms
from django.utils.translation import gettext_lazy as _

from posventa.cases.models import Procedure
from posventa.common.forms import BoundedForm
from posventa.common.models import Channel
from posventa.common.uploads import MultipleUploadField
from posventa.engine.models import ProcessVersion
from posventa.procedures.catalog import PROCESS_IDS, customer_asked, needs_product, products_for
from posventa.procedures.collisions import Collision, open_collisions


def procedures_available():
    """The procedures whose process is deployed, in the manual's order."""
    deployed = set(
        ProcessVersion.objects.filter(process_id__in=PROCESS_IDS.values()).values_list(
            "process_id", flat=True
        )
    )
    return [(code, label) for code, label in Procedure.choices if PROCESS_IDS.get(code) in deployed]


def procedures_a_customer_asks_for():
    """The deployed procedures a customer's request opens: not the team's own
    (collections, loyalty calls, preventive review — `TEAM_INITIATED`), which
    start from the debtors list, a campaign or a review."""
    return [(code, label) for code, label in procedures_available() if customer_asked(code)]


class CaseOpenForm(BoundedForm):
    procedure = forms.ChoiceField(label=_("Procedure"))
    channel = forms.ChoiceField(label=_("Received by"), choices=Channel.choices)
    product = forms.ModelChoiceField(
        label=_("Product concerned"),
        queryset=None,
        required=False,
        empty_label=_("— none in particular —"),
    )
    subject = forms.CharField(label=_("What the customer asks for"), max_length=200)
    description = forms.CharField(
        label=_("Details"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    documents = MultipleUploadField(label=_("Documents received (letter, copies…)"), required=False)

    def __init__(self, *args, company, reload_url: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["procedure"].choices = [
            ("", _("— choose the procedure —")),
            *procedures_a_customer_asks_for(),
        ]
        if reload_url:
            # htmx: choosing a procedure redraws only what depends on it (the
            # product and the open cases it meets, `#procedure-part`);
            # choosing a product, the open cases. What the person typed
            # elsewhere, even while the answer was on its way, stays.
            for name, target in (("procedure", "#procedure-part"), ("product", "#collisions")):
                self.fields[name].widget.attrs.update(
                    {
                        "hx-get": reload_url,
                        "hx-trigger": "change",
                        "hx-target": target,
                        "hx-select": target,
                        "hx-swap": "outerHTML",
                        "hx-include": "closest form",
                    }
                )
        # Only the products the chosen procedure is about (the page reloads
        # this field when the procedure changes).
        procedure = self.data.get("procedure") or self.initial.get("procedure") or ""
        procedure = procedure if isinstance(procedure, str) else ""
        self.fields["product"].queryset = products_for(procedure, company)
        if procedure in dict(self.fields["procedure"].choices) and needs_product(procedure):
            # The procedure is about one product: required, no "none" to pick.
            product = self.fields["product"]
            product.required = True
            product.empty_label = _("— choose the product —")
            product.error_messages["required"] = _("Choose the product the request is about.")
        self.fields["product"].label_from_instance = lambda p: (
            f"{p.plan.product_type.name} · {p.service_number} · {p.plan.name}"
        )
        chosen = str(self.data.get("product") or self.initial.get("product") or "")
        product = (
            self.fields["product"].queryset.filter(pk=int(chosen)).first()
            if chosen.isascii() and chosen.isdigit() and len(chosen) < 12
            else None
        )
        self.show_collisions(open_collisions(procedure=procedure, product=product))

    def show_collisions(self, collisions: list[Collision], *, unacknowledged: bool = False):
        """The open cases the request meets, shown above the form
        (`cases/_collisions.html`); a warning asks the person to tick that she
        saw them (`acknowledged`), and says so when she did not."""
        self.collisions = collisions
        self.refused = any(c.refused for c in collisions)
        self.unacknowledged = unacknowledged

    @property
    def acknowledged(self) -> bool:
        return self.data.get("acknowledge_open_cases") == "on"


class CaseCancelForm(BoundedForm):
    """Why the case is cancelled, and how the customer is told."""

    reason = forms.CharField(
        label=_("Why is the case cancelled?"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The customer is told this, and the indicators list it with the case."),
    )
    channel = forms.ChoiceField(label=_("The customer is told by"), choices=Channel.choices)
