"""Procedure E, damage to product: the forms of its user tasks.

The process variables they leave (read by the model's gateways and actions):
damaged_service, cause, problem (step 1); address / zone / neighbourhood,
reference_phone (steps 3 and 10) and reiterated_work_order (step 10);
solved_remotely, diagnosis_summary (step 4); customer_conform, remote_result
(step 5); work_order_id, unit, technician, visit_at (steps 6–8).

Every form reads the product from the process variable `product_id`, so E
also runs as a call activity of another procedure (J, K).
"""

from datetime import timedelta
from decimal import Decimal
from functools import cached_property

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from posventa.engine.registry import registry
from posventa.integrations import helpdesk
from posventa.integrations.models import RouterState, WifiCoverage
from posventa.inventory.models import Product
from posventa.procedures.forms.common import CaseTaskForm, InteractionFields
from posventa.workorders.models import (
    DamageCause,
    DamagedService,
    FieldUnit,
    WorkOrder,
)
from posventa.workorders.selectors import (
    LAST_UNSOLVED,
    NO_OPEN_DAMAGE,
    damage_orders_of,
    damage_situation,
)
from posventa.workorders.services import workorder_prioritise

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


@registry.register_form("e/receive_report")
class ReceiveReport(DamageForm):
    """Step 1: which service fails and what happens."""

    damaged_service = forms.ChoiceField(
        label=gettext_lazy("Which service fails?"), widget=forms.RadioSelect, choices=()
    )
    cause = forms.ChoiceField(label=gettext_lazy("What happens"), choices=DamageCause.choices)
    problem = forms.CharField(
        label=gettext_lazy("The problem as the customer tells it"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        product = self.product
        services = services_of(product) if product is not None else ALL_SERVICES
        field = self.fields["damaged_service"]
        field.choices = [(s.value, s.label) for s in services]
        if product is not None:
            field.help_text = orders_overview(product)
            if not self.is_bound:
                self.initial["damaged_service"] = services[0].value

    def clean(self):
        cleaned = super().clean()
        self.require_product()
        service, cause = cleaned.get("damaged_service"), cleaned.get("cause")
        if service and cause and cause not in CAUSES_BY_SERVICE[DamagedService(service)]:
            self.add_error(
                "cause",
                _("“%(cause)s” is not a failure of %(service)s.")
                % {
                    "cause": DamageCause(cause).label,
                    "service": str(DamagedService(service).label).lower(),
                },
            )
        return cleaned


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


@registry.register_form("e/register_damage")
class RegisterDamage(PlaceFields):
    """Step 3: the damage is registered for the field unit; the customer is
    told it will be solved promptly."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.product is not None:
            self.fields["address"].help_text = orders_overview(self.product)
        if not self.is_bound:
            variables = self.variables
            service = variables.get("damaged_service")
            self.initial["interaction_summary"] = _(
                "Damage of %(service)s registered (%(problem)s); the customer was told it "
                "will be solved promptly."
            ) % {
                "service": str(DamagedService(service).label).lower() if service else "",
                "problem": variables.get("problem", ""),
            }

    def clean(self):
        cleaned = super().clean()
        product = self.require_product()
        situation, order = damage_situation(product)
        if situation != NO_OPEN_DAMAGE:
            raise ValidationError(
                _("Work order %(number)s of this product changed meanwhile (%(state)s).")
                % {"number": order.number, "state": order.get_state_display()}
            )
        return cleaned


@registry.register_form("e/register_reiteration")
class RegisterReiteration(PlaceFields):
    """Steps 9–10: the last damage was closed attended without solution; a
    new damage with the same cause is registered, linked to it."""

    def last_unsolved(self) -> WorkOrder | None:
        product = self.product
        if product is None:
            return None
        situation, order = damage_situation(product)
        return order if situation == LAST_UNSOLVED else None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        earlier = self.last_unsolved()
        if earlier is None:
            return
        self.fields["address"].help_text = _(
            "Reiterates %(number)s (%(cause)s), closed without solution on %(when)s: %(result)s"
        ) % {
            "number": earlier.number,
            "cause": earlier.get_cause_display() or "—",
            "when": timezone.localtime(earlier.closed_at).strftime("%d/%m/%Y"),
            "result": earlier.result,
        }
        if not self.is_bound:
            if earlier.reference_phone:
                self.initial["reference_phone"] = earlier.reference_phone
            self.initial["interaction_summary"] = _(
                "The damage was registered again with the same cause, reiterating "
                "%(number)s, and is being prioritised."
            ) % {"number": earlier.number}

    def clean(self):
        cleaned = super().clean()
        self.require_product()
        if self.last_unsolved() is None:
            raise ValidationError(
                _(
                    "The product's last damage was not closed without solution: "
                    "nothing to reiterate."
                )
            )
        return cleaned

    def task_data(self) -> dict:
        data = super().task_data()
        earlier = self.last_unsolved()
        data["reiterated_work_order"] = earlier.number
        data.setdefault("damaged_service", earlier.damaged_service)
        if not self.variables.get("problem"):
            data["problem"] = _("Reiteration of %(number)s") % {"number": earlier.number}
        return data


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


@registry.register_form("e/test_with_customer")
class TestWithCustomer(DamageForm, InteractionFields):
    """Step 5: the analyst tests with the customer until conformity; then the
    system closes the work order as unfounded. Not conform: to the field."""

    customer_conform = forms.TypedChoiceField(
        label=gettext_lazy("Does the customer confirm the service works?"),
        choices=[
            ("yes", gettext_lazy("Yes: close the work order as unfounded")),
            ("no", gettext_lazy("No: it goes to the field unit (USM)")),
        ],
        coerce=_yes,
        widget=forms.RadioSelect,
    )

    field_order = ["customer_conform"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["interaction_summary"] = _(
                "Remote tests with the customer: %(diagnosis)s"
            ) % {"diagnosis": self.variables.get("diagnosis_summary", "")}
        self.order_fields(self.field_order)

    def task_data(self) -> dict:
        data = super().task_data()
        data["remote_result"] = _("Solved remotely. %(diagnosis)s Tests: %(tests)s") % {
            "diagnosis": self.variables.get("diagnosis_summary", ""),
            "tests": data.get("interaction_summary", ""),
        }
        return data


@registry.register_form("e/prioritise")
class Prioritise(DamageForm):
    """Step 11: the technical manager agrees priority attention of the
    reiteration with the Operations Center."""

    priority_note = forms.CharField(
        label=gettext_lazy("What was agreed with the Operations Center"),
        max_length=400,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean(self):
        cleaned = super().clean()
        if self.work_order is None:
            raise ValidationError(_("The case follows no damage work order."))
        return cleaned

    def apply_to_case(self, *, case, user) -> None:
        if not self.work_order.is_open:
            return  # closed meanwhile: the next step goes on with how it ended
        workorder_prioritise(
            work_order=self.work_order, note=self.cleaned_data["priority_note"], user=user
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
    technician = forms.CharField(label=gettext_lazy("Technician"), max_length=150)
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
        order = self.work_order
        if order is not None:
            self.fields["technician"].help_text = _(
                "Work order %(number)s (%(state)s), %(service)s: %(cause)s. Address: %(address)s. "
                "Reference phone: %(phone)s."
            ) % {
                "number": order.number,
                "state": order.get_state_display(),
                "service": order.get_damaged_service_display() or order.get_kind_display(),
                "cause": order.get_cause_display() or order.description,
                "address": ", ".join(
                    p for p in (order.address, order.neighbourhood, order.zone) if p
                ),
                "phone": order.reference_phone or "—",
            }
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
            data["wo_result"] = {
                "work_order_id": order.number,
                "state": order.state,
                "state_label": str(order.get_state_display()),
                "result": order.result,
                "technician": order.technician,
                "closed_at": order.closed_at.isoformat(),
            }
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
