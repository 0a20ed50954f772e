"""Procedure E, damage to product: the forms of its user tasks.

The process variables they leave (read by the model's gateways and actions):
damaged_service, cause, problem (step 1); address / zone / neighbourhood,
reference_phone, way_on (register / reiterate / follow) and, by the way,
reiterated_work_order or work_order_id (steps 3 and 10); solved_remotely,
diagnosis_summary (step 4); customer_conform, ask_executive, contact_request,
remote_result (step 5) and customer_reached, customer_contact_summary (5.1);
operations_contact, called_at, priority (step 11, J 5.1, K 14); work_order_id,
unit, technician, visit_at (steps 6–8); order_closed and wo_result when a
step finds its order already closed; second_visit and conform after a visit
without solution (step 12).

Every form reads the product from the process variable `product_id`, so E
also runs as a call activity of another procedure (J, K). `RegisterDamageFound`
(form key "e/register_damage_found") is the step of a caller that registers
the damage itself before calling E (K step 8), with `damage_registered`.
"""

from datetime import timedelta
from decimal import Decimal
from functools import cached_property

from django import forms
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from posventa.accounts.roles import ROLE_CAPABILITIES, Capability
from posventa.cases.process_hooks import case_changed
from posventa.engine.registry import registry
from posventa.integrations import helpdesk
from posventa.integrations.models import RouterState, WifiCoverage
from posventa.inventory.models import Product
from posventa.procedures.catalog import TEAM_INITIATED
from posventa.procedures.forms.common import CaseTaskForm, InteractionFields
from posventa.workorders.forms import TechnicianField
from posventa.workorders.models import (
    DamageCause,
    DamagedService,
    FieldUnit,
    Priority,
    WorkOrder,
    WorkOrderKind,
)
from posventa.workorders.selectors import (
    FOLLOW,
    REGISTER,
    REITERATE,
    damage_orders_of,
    damage_way,
)
from posventa.workorders.services import (
    closing_payload,
    prioritisation_errors,
    workorder_prioritise,
)

# The services a product of each type carries, the first one offered first.
SERVICES_BY_PRODUCT_TYPE = {
    "internet": [DamagedService.INTERNET],
    "hspa": [DamagedService.INTERNET],
    "fixed_line": [DamagedService.LINE],
    "boliviatel_ld": [DamagedService.LINE],
    "pay_tv": [DamagedService.PAY_TV],
    "duo_pack": [DamagedService.LINE, DamagedService.INTERNET],
    "multipack": [DamagedService.LINE, DamagedService.INTERNET, DamagedService.PAY_TV],
}
ALL_SERVICES = [DamagedService.INTERNET, DamagedService.LINE, DamagedService.PAY_TV]

# The causes that make sense for each failing service.
CAUSES_BY_SERVICE = {
    DamagedService.INTERNET: [
        DamageCause.NO_SERVICE,
        DamageCause.OUTAGES,
        DamageCause.SLOW,
        DamageCause.WIFI,
        DamageCause.EQUIPMENT,
        DamageCause.OTHER,
    ],
    DamagedService.LINE: [
        DamageCause.NO_DIAL_TONE,
        DamageCause.NOISE,
        DamageCause.OUTAGES,
        DamageCause.EQUIPMENT,
        DamageCause.OTHER,
    ],
    DamagedService.PAY_TV: [
        DamageCause.NO_SIGNAL,
        DamageCause.OUTAGES,
        DamageCause.EQUIPMENT,
        DamageCause.OTHER,
    ],
}

YES_NO = [("yes", gettext_lazy("Yes")), ("no", gettext_lazy("No"))]


def _yes(value) -> bool:
    return value == "yes"


def causes_of(services) -> set[str]:
    """The failures the given services can have."""
    return {cause for service in services for cause in CAUSES_BY_SERVICE[service]}


def services_of(product: Product) -> list[str]:
    return SERVICES_BY_PRODUCT_TYPE.get(product.plan.product_type.code, ALL_SERVICES)


def orders_overview(product: Product) -> str:
    """The product's damage orders in one line, newest first (step 2)."""
    orders = list(damage_orders_of(product)[:5])
    if not orders:
        return _("This product has no damage work orders.")
    return _("Damage work orders of this product: %(orders)s.") % {
        "orders": "; ".join(
            f"{o.number} ({o.get_state_display()}"
            + (f", {o.get_cause_display()}" if o.cause else "")
            + ")"
            for o in orders
        )
    }


