"""Work orders: what the field units (USM, PAS, Resources) do at a customer's
address — installations, relocations, damages, withdrawals, visits — and how
each ended. The technical manager follows them; a process waiting for one
moves on when it closes."""

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from posventa.cases.models import Case
from posventa.common.models import BaseModel
from posventa.customers.models import Company
from posventa.inventory.models import Product


class WorkOrderKind(models.TextChoices):
    INSTALLATION = "installation", _("Installation")
    RELOCATION = "relocation", _("Relocation")
    DAMAGE = "damage", _("Damage repair")
    WITHDRAWAL = "withdrawal", _("Withdrawal")
    VISIT = "visit", _("Support visit")


class DamagedService(models.TextChoices):
    """Which service of the product fails (procedure E, step 1.1): internet
    damages go to the analyst first, line and pay-TV ones to the technical
    manager."""

    INTERNET = "internet", _("Internet")
    LINE = "line", _("Telephone line")
    PAY_TV = "pay_tv", _("Pay TV")


class DamageCause(models.TextChoices):
    """Why the product fails, as the customer reports it; a reiteration keeps
    the cause of the order it repeats."""

    NO_SERVICE = "no_service", _("No service")
    OUTAGES = "outages", _("Intermittent service (outages)")
    SLOW = "slow", _("Slow browsing")
    WIFI = "wifi", _("Poor wifi coverage")
    NO_DIAL_TONE = "no_dial_tone", _("No dial tone")
    NOISE = "noise", _("Noise on the line")
    NO_SIGNAL = "no_signal", _("No TV signal")
    EQUIPMENT = "equipment", _("Faulty equipment")
    OTHER = "other", _("Other")


class Priority(models.TextChoices):
    """How soon the field unit attends the order. A reiteration starts high;
    otherwise the technical manager agrees it with the Operations Center
    (a `Prioritisation`), and the order carries the last one agreed."""

    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High (prioritised with the Operations Center)")
    URGENT = "urgent", _("Urgent: attended the same day")


class WorkOrderState(models.TextChoices):
    """The states the manual names (procedure E reads them all)."""

    REGISTERED = "registered", _("Registered")
    ASSIGNED = "assigned", _("Assigned")
    ATTENDED_WITHOUT_SOLUTION = "attended_without_solution", _("Closed: attended without solution")
    CLOSED_RESOLVED = "closed_resolved", _("Closed: resolved")
    UNFOUNDED = "unfounded", _("Closed: unfounded")


OPEN_STATES = (WorkOrderState.REGISTERED, WorkOrderState.ASSIGNED)
CLOSED_STATES = (
    WorkOrderState.ATTENDED_WITHOUT_SOLUTION,
    WorkOrderState.CLOSED_RESOLVED,
    WorkOrderState.UNFOUNDED,
)
# States in which a field unit has (had) the order in hand.
IN_FIELD_STATES = (
    WorkOrderState.ASSIGNED,
    WorkOrderState.ATTENDED_WITHOUT_SOLUTION,
    WorkOrderState.CLOSED_RESOLVED,
)


class FieldUnit(models.TextChoices):
    """Who does the work on site."""

    RESOURCES = "resources", _("Resources management (installations)")
    USM = "usm", _("USM (field maintenance)")
    PAS = "pas", _("PAS (field support)")


class TechnicianQuerySet(models.QuerySet):
    def active(self) -> "TechnicianQuerySet":
        return self.filter(active=True)


