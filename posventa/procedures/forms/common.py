"""Forms and pieces shared by every procedure: the requirements check, the
customer completing documents, the quality-control call."""

from functools import cached_property

from django import forms
from django.utils.translation import gettext_lazy as _

from posventa.cases.models import Case, ProductChange
from posventa.cases.services import document_add
from posventa.common.forms import BoundedForm
from posventa.common.models import Channel
from posventa.common.uploads import UploadField
from posventa.engine.forms import TaskForm
from posventa.engine.registry import registry
from posventa.inventory.models import Product
from posventa.procedures.models import Requirement
from posventa.procedures.product_guard import product_fingerprint, product_state

# The hidden field with the product as the person saw it.
PRODUCT_SEEN = "product_seen"


class CaseTaskForm(TaskForm):
    """A task form that knows its case.

    When its user task says `guards_product="true"` (the step that changes
    the product), the form carries the product's fingerprint as the person
    saw it and refuses, under the product's row lock, if another case changed
    the product meanwhile: nothing is overwritten in silence, and the form
    comes back with the product as it is now for the person to review."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.guards_product:
            self.fields[PRODUCT_SEEN] = forms.CharField(
                label=_("The product as shown"),
                help_text=_(
                    "Send this value back as it came: the step is refused if the product "
                    "changed meanwhile."
                ),
                widget=forms.HiddenInput,
                required=False,
                max_length=64,
            )
            if not self.is_bound:  # a submitted form brings back what it was shown
                self.initial[PRODUCT_SEEN] = product_fingerprint(self.case.product)

    @cached_property
    def guards_product(self) -> bool:
        return (
            self.task is not None
            and str(self.task.properties.get("guards_product", "")).lower() == "true"
            and self.case is not None
            and self.case.product_id is not None
        )

    def clean(self):
        cleaned = super().clean()
        seen = cleaned.pop(PRODUCT_SEEN, "") if self.guards_product else ""
        if seen:
            # Locked until the step's transaction ends: a second step on this
            # product waits here, then finds the first one's change. The row
            # alone: with a join, PostgreSQL re-checks the join against the
            # changed row once the lock is released, and finds no row at all.
            product = Product.objects.select_for_update().get(pk=self.case.product_id)
            now = product_fingerprint(product)
            if now != seen:
                self._product_changed(product, now)
        return cleaned

    def _product_changed(self, product: Product, now: str) -> None:
        state = product_state(product)
        message = _(
            "The product changed while you were filling in this form: it now has plan "
            "%(plan)s, status %(status)s, address %(address)s. Review the data and complete "
            "the step again."
        ) % {"plan": state["plan"], "status": state["status"], "address": state["address"]}
        change = (
            ProductChange.objects.filter(product=product)
            .exclude(case_id=self.case.pk)
            .select_related("case")
            .order_by("-created_at", "-pk")
            .first()
        )
        if change is not None:
            message += " " + _("Case %(number)s changed it (%(change)s).") % {
                "number": change.case.number,
                "change": change,
            }
        # Shown again, the form carries the product as it is now.
        self.data = self.data.copy()
        self.data[self.add_prefix(PRODUCT_SEEN)] = now
        raise forms.ValidationError(message, code="product_changed")

    @cached_property
    def case(self) -> Case | None:
        if self.task is None:
            return None
        return (
            Case.objects.select_related("company", "product__plan")
            .filter(instance_id=self.task.instance_id)
            .first()
        )

    @property
    def variables(self) -> dict:
        """The process variables so far (what earlier steps submitted)."""
        if self.task is None:
            return {}
        from posventa.engine.selectors import task_variables

        return task_variables(self.task)


class InteractionFields(BoundedForm):
    """The step's contact with the customer, recorded as an interaction."""

    interaction_channel = forms.ChoiceField(
        label=_("Channel used"), choices=Channel.choices, initial=Channel.PHONE
    )
    interaction_summary = forms.CharField(
        label=_("What was said"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )


class RequirementsFields(CaseTaskForm):
    """One tick and one optional upload per requirement of the case's procedure."""

    signed_by_other = forms.BooleanField(
        label=_("Someone other than the legal representative signs"), required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        case = self.case
        procedure = case.procedure if case else None
        self.requirements = list(Requirement.objects.filter(procedure=procedure))
        for requirement in self.requirements:
            self.fields[f"has_{requirement.document_kind}"] = forms.BooleanField(
                label=requirement.label, required=False
            )
            self.fields[f"file_{requirement.document_kind}"] = UploadField(
                label=_("Attach: %(label)s") % {"label": requirement.label}, required=False
            )

    def missing_requirements(self) -> list[str]:
        data = self.cleaned_data
        missing = []
        for requirement in self.requirements:
            needed = requirement.mandatory and (
                not requirement.only_when_signed_by_other or data.get("signed_by_other")
            )
            received = data.get(f"has_{requirement.document_kind}")
            if needed and not received:
                missing.append(requirement.label)
        return missing

    def clean(self):
        cleaned = super().clean()
        for requirement in self.requirements:
            kind = requirement.document_kind
            if cleaned.get(f"file_{kind}") and not cleaned.get(f"has_{kind}"):
                cleaned[f"has_{kind}"] = True  # an attached document was received
        return cleaned

    def task_data(self) -> dict:
        data = {
            name: value
            for name, value in super().task_data().items()
            if not name.startswith("file_")
        }
        missing = self.missing_requirements()
        data["requirements_met"] = not missing
        data["missing_requirements"] = missing
        return data

    def apply_to_case(self, *, case, user) -> None:
        for requirement in self.requirements:
            upload = self.cleaned_data.get(f"file_{requirement.document_kind}")
            if upload:
                document_add(
                    case=case,
                    kind=requirement.document_kind,
                    file=upload,
                    user=user,
                    title=requirement.label,
                )


class CustomerCompletes(RequirementsFields, InteractionFields):
    """The customer was asked for the missing documents: did they bring them?"""

    completed = forms.TypedChoiceField(
        label=_("Did the customer complete the requirements?"),
        choices=[
            ("yes", _("Yes, the documents were received")),
            ("no", _("No, the customer gave up")),
        ],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("completed") and self.missing_requirements():
            self.add_error(
                "completed",
                _("Still missing: %(missing)s.")
                % {"missing": ", ".join(self.missing_requirements())},
            )
        return cleaned


registry.register_form("common/customer_completes")(CustomerCompletes)


class QualityCall(CaseTaskForm, InteractionFields):
    """The executive's quality-control call: the customer confirms it works."""

    conform = forms.TypedChoiceField(
        label=_("Is the customer satisfied?"),
        choices=[("yes", _("Conform")), ("no", _("Not conform"))],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
    )

    def apply_to_case(self, *, case, user) -> None:
        case.quality_conform = self.cleaned_data["conform"]
        case.quality_note = self.cleaned_data["interaction_summary"][:500]
        case.save(update_fields=["quality_conform", "quality_note", "updated_at"])


registry.register_form("common/quality_call")(QualityCall)
