"""Forms and pieces shared by every procedure: the requirements check, the
customer completing documents, the quality-control call."""

import re
from dataclasses import dataclass
from functools import cached_property

from django import forms
from django.db.models import OuterRef, Subquery
from django.utils.translation import gettext_lazy as _

from posventa.cases.models import Case, CaseDocument, ProductChange
from posventa.cases.process_hooks import case_changed
from posventa.cases.selectors import case_for_instance
from posventa.cases.services import document_add
from posventa.common.forms import BoundedForm
from posventa.common.models import Channel
from posventa.common.uploads import UploadField
from posventa.customers.models import Contact
from posventa.engine.forms import TaskForm
from posventa.engine.registry import registry
from posventa.inventory.models import Product
from posventa.procedures.models import Requirement
from posventa.procedures.product_guard import product_fingerprint, product_state
from posventa.workorders.models import WorkOrder

# The hidden field with the product as the person saw it.
PRODUCT_SEEN = "product_seen"


def tel_href(phone: str) -> str:
    """A phone number as a `tel:` address: its digits, and a leading + if it
    has one ("4 425-1234" → "tel:44251234"); empty when it has no digits."""
    digits = re.sub(r"\D", "", phone or "")
    if not digits:
        return ""
    return "tel:" + ("+" if (phone or "").strip().startswith("+") else "") + digits


def contact_to_call(case: Case) -> Contact | None:
    """Whom a call step phones: the company's primary contact (the one the
    customer authorised), else its first contact by name. A case names no
    contact of its own."""
    return case.company.contacts.order_by("-is_primary", "name", "pk").first()


@dataclass(frozen=True)
class CallCard:
    """What a call step shows at the top: whom to call and how, and whose
    customer it is."""

    contact: Contact | None
    tel: str
    company_name: str
    nit: str
    executive_name: str


def call_card(case: Case) -> CallCard:
    contact = contact_to_call(case)
    executive = case.company.executive
    return CallCard(
        contact=contact,
        tel=tel_href(contact.phone or contact.whatsapp) if contact else "",
        company_name=case.company.display_name,
        nit=case.company.nit,
        executive_name=(executive.get_full_name() or executive.username) if executive else "",
    )


class CaseTaskForm(TaskForm):
    """A task form that knows its case.

    A step where the person phones the customer says `calls_customer = True`:
    its page shows the contact to call at the top (`call_card`). A step whose
    process follows a work order (the variable `work_order_id`) shows the
    order as a card (`shown_work_order`).

    When its user task says `guards_product="true"` (the step that changes
    the product), the form carries the product's fingerprint as the person
    saw it and refuses, under the product's row lock, if another case changed
    the product meanwhile: nothing is overwritten in silence, and the form
    comes back with the product as it is now for the person to review."""

    calls_customer = False

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
        """The step's case, with its company, product and plan: the one read
        the form, the actions and the hooks of the step share."""
        if self.task is None:
            return None
        return case_for_instance(self.task.instance, with_product=True)

    @property
    def variables(self) -> dict:
        """The process variables so far (what earlier steps submitted)."""
        if self.task is None:
            return {}
        from posventa.engine.selectors import task_variables

        return task_variables(self.task)

    @cached_property
    def shown_work_order(self) -> WorkOrder | None:
        """The work order the process follows, if any, as its card shows it:
        one of the case's company, never another customer's."""
        case = self.case
        if case is None:
            return None
        variables = self.variables
        number = variables.get("work_order_id") or (variables.get("damages") or {}).get(
            "work_order_id"
        )
        if not number or not isinstance(number, str):
            return None
        return (
            WorkOrder.objects.select_related("case", "product")
            .filter(number=number, company_id=case.company_id)
            .first()
        )