def check_cause_fits_service(form: forms.Form, cleaned: dict) -> None:
    """The cause said must be a failure of the service said (no "no signal"
    on a telephone line's internet, say)."""
    service, cause = cleaned.get("damaged_service"), cleaned.get("cause")
    if service and cause and cause not in CAUSES_BY_SERVICE[DamagedService(service)]:
        form.add_error(
            "cause",
            _("“%(cause)s” is not a failure of %(service)s.")
            % {
                "cause": DamageCause(cause).label,
                "service": str(DamagedService(service).label).lower(),
            },
        )


class DamageForm(CaseTaskForm):
    """A step of E: the process variables are read once per form, and the
    product comes from them."""

    @cached_property
    def variables(self) -> dict:
        return CaseTaskForm.variables.fget(self)

    @cached_property
    def product(self) -> Product | None:
        product_id = self.variables.get("product_id")
        if product_id is None and self.case is not None:
            product_id = self.case.product_id
        return (
            Product.objects.select_related("plan__product_type", "company")
            .filter(pk=product_id)
            .first()
        )

    def require_product(self) -> Product:
        if self.product is None:
            raise ValidationError(_("The case names no product with a damage."))
        return self.product

    @cached_property
    def work_order(self) -> WorkOrder | None:
        variables = self.variables
        number = variables.get("work_order_id") or (variables.get("damages") or {}).get(
            "work_order_id"
        )
        return WorkOrder.objects.filter(number=number).first() if number else None


class FailureFields(DamageForm):
    """Which service of the product fails (its own services offered, its
    damage orders shown) and what happens — a cause that fits the service."""

    damaged_service = forms.ChoiceField(
        label=gettext_lazy("Which service fails?"), widget=forms.RadioSelect, choices=()
    )
    cause = forms.ChoiceField(label=gettext_lazy("What happens"), choices=DamageCause.choices)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        product = self.product
        services = services_of(product) if product is not None else ALL_SERVICES
        field = self.fields["damaged_service"]
        field.choices = [(s.value, s.label) for s in services]
        if product is not None:
            field.help_text = orders_overview(product)
        # Only the failures of the product's own services: no TV signal nor
        # wifi for a telephone line. One of another product is refused.
        causes = causes_of(services)
        cause = self.fields["cause"]
        cause.choices = [(c.value, c.label) for c in DamageCause if c in causes]
        if product is not None:
            cause.error_messages["invalid_choice"] = _(
                "This failure does not apply to a %(type)s product: choose one from the list."
            ) % {"type": product.plan.product_type}
        if not self.is_bound:
            self.initial["damaged_service"] = services[0].value

    def clean(self):
        cleaned = super().clean()
        self.require_product()
        check_cause_fits_service(self, cleaned)
        return cleaned