class Technician(BaseModel):
    """A field technician the technical manager gives visits to (procedure E
    steps 6–8, the work order's assignment). The team keeps the list in the
    admin; one who leaves is made inactive, never deleted, so the orders that
    name him still read right. A work order stores the technician's name (its
    `technician` text), which is why the name is unique."""

    name = models.CharField(_("name"), max_length=150)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    zone = models.CharField(_("zone or area"), max_length=100, blank=True)
    active = models.BooleanField(
        _("active"), default=True, help_text=_("Only active technicians are offered for a visit.")
    )

    objects = TechnicianQuerySet.as_manager()

    class Meta:
        verbose_name = _("technician")
        verbose_name_plural = _("technicians")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=~models.Q(name=""), name="technician_has_a_name"),
            # One row per person, whatever the capitals: the orders store the name.
            models.UniqueConstraint(
                Lower("name"),
                name="technician_name_unique",
                violation_error_message=_("A technician with this name already exists."),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class WorkOrderQuerySet(models.QuerySet):
    def visible_to(self, user) -> "WorkOrderQuerySet":
        """The work orders of the companies this user may see."""
        return self.filter(company__in=Company.objects.visible_to(user))

    def open(self) -> "WorkOrderQuerySet":
        return self.filter(state__in=OPEN_STATES)


class WorkOrder(BaseModel):
    """One job for a field unit at a customer's address."""

    number = models.CharField(_("number"), max_length=20, unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=WorkOrderKind.choices)
    company = models.ForeignKey(
        Company, verbose_name=_("company"), on_delete=models.PROTECT, related_name="work_orders"
    )
    product = models.ForeignKey(
        Product,
        verbose_name=_("product"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="work_orders",
    )
    case = models.ForeignKey(
        Case,
        verbose_name=_("case"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="work_orders",
    )
    address = models.CharField(_("address"), max_length=250)
    zone = models.CharField(_("zone"), max_length=100, blank=True)
    neighbourhood = models.CharField(_("neighbourhood"), max_length=100, blank=True)
    description = models.TextField(_("what to do"), blank=True)
    state = models.CharField(
        _("state"),
        max_length=32,
        choices=WorkOrderState.choices,
        default=WorkOrderState.REGISTERED,
    )
    unit = models.CharField(_("field unit"), max_length=16, choices=FieldUnit.choices, blank=True)
    technician = models.CharField(_("technician"), max_length=150, blank=True)
    scheduled_at = models.DateTimeField(_("visit scheduled for"), null=True, blank=True)
    assigned_at = models.DateTimeField(_("assigned at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    result = models.TextField(_("result"), blank=True)
    # Damages (procedure E): the failing service, the cause, whom to call, and
    # the earlier order a reiteration repeats (closed without solution).
    damaged_service = models.CharField(
        _("damaged service"), max_length=16, choices=DamagedService.choices, blank=True
    )
    cause = models.CharField(_("cause"), max_length=32, choices=DamageCause.choices, blank=True)
    reference_phone = models.CharField(_("reference phone"), max_length=30, blank=True)
    priority = models.CharField(
        _("priority"), max_length=8, choices=Priority.choices, default=Priority.NORMAL
    )
    reiterates = models.ForeignKey(
        "self",
        verbose_name=_("reiterates"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reiterations",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("registered by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("closed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = WorkOrderQuerySet.as_manager()

    class Meta:
        verbose_name = _("work order")
        verbose_name_plural = _("work orders")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=WorkOrderKind.values), name="workorder_kind_known"
            ),
            models.CheckConstraint(
                condition=models.Q(state__in=WorkOrderState.values),
                name="workorder_state_known",
            ),
            models.CheckConstraint(
                condition=models.Q(unit__in=[*FieldUnit.values, ""]),
                name="workorder_unit_known",
            ),
            # A closed order says when and how it ended; an open one neither.
            models.CheckConstraint(
                condition=(
                    models.Q(state__in=CLOSED_STATES, closed_at__isnull=False)
                    & ~models.Q(result="")
                )
                | (~models.Q(state__in=CLOSED_STATES) & models.Q(closed_at=None, result="")),
                name="workorder_closed_has_time_and_result",
            ),
            # An order a field unit has in hand says which unit and since when;
            # a registered one has not been given to anyone yet.
            models.CheckConstraint(
                condition=(
                    ~models.Q(state__in=IN_FIELD_STATES)
                    | (~models.Q(unit="") & models.Q(assigned_at__isnull=False))
                )
                & (~models.Q(state=WorkOrderState.REGISTERED) | models.Q(assigned_at=None)),
                name="workorder_assigned_has_unit",
            ),
            models.CheckConstraint(
                condition=models.Q(closed_at=None)
                | models.Q(closed_at__gte=models.F("created_at")),
                name="workorder_closes_after_it_opens",
            ),
            models.CheckConstraint(
                condition=models.Q(priority__in=Priority.values),
                name="workorder_priority_known",
            ),
            models.CheckConstraint(
                condition=models.Q(damaged_service__in=[*DamagedService.values, ""])
                & models.Q(cause__in=[*DamageCause.values, ""]),
                name="workorder_damage_values_known",
            ),
            # Only a damage has a failing service and a cause; a reiteration is
            # a damage that names its cause (the one of the order it repeats).
            models.CheckConstraint(
                condition=models.Q(kind=WorkOrderKind.DAMAGE)
                | models.Q(damaged_service="", cause="", reiterates=None),
                name="workorder_only_damages_have_a_cause",
            ),
            models.CheckConstraint(
                condition=models.Q(reiterates=None) | ~models.Q(cause=""),
                name="workorder_reiteration_has_cause",
            ),
            models.CheckConstraint(
                condition=~models.Q(reiterates=models.F("pk")),
                name="workorder_does_not_reiterate_itself",
            ),
            # Procedure E step 2: a product has at most one damage being repaired.
            models.UniqueConstraint(
                fields=["product"],
                condition=models.Q(kind=WorkOrderKind.DAMAGE, state__in=OPEN_STATES),
                name="workorder_one_open_damage_per_product",
                violation_error_message=_(
                    "This product already has a damage work order being attended."
                ),
            ),
        ]
        indexes = [
            # The technical manager's list: orders in a state, newest first.
            models.Index(fields=["state", "-created_at"], name="workorder_state_idx"),
            # Procedure E step 2: a product's open orders of a kind.
            models.Index(
                fields=["product", "kind"],
                condition=models.Q(state__in=OPEN_STATES),
                name="workorder_open_by_product_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES


class WorkOrderNumberCounter(models.Model):
    """The last work order number given in a year (OT-2026-000123)."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class WorkOrderChange(models.Model):
    """Who did what to a work order, and when: its history."""

    work_order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="changes")
    at = models.DateTimeField(_("when"))
    state = models.CharField(_("state"), max_length=32, choices=WorkOrderState.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("work order change")
        verbose_name_plural = _("work order changes")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.work_order} · {self.get_state_display()}"


class Prioritisation(BaseModel):
    """The technical manager's call to the Operations Center to have a work
    order attended first (procedure E step 11, J 5.1, K 9.1 and 14): whom
    she spoke to, when, the priority agreed and what was agreed. The order
    carries the priority of its latest prioritisation."""

    work_order = models.ForeignKey(
        WorkOrder,
        verbose_name=_("work order"),
        on_delete=models.PROTECT,
        related_name="prioritisations",
    )
    case = models.ForeignKey(
        Case,
        verbose_name=_("case"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="prioritisations",
    )
    operations_contact = models.CharField(_("spoke with at the Operations Center"), max_length=150)
    called_at = models.DateTimeField(_("called at"))
    priority = models.CharField(_("priority agreed"), max_length=8, choices=Priority.choices)
    agreement = models.TextField(_("what was agreed"), max_length=1000)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("prioritisation")
        verbose_name_plural = _("prioritisations")
        ordering = ["called_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(priority__in=Priority.values),
                name="prioritisation_priority_known",
            ),
            # Someone was spoken to, and something was agreed.
            models.CheckConstraint(
                condition=~models.Q(operations_contact="") & ~models.Q(agreement=""),
                name="prioritisation_says_who_and_what",
            ),
            # The call was made before it was recorded, never in the future.
            models.CheckConstraint(
                condition=models.Q(called_at__lte=models.F("created_at")),
                name="prioritisation_called_before_recorded",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.work_order} · {self.get_priority_display()}"