class InteractionFields(BoundedForm):
    """The step's contact with the customer, recorded as an interaction."""

    interaction_channel = forms.ChoiceField(
        label=_("Channel used"), choices=Channel.choices, initial=Channel.PHONE
    )
    interaction_summary = forms.CharField(
        label=_("What was said"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )


# The documents the manual asks to see in original, besides the copy kept
# with the case: H 4.1, the withdrawal letter "por medio físico".
ORIGINAL_REQUIRED = {("H", "request_letter")}


class RequirementsFields(CaseTaskForm):
    """One control per requirement of the case's procedure: its file. An
    attached file (judged by its content, `common/uploads.py`) means the
    document was received; where the manual asks to see the original
    (`ORIGINAL_REQUIRED`), a "seen in original" tick as well. A document
    received at an earlier step of the case counts and is not asked again.

    `has_<kind>` stays, hidden, for the callers that cannot send a file (the
    API, the demo): its tick declares the document received, as it did
    before; the page never sets it."""

    signed_by_other = forms.BooleanField(
        label=_("Someone other than the legal representative signs"), required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        case = self.case
        procedure = case.procedure if case else None
        requirements = Requirement.objects.filter(procedure=procedure)
        if case is not None and case.pk is not None:
            # What the case keeps of each, in the same query: the file last
            # received for it (a document kept under the requirement's name).
            requirements = requirements.annotate(
                kept_file=Subquery(
                    CaseDocument.objects.filter(
                        case=case,
                        generated=False,
                        kind=OuterRef("document_kind"),
                        title=OuterRef("label"),
                    )
                    .order_by("-created_at", "-pk")
                    .values("file")[:1]
                )
            )
        self.requirements = list(requirements)
        self.received_before = self._received_before()
        for requirement in self.requirements:
            kind = requirement.document_kind
            before = self.received_before.get(kind)
            upload = UploadField(label=requirement.label, required=False)
            if before:
                upload.help_text = _(
                    "Already received (%(document)s): attach only to replace it."
                ) % {"document": before}
            elif requirement.only_when_signed_by_other:
                upload.help_text = _("Only when someone other than the legal representative signs.")
            else:
                upload.help_text = _("Attach it: an attached file means received.")
            self.fields[f"file_{kind}"] = upload
            if self.needs_original(requirement):
                self.fields[f"original_{kind}"] = forms.BooleanField(
                    label=_("%(label)s: seen in original") % {"label": requirement.label},
                    required=False,
                    help_text=_("The manual asks to see the original of this document."),
                )
            self.fields[f"has_{kind}"] = forms.BooleanField(
                label=_("Received: %(label)s") % {"label": requirement.label},
                required=False,
                widget=forms.HiddenInput,
            )

    @property
    def required_when(self) -> dict:
        """A document seen in original needs its copy attached, unless an
        earlier step received it (clean(); engine/form_schema.py)."""
        conditions = {}
        for requirement in self.requirements:
            kind = requirement.document_kind
            if f"original_{kind}" in self.fields and kind not in self.received_before:
                conditions[f"file_{kind}"] = {f"original_{kind}": True}
        return conditions

    def needs_original(self, requirement: Requirement) -> bool:
        return (requirement.procedure, requirement.document_kind) in ORIGINAL_REQUIRED

    def _received_before(self) -> dict[str, str]:
        """The requirements an earlier step of this case received: the file
        kept with the case, or what that step recorded."""
        case = self.case
        if case is None or case.pk is None or not self.requirements:
            return {}
        variables = self.variables
        received = {}
        for requirement in self.requirements:
            kind = requirement.document_kind
            kept = (requirement.kept_file or "").rsplit("/", 1)[-1]
            if variables.get(f"has_{kind}") is True:
                received[kind] = kept or _("earlier step")
            elif kept and (
                not self.needs_original(requirement) or variables.get(f"original_{kind}") is True
            ):
                received[kind] = kept
        return received

    def is_received(self, requirement: Requirement) -> bool:
        data = self.cleaned_data
        kind = requirement.document_kind
        if data.get(f"has_{kind}") or kind in self.received_before:
            return True
        if not data.get(f"file_{kind}"):
            return False
        return not self.needs_original(requirement) or bool(data.get(f"original_{kind}"))

    def missing_requirements(self) -> list[str]:
        data = self.cleaned_data
        missing = []
        for requirement in self.requirements:
            needed = requirement.mandatory and (
                not requirement.only_when_signed_by_other or data.get("signed_by_other")
            )
            if needed and not self.is_received(requirement):
                missing.append(requirement.label)
        return missing

    def clean(self):
        cleaned = super().clean()
        for requirement in self.requirements:
            kind = requirement.document_kind
            seen = cleaned.get(f"original_{kind}")
            if seen and not cleaned.get(f"file_{kind}") and kind not in self.received_before:
                self.add_error(
                    f"file_{kind}",
                    _("Attach the copy of the original you saw: it is kept with the case."),
                )
        return cleaned

    def task_data(self) -> dict:
        data = {
            name: value
            for name, value in super().task_data().items()
            if not name.startswith("file_")
        }
        for requirement in self.requirements:
            data[f"has_{requirement.document_kind}"] = self.is_received(requirement)
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

    calls_customer = True

    conform = forms.TypedChoiceField(
        label=_("Is the customer satisfied?"),
        choices=[("yes", _("Conform")), ("no", _("Not conform"))],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
    )

    def apply_to_case(self, *, case, user) -> None:
        case.quality_conform = self.cleaned_data["conform"]
        case.quality_note = self.cleaned_data["interaction_summary"][:500]
        case_changed(case, "quality_conform", "quality_note")


registry.register_form("common/quality_call")(QualityCall)