@registry.register_form("e/receive_report")
class ReceiveReport(FailureFields):
    """Step 1: which service fails and what happens."""

    problem = forms.CharField(
        label=gettext_lazy("The problem as the customer tells it"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class PlaceFields(DamageForm, InteractionFields):
    """Steps 3 and 10: where the field unit goes and whom it calls, checked
    with the customer; what the customer is told."""

    address = forms.CharField(label=gettext_lazy("Installation address"), max_length=250)
    zone = forms.CharField(label=gettext_lazy("Zone"), max_length=100, required=False)
    neighbourhood = forms.CharField(
        label=gettext_lazy("Neighbourhood"), max_length=100, required=False
    )
    reference_phone = forms.CharField(label=gettext_lazy("Reference phone"), max_length=30)
    address_checked = forms.BooleanField(
        label=gettext_lazy("Address and reference phone checked with the customer")
    )

    field_order = ["address", "zone", "neighbourhood", "reference_phone", "address_checked"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        product = self.product
        if product is None or self.is_bound:
            return
        self.initial.update(
            address=product.installation_address,
            zone=product.zone,
            neighbourhood=product.neighbourhood,
        )
        contact = product.company.contacts.order_by("-is_primary", "name").first()
        if contact is not None:
            self.initial["reference_phone"] = contact.phone or contact.whatsapp

    def clean_reference_phone(self):
        phone = " ".join(self.cleaned_data["reference_phone"].split())
        if sum(c.isdigit() for c in phone) < 7:
            raise ValidationError(_("A reference phone has at least 7 digits."))
        return phone

    def task_data(self) -> dict:
        data = super().task_data()
        for name in ("address", "zone", "neighbourhood"):
            data[name] = " ".join((data.get(name) or "").split())
        return data


# The hidden field with the way on as the person saw it (steps 3 and 10).
WAY_SEEN = "way_seen"
PLACE_FIELDS = ("address", "zone", "neighbourhood", "reference_phone", "address_checked")


def order_link(order: WorkOrder, *, role: str = "") -> str:
    """The order's number — a link to its page for a role that sees work
    orders — and its case as a link."""
    if Capability.VIEW_WORK_ORDERS in ROLE_CAPABILITIES.get(role, ()):
        link = format_html(
            '<a href="{}">{}</a>', reverse("workorders:detail", args=[order.number]), order.number
        )
    else:
        link = format_html("<strong>{}</strong>", order.number)
    if order.case_id is None:
        return link
    return format_html(
        "{} ({})",
        link,
        format_html(
            _("case {}"),
            format_html(
                '<a href="{}">{}</a>',
                reverse("cases:detail", args=[order.case.number]),
                order.case.number,
            ),
        ),
    )


class RegisterStep(PlaceFields):
    """Steps 3 and 10 read the product's damage orders again, under the
    product's row lock, when they are completed: another case on the same
    product may have registered the damage or its reiteration meanwhile. The
    step then offers the way step 2 would give now (`damage_way`): follow the
    order in repair — or the one registered since and already closed — as
    this case's own, or reiterate the damage closed without solution. A case
    never waits for a precondition another case consumed.

    The way on is what the process variable `way_on` says to the gateway
    after the step: `register`, `reiterate` or `follow`."""

    calls_customer = True

    way_seen = forms.CharField(widget=forms.HiddenInput, required=False, max_length=40)
    follow_order = forms.BooleanField(required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        kind, order = self.way
        if kind == FOLLOW:
            for name in PLACE_FIELDS:
                del self.fields[name]
            field = self.fields["follow_order"]
            field.required = True
            field.label = _("Link this case to work order %(number)s and follow it up") % {
                "number": order.number
            }
            field.help_text = self.follow_explanation(order)
        else:
            del self.fields["follow_order"]
            if kind == REITERATE:
                self.fields["address"].help_text = reiteration_note(order)
                if not self.is_bound and order.reference_phone:
                    self.initial["reference_phone"] = order.reference_phone
            elif self.product is not None:
                self.fields["address"].help_text = orders_overview(self.product)
        if not self.is_bound:
            self.initial[WAY_SEEN] = self.way_key
            self.initial["interaction_summary"] = self.summary()
        self.order_fields([*PLACE_FIELDS, "follow_order"])

    def known_orders(self) -> set[str]:
        """The product's damage orders this case knew: those step 2 listed,
        and the one it registered, followed or saw closed."""
        variables = self.variables
        damages = variables.get("damages") or {}
        known = {row.get("number") for row in damages.get("orders") or []}
        known.add(damages.get("work_order_id"))
        known.add((variables.get("wo_result") or {}).get("work_order_id"))
        known.add(variables.get("work_order_id"))
        return {number for number in known if number}

    @cached_property
    def way(self) -> tuple[str, WorkOrder | None]:
        product = self.product
        if product is None:
            return REGISTER, None
        if self.is_bound and transaction.get_connection().in_atomic_block:
            # Completing the step: a second case completing its own step on
            # this product waits here, then finds what the first registered.
            Product.objects.select_for_update().filter(pk=product.pk).first()
        return damage_way(product, known=self.known_orders())

    @property
    def way_key(self) -> str:
        kind, order = self.way
        return f"{kind}:{order.number}" if order is not None else kind

    def follow_explanation(self, order: WorkOrder):
        """What following the order means, with links to it and its case."""
        if order.is_open:
            text = _(
                "The damage is already registered: work order {order}, {state}. This case "
                "follows it up as its own: the technical manager coordinates its visit and "
                "the case waits for its closing."
            )
        else:
            text = _(
                "Work order {order} was registered meanwhile and is already closed ({state}): "
                "{result} This case goes on with how it ended."
            )
        return format_html(
            text,
            order=order_link(order, role=getattr(self.task, "role", "")),
            state=str(order.get_state_display()).lower(),
            result=order.result,
        )

    def summary(self) -> str:
        """The interaction the step proposes for its way on."""
        kind, order = self.way
        if kind == FOLLOW:
            return _(
                "The damage was already registered as work order %(number)s (%(state)s); "
                "the customer was told this request follows it."
            ) % {"number": order.number, "state": str(order.get_state_display()).lower()}
        if kind == REITERATE:
            return _(
                "The damage was registered again with the same cause, reiterating "
                "%(number)s, and is being prioritised."
            ) % {"number": order.number}
        variables = self.variables
        service = variables.get("damaged_service")
        return _(
            "Damage of %(service)s registered (%(problem)s); the customer was told it "
            "will be solved promptly."
        ) % {
            "service": str(DamagedService(service).label).lower() if service else "",
            "problem": variables.get("problem", ""),
        }

    def clean(self):
        cleaned = super().clean()
        self.require_product()
        seen = cleaned.pop(WAY_SEEN, "")
        if seen and seen != self.way_key:
            message = _(
                "The product's damage work orders changed while you were filling in this "
                "form: %(way)s Review the form and complete the step again."
            ) % {"way": self.way_explanation()}
            # Shown again, the form carries the way on as it is now.
            self.data = self.data.copy()
            self.data[self.add_prefix(WAY_SEEN)] = self.way_key
            self.data[self.add_prefix("interaction_summary")] = self.summary()
            raise ValidationError(message, code="damage_orders_changed")
        return cleaned

    def way_explanation(self) -> str:
        kind, order = self.way
        if kind == FOLLOW:
            return _("work order %(number)s (%(state)s) is registered; this case follows it.") % {
                "number": order.number,
                "state": str(order.get_state_display()).lower(),
            }
        if kind == REITERATE:
            return _(
                "the last damage, %(number)s, was closed without solution; this case reiterates it."
            ) % {"number": order.number}
        return _("no damage is being attended; this case registers it.")

    def intended_reiteration(self) -> str:
        """The order this case came to reiterate, if it came for that."""
        return ""

    def task_data(self) -> dict:
        data = super().task_data()
        data.pop(WAY_SEEN, None)
        data.pop("follow_order", None)
        kind, order = self.way
        data["way_on"] = kind
        if kind == REITERATE:
            data["reiterated_work_order"] = order.number
            data.setdefault("damaged_service", order.damaged_service)
            if not self.variables.get("problem"):
                data["problem"] = _("Reiteration of %(number)s") % {"number": order.number}
        elif kind == FOLLOW:
            data["work_order_id"] = order.number
            data["reiterated_work_order"] = self.intended_reiteration()
            # What the step's old model needs, had it no way to follow.
            data.update(
                address=order.address,
                zone=order.zone,
                neighbourhood=order.neighbourhood,
                reference_phone=order.reference_phone,
            )
        return data


@registry.register_form("e/register_damage")
class RegisterDamage(RegisterStep):
    """Step 3: the damage is registered for the field unit; the customer is
    told it will be solved promptly."""


@registry.register_form("e/register_reiteration")
class RegisterReiteration(RegisterStep):
    """Steps 9–10: the last damage was closed attended without solution; a
    new damage with the same cause is registered, linked to it."""

    def intended_reiteration(self) -> str:
        # Reached after this case's own visit failed (its closing), or from step 2.
        variables = self.variables
        closing = variables.get("wo_result") or {}
        if closing.get("work_order_id"):
            return closing["work_order_id"]
        return (variables.get("damages") or {}).get("work_order_id") or ""


@registry.register_form("e/register_damage_found")
class RegisterDamageFound(FailureFields, PlaceFields):
    """The damage registered by whoever found it, before E is called — the
    technical analyst in a preventive review (K step 8), once, after her
    diagnosis: the failing service and its cause, the place and the reference
    phone checked with the customer, what the customer is told. The caller's
    next element, a service task `register_damage_for_case`, registers it
    (or follows the order in repair, or reiterates the last one closed
    without solution); E, called with `damage_registered`, then goes straight
    to the technical manager's prioritisation.

    Leaves damaged_service, cause, problem, the place, reference_phone and
    damage_registered (True)."""

    problem = forms.CharField(
        label=gettext_lazy("The damage as diagnosed"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    field_order = ["damaged_service", "cause", "problem", *PLACE_FIELDS]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            diagnosis = self.variables.get("diagnosis_summary", "")
            self.initial["problem"] = diagnosis
            self.initial["interaction_summary"] = _(
                "Damage registered after the remote diagnosis (%(diagnosis)s); the customer "
                "was told the field unit will attend it promptly."
            ) % {"diagnosis": diagnosis}
        self.order_fields(self.field_order)

    def task_data(self) -> dict:
        data = super().task_data()
        data["damage_registered"] = True
        return data


def reiteration_note(earlier: WorkOrder) -> str:
    """The earlier order a reiteration repeats, as the form shows it."""
    return _(
        "Reiterates %(number)s (%(cause)s), closed without solution on %(when)s: %(result)s"
    ) % {
        "number": earlier.number,
        "cause": earlier.get_cause_display() or "—",
        "when": timezone.localtime(earlier.closed_at).strftime("%d/%m/%Y"),
        "result": earlier.result,
    }


@registry.register_form("e/remote_diagnosis")
class RemoteDiagnosis(DamageForm):
    """Step 4: the analyst's diagnosis in the Help Desk; solvable remotely or not."""

    outages = forms.BooleanField(label=gettext_lazy("Outages in the area"), required=False)
    no_service = forms.BooleanField(label=gettext_lazy("No service at all"), required=False)
    wifi_coverage = forms.ChoiceField(
        label=gettext_lazy("Wifi coverage"), choices=WifiCoverage.choices
    )
    devices = forms.IntegerField(
        label=gettext_lazy("Connected devices"), min_value=0, max_value=1000
    )
    contracted_mbps = forms.DecimalField(
        label=gettext_lazy("Contracted speed (Mbps)"),
        min_value=Decimal("0.01"),
        max_value=Decimal("99999"),
        help_text=gettext_lazy("Rounded half-up to two decimals."),
    )
    measured_mbps = forms.DecimalField(
        label=gettext_lazy("Measured speed (Mbps)"),
        min_value=Decimal("0"),
        max_value=Decimal("99999"),
        help_text=gettext_lazy("As the speed test gives it; rounded half-up to two decimals."),
    )
    amplifiers = forms.BooleanField(label=gettext_lazy("Wifi amplifiers installed"), required=False)
    router = forms.ChoiceField(label=gettext_lazy("Router"), choices=RouterState.choices)
    findings = forms.CharField(
        label=gettext_lazy("Findings"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    solved_remotely = forms.TypedChoiceField(
        label=gettext_lazy("Can the damage be solved remotely?"),
        choices=[
            ("yes", gettext_lazy("Yes, I test it with the customer")),
            ("no", gettext_lazy("No, it goes to the field unit (USM)")),
        ],
        coerce=_yes,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.is_bound:
            return
        readings = self.variables.get("diagnosis") or {}
        for name in (
            "outages",
            "no_service",
            "wifi_coverage",
            "devices",
            "contracted_mbps",
            "measured_mbps",
            "amplifiers",
            "router",
        ):
            if readings.get(name) not in (None, ""):
                self.initial[name] = readings[name]

    def clean(self):
        cleaned = super().clean()
        self.require_product()
        if cleaned.get("solved_remotely"):
            if cleaned.get("router") == RouterState.FAULTY:
                self.add_error(
                    "solved_remotely", _("A faulty router is replaced on site, not remotely.")
                )
            if cleaned.get("outages"):
                self.add_error(
                    "solved_remotely",
                    _("An outage in the area is repaired by the field unit, not remotely."),
                )
        return cleaned

    def readings(self) -> dict:
        data = dict(self.cleaned_data)
        for name in ("contracted_mbps", "measured_mbps"):
            data[name] = str(helpdesk.mbps(data[name]))
        return data

    def task_data(self) -> dict:
        data = super().task_data()
        readings = self.readings()
        data.update(
            contracted_mbps=readings["contracted_mbps"], measured_mbps=readings["measured_mbps"]
        )
        data["diagnosis_summary"] = helpdesk.Diagnosis(
            service_number=self.product.service_number,
            **{k: v for k, v in readings.items() if k != "solved_remotely"},
        ).summary()
        return data

    def apply_to_case(self, *, case, user) -> None:
        helpdesk.record(
            product=self.product, work_order=self.work_order, readings=self.readings(), analyst=user
        )


# Step 5's ways on: conform (close as unfounded), ask the executive to
# contact the customer (5.1, back to the tests afterwards), not conform (field).
CONFORM, ASK_EXECUTIVE, NOT_CONFORM = "yes", "executive", "no"


@registry.register_form("e/test_with_customer")
class TestWithCustomer(DamageForm, InteractionFields):
    """Step 5: the analyst tests with the customer until conformity; then the
    system closes the work order as unfounded. Not conform: to the field.
    Step 5.1: when she cannot reach the customer, or the executive's contact
    is needed, she hands the contact to the executive, and the step comes
    back to her with what the customer said (no interaction is recorded for
    the hand-over: the customer was not spoken to)."""

    calls_customer = True

    customer_conform = forms.ChoiceField(
        label=gettext_lazy("Does the customer confirm the service works?"),
        choices=[
            (CONFORM, gettext_lazy("Yes: close the work order as unfounded")),
            (
                ASK_EXECUTIVE,
                gettext_lazy("The executive must contact the customer first (step 5.1)"),
            ),
            (NOT_CONFORM, gettext_lazy("No: it goes to the field unit (USM)")),
        ],
        widget=forms.RadioSelect,
    )
    contact_request = forms.CharField(
        label=gettext_lazy("What the executive should tell or ask the customer"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("Only when the executive contacts the customer."),
    )

    field_order = ["customer_conform", "contact_request"]

    @property
    def required_when(self) -> dict:
        # What clean() asks for by the answer (engine/form_schema.py); nothing
        # once the order closed meanwhile.
        if self.closed_meanwhile:
            return {}
        talked = {"customer_conform": [CONFORM, NOT_CONFORM]}
        return {
            "contact_request": {"customer_conform": [ASK_EXECUTIVE]},
            "interaction_channel": talked,
            "interaction_summary": talked,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        order = self.work_order
        # The contact with the customer is required unless handed over (5.1).
        self.fields["interaction_channel"].required = False
        self.fields["interaction_summary"].required = False
        variables = self.variables
        if variables.get("customer_contact_summary"):
            # Back from the executive (step 5.1): what the customer said.
            text = (
                _("The executive reached the customer: %(summary)s")
                if variables.get("customer_reached")
                else _("The executive could not reach the customer: %(summary)s")
            )
            self.fields["customer_conform"].help_text = text % {
                "summary": variables["customer_contact_summary"]
            }
        if self.closed_meanwhile:
            # Closed on its page (or by the visit another case following it
            # coordinated): nothing to close as unfounded, the case goes on
            # with how it ended.
            self.fields["customer_conform"].required = False
            self.fields["customer_conform"].help_text = _(
                "Work order %(number)s is already closed (%(state)s): %(result)s. Complete "
                "this step to go on with that result."
            ) % {"number": order.number, "state": order.get_state_display(), "result": order.result}
        if not self.is_bound:
            self.initial["interaction_summary"] = _(
                "Remote tests with the customer: %(diagnosis)s"
            ) % {"diagnosis": variables.get("diagnosis_summary", "")}
        self.order_fields(self.field_order)

    @property
    def closed_meanwhile(self) -> bool:
        return self.work_order is not None and not self.work_order.is_open

    def clean(self):
        cleaned = super().clean()
        if self.closed_meanwhile:
            return cleaned
        way = cleaned.get("customer_conform")
        if way == ASK_EXECUTIVE and not (cleaned.get("contact_request") or "").strip():
            self.add_error(
                "contact_request", _("Say what the executive should tell or ask the customer.")
            )
        if way in (CONFORM, NOT_CONFORM):
            if not cleaned.get("interaction_channel"):
                self.add_error("interaction_channel", _("This field is required."))
            if not (cleaned.get("interaction_summary") or "").strip():
                self.add_error("interaction_summary", _("Say what was tested with the customer."))
        return cleaned

    def task_data(self) -> dict:
        data = super().task_data()
        way = data.get("customer_conform")
        data["customer_conform"] = way == CONFORM and not self.closed_meanwhile
        data["ask_executive"] = way == ASK_EXECUTIVE and not self.closed_meanwhile
        if data["ask_executive"]:
            # Handed over: the customer was not spoken to, so no interaction.
            data.pop("interaction_summary", None)
            data.pop("interaction_channel", None)
            data["contact_request"] = " ".join(data["contact_request"].split())
            return data
        data["remote_result"] = _("Solved remotely. %(diagnosis)s Tests: %(tests)s") % {
            "diagnosis": self.variables.get("diagnosis_summary", ""),
            "tests": data.get("interaction_summary", ""),
        }
        return data


@registry.register_form("e/contact_customer")
class ContactCustomer(DamageForm, InteractionFields):
    """Step 5.1: the executive contacts the customer for the analyst's remote
    tests and records the contact (an interaction); the analyst's tests go
    on with what the customer said."""

    calls_customer = True

    customer_reached = forms.TypedChoiceField(
        label=gettext_lazy("Did you reach the customer?"),
        choices=[
            ("yes", gettext_lazy("Yes: the customer is ready for the analyst's tests")),
            ("no", gettext_lazy("No: the customer could not be reached")),
        ],
        coerce=_yes,
        widget=forms.RadioSelect,
    )

    field_order = ["customer_reached"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.variables.get("contact_request")
        if request:
            self.fields["customer_reached"].help_text = _("The analyst asks: %(request)s") % {
                "request": request
            }
        self.order_fields(self.field_order)

    def task_data(self) -> dict:
        data = super().task_data()
        data["customer_contact_summary"] = data["interaction_summary"]
        return data


def _this_minute():
    return timezone.localtime().replace(second=0, microsecond=0)


@registry.register_form("e/prioritise")
class Prioritise(DamageForm):
    """Step 11 (a reiteration), J 5.1 and K 9.1/14 (a damage the team's call
    or review found): the technical manager calls the Operations Center for
    priority attention of the order until it closes, and records whom she
    spoke to, when, the priority agreed and what was agreed. The order
    carries that priority (`workorder_prioritise`)."""

    operations_contact = forms.CharField(
        label=gettext_lazy("Whom you spoke to at the Operations Center"), max_length=150
    )
    called_at = forms.DateTimeField(
        label=gettext_lazy("When you called"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    priority = forms.ChoiceField(
        label=gettext_lazy("Priority agreed"),
        choices=Priority.choices,
        initial=Priority.HIGH,
        widget=forms.RadioSelect,
    )
    agreement = forms.CharField(
        label=gettext_lazy("What was agreed with the Operations Center"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        order = self.work_order
        if order is not None:
            self.fields["operations_contact"].help_text = self.why(order)
        if self.closed_meanwhile:
            for name in ("operations_contact", "called_at", "priority", "agreement"):
                self.fields[name].required = False
            self.fields["operations_contact"].help_text = _(
                "Work order %(number)s is already closed (%(state)s): %(result)s. Complete "
                "this step to go on with that result."
            ) % {"number": order.number, "state": order.get_state_display(), "result": order.result}
        if not self.is_bound:
            self.initial["called_at"] = _this_minute()

    def why(self, order: WorkOrder) -> str:
        """The order, and why it is prioritised (the manual's step)."""
        case = self.case
        if order.reiterates_id:
            reason = _("it reiterates %(number)s, closed without solution (step 11).") % {
                "number": order.reiterates.number
            }
        elif case is not None and case.procedure in TEAM_INITIATED:
            reason = _("the damage was found by %(procedure)s (J 5.1, K 9.1 and 14).") % {
                "procedure": case.get_procedure_display()
            }
        else:
            reason = _("priority attention until the order closes.")
        return _(
            "Work order %(number)s (%(state)s), %(service)s: %(cause)s, priority %(priority)s. "
            "Prioritised because %(reason)s"
        ) % {
            "number": order.number,
            "state": order.get_state_display(),
            "service": order.get_damaged_service_display() or order.get_kind_display(),
            "cause": order.get_cause_display() or order.description,
            "priority": str(order.get_priority_display()).lower(),
            "reason": reason,
        }

    @property
    def closed_meanwhile(self) -> bool:
        return self.work_order is not None and not self.work_order.is_open

    def clean(self):
        cleaned = super().clean()
        order = self.work_order
        if order is None:
            raise ValidationError(_("The case follows no damage work order."))
        product = self.product
        if order.kind != WorkOrderKind.DAMAGE or (
            product is not None and order.product_id != product.pk
        ):
            raise ValidationError(
                _("Work order %(number)s is not a damage of this product.")
                % {"number": order.number}
            )
        if self.closed_meanwhile:
            return cleaned
        errors = prioritisation_errors(
            work_order=order,
            operations_contact=cleaned.get("operations_contact", ""),
            called_at=cleaned.get("called_at"),
            priority=cleaned.get("priority", ""),
            agreement=cleaned.get("agreement", ""),
        )
        for name, message in errors.items():
            if name in cleaned:  # a field already refused keeps its own message
                self.add_error(name, message)
        return cleaned

    def task_data(self) -> dict:
        data = super().task_data()
        data["work_order_id"] = self.work_order.number
        when = data.get("called_at")
        data["called_at"] = timezone.localtime(when).isoformat() if when else ""
        return data

    def apply_to_case(self, *, case, user) -> None:
        if self.closed_meanwhile:
            return  # closed meanwhile: the next step goes on with how it ended
        data = self.cleaned_data
        workorder_prioritise(
            work_order=self.work_order,
            operations_contact=data["operations_contact"],
            called_at=data["called_at"],
            priority=data["priority"],
            agreement=data["agreement"],
            case=case,
            user=user,
        )


def _next_hour():
    now = timezone.localtime()
    return (now + timedelta(hours=1)).replace(minute=0, second=0, microsecond=0)


@registry.register_form("e/coordinate_visit")
class CoordinateVisit(DamageForm):
    """Steps 6–8: the technical manager follows the order, agrees with the
    technician the visit the same day and tells the executive its time (an
    interaction on the case)."""

    unit = forms.ChoiceField(label=gettext_lazy("Field unit"), choices=FieldUnit.choices)
    technician = TechnicianField()
    visit_at = forms.DateTimeField(
        label=gettext_lazy("Visit time"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    not_today_reason = forms.CharField(
        label=gettext_lazy("Why not today"),
        max_length=300,
        required=False,
        help_text=gettext_lazy("Only when the technician cannot attend it the same day."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The order itself (address, phone, state…) is the page's card.
        order = self.work_order
        if self.closed_meanwhile:
            # Closed on its page before the case got here: nothing to
            # coordinate, the case goes on with how it ended.
            for name in ("unit", "technician", "visit_at"):
                self.fields[name].required = False
            self.fields["technician"].help_text = _(
                "Work order %(number)s is already closed (%(state)s): %(result)s. Complete "
                "this step to go on with that result."
            ) % {"number": order.number, "state": order.get_state_display(), "result": order.result}
        if self.is_bound:
            return
        if order is not None and order.unit:
            self.initial.update(
                unit=order.unit,
                technician=order.technician,
                visit_at=timezone.localtime(order.scheduled_at),
            )
        else:
            self.initial.update(unit=FieldUnit.USM, visit_at=_next_hour())

    @property
    def closed_meanwhile(self) -> bool:
        return self.work_order is not None and not self.work_order.is_open

    def clean(self):
        cleaned = super().clean()
        order = self.work_order
        if order is None:
            raise ValidationError(_("The case follows no damage work order."))
        if self.closed_meanwhile:
            return cleaned
        when = cleaned.get("visit_at")
        if when is None:
            return cleaned
        if when < order.created_at.replace(second=0, microsecond=0):
            self.add_error("visit_at", _("The visit cannot be before the order was registered."))
        elif when < timezone.now() - timedelta(minutes=5):
            self.add_error("visit_at", _("The visit time has already passed."))
        elif (
            timezone.localdate(when) != timezone.localdate()
            and not (cleaned.get("not_today_reason") or "").strip()
        ):
            self.add_error(
                "not_today_reason",
                _("Damages are attended the same day: say why the visit is on another day."),
            )
        return cleaned

    def task_data(self) -> dict:
        data = super().task_data()
        order = self.work_order
        data["work_order_id"] = order.number
        data["order_closed"] = self.closed_meanwhile
        if self.closed_meanwhile:
            # What the closing message would have said, had the case been waiting.
            data["visit_at"] = ""
            data["wo_result"] = closing_payload(order)
            data["interaction_summary"] = _(
                "Work order %(number)s was already closed (%(state)s): %(result)s"
            ) % {"number": order.number, "state": order.get_state_display(), "result": order.result}
            return data
        when = timezone.localtime(self.cleaned_data["visit_at"])
        data["visit_at"] = when.isoformat()
        reason = (data.get("not_today_reason") or "").strip()
        data["interaction_summary"] = _(
            "Technician %(technician)s (%(unit)s) visits on %(when)s for work order %(number)s."
        ) % {
            "technician": data["technician"].strip(),
            "unit": FieldUnit(data["unit"]).label,
            "when": when.strftime("%d/%m/%Y %H:%M"),
            "number": self.work_order.number,
        } + (f" {reason}" if reason else "")
        return data


@registry.register_form("e/unsolved_visit")
class UnsolvedVisit(DamageForm, InteractionFields):
    """Step 12 after a visit that could not solve the damage: the executive
    tells the customer how the work order was closed (attended without
    solution) and, with the customer, either asks for a second visit now (the
    damage is registered again as a reiteration in this case, step 10) or
    closes the case — the order stays closed without solution, so a new report
    of this damage is a reiteration (step 2 → 10). Closing, the call is the
    case's quality call."""

    calls_customer = True

    second_visit = forms.TypedChoiceField(
        label=gettext_lazy("How does the case go on?"),
        choices=[
            ("yes", gettext_lazy("A second visit: register the damage again now, prioritised")),
            (
                "no",
                gettext_lazy(
                    "Close the case: the damage stays closed without solution (if the customer "
                    "reports it again, it is registered as a reiteration)"
                ),
            ),
        ],
        coerce=_yes,
        widget=forms.RadioSelect,
    )
    conform = forms.TypedChoiceField(
        label=gettext_lazy("Closing the case: does the customer accept it?"),
        choices=[("yes", gettext_lazy("Conform")), ("no", gettext_lazy("Not conform"))],
        coerce=_yes,
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
        help_text=gettext_lazy("Only when the case closes: it is the case's quality call."),
    )

    field_order = ["second_visit", "conform"]
    # What clean() asks for when the case closes (engine/form_schema.py).
    required_when = {"conform": {"second_visit": ["no"]}}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        closing = self.variables.get("wo_result") or {}
        if closing:
            self.fields["second_visit"].help_text = _(
                "Work order %(number)s was closed attended without solution (technician: "
                "%(technician)s): %(result)s"
            ) % {
                "number": closing.get("work_order_id", ""),
                "technician": closing.get("technician") or "—",
                "result": closing.get("result", ""),
            }
            if not self.is_bound:
                self.initial["interaction_summary"] = _(
                    "The customer was told that work order %(number)s was attended without "
                    "solution: %(result)s"
                ) % {
                    "number": closing.get("work_order_id", ""),
                    "result": closing.get("result", ""),
                }
        self.order_fields(self.field_order)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("second_visit") is False and cleaned.get("conform") is None:
            self.add_error(
                "conform", _("Say whether the customer accepts closing the case without solution.")
            )
        return cleaned

    def task_data(self) -> dict:
        data = super().task_data()
        if data.get("second_visit"):
            data["conform"] = None  # the quality call comes after the second visit
        return data

    def apply_to_case(self, *, case, user) -> None:
        if self.cleaned_data["second_visit"]:
            return
        case.quality_conform = self.cleaned_data["conform"]
        case.quality_note = self.cleaned_data["interaction_summary"][:500]
        case_changed(case, "quality_conform", "quality_note")
