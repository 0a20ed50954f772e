from datetime import date

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from posventa.catalog.models import (
    EquipmentKind,
    EquipmentPart,
    Plan,
    SupplementaryService,
    Technology,
)
from posventa.common.dates import add_months
from posventa.common.models import BaseModel
from posventa.customers.models import Company


class ProductStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Temporarily suspended")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Product(BaseModel):
    """A product installed for a customer: a line, an internet access, a TV service…"""

    company = models.ForeignKey(
        Company, verbose_name=_("company"), on_delete=models.PROTECT, related_name="products"
    )
    service_number = models.CharField(_("service number"), max_length=32, unique=True)
    plan = models.ForeignKey(
        Plan, verbose_name=_("plan"), on_delete=models.PROTECT, related_name="products"
    )
    technology = models.CharField(
        _("technology"), max_length=16, choices=Technology.choices, blank=True
    )
    installation_address = models.CharField(_("installation address"), max_length=250)
    zone = models.CharField(_("zone"), max_length=100, blank=True)
    neighbourhood = models.CharField(_("neighbourhood"), max_length=100, blank=True)
    installed_on = models.DateField(_("installed on"))
    minimum_permanence_months = models.PositiveSmallIntegerField(
        _("minimum permanence (months)"), default=0, validators=[MaxValueValidator(60)]
    )
    status = models.CharField(
        _("status"), max_length=16, choices=ProductStatus.choices, default=ProductStatus.ACTIVE
    )
    withdrawn_on = models.DateField(_("withdrawn on"), null=True, blank=True)
    supplementary_services = models.ManyToManyField(
        SupplementaryService,
        through="ProductSupplementaryService",
        verbose_name=_("supplementary services"),
        related_name="products",
        blank=True,
    )

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["service_number"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(technology__in=[*Technology.values, ""]),
                name="product_technology_known",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=ProductStatus.values),
                name="product_status_known",
            ),
            # A withdrawn product says when; any other has no withdrawal date.
            models.CheckConstraint(
                condition=(
                    models.Q(status=ProductStatus.WITHDRAWN, withdrawn_on__isnull=False)
                    | (~models.Q(status=ProductStatus.WITHDRAWN) & models.Q(withdrawn_on=None))
                ),
                name="product_withdrawn_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.service_number} · {self.plan.name}"

    @property
    def permanence_ends_on(self) -> date:
        """The first day the customer may leave without an early-termination penalty."""
        return add_months(self.installed_on, self.minimum_permanence_months)

    def permanence_fulfilled(self, on: date) -> bool:
        return on >= self.permanence_ends_on


class ProductSupplementaryService(BaseModel):
    """A supplementary service enabled on a fixed line."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="enabled_services")
    service = models.ForeignKey(
        SupplementaryService, verbose_name=_("service"), on_delete=models.PROTECT
    )
    enabled_on = models.DateField(_("enabled on"))

    class Meta:
        verbose_name = _("enabled supplementary service")
        verbose_name_plural = _("enabled supplementary services")
        constraints = [
            models.UniqueConstraint(
                fields=["product", "service"], name="product_service_enabled_once"
            ),
        ]

    def __str__(self) -> str:
        return str(self.service)


class ReturnCondition(models.TextChoices):
    """How a device came back when its product was withdrawn (procedure H,
    step 8; procedure C, step 4)."""

    COMPLETE = "complete", _("Returned complete, without damage")
    INCOMPLETE = "incomplete", _("Returned incomplete (parts missing)")
    DAMAGED = "damaged", _("Returned damaged")
    MISSING = "missing", _("Not returned")


# Came back to the office, whatever its state.
RETURNED_CONDITIONS = (
    ReturnCondition.COMPLETE,
    ReturnCondition.INCOMPLETE,
    ReturnCondition.DAMAGED,
)
# What the customer is charged for.
BILLABLE_CONDITIONS = (ReturnCondition.INCOMPLETE, ReturnCondition.DAMAGED, ReturnCondition.MISSING)


class Equipment(BaseModel):
    """A device lent with a product; returned on withdrawal or technology change."""

    product = models.ForeignKey(
        Product, verbose_name=_("product"), on_delete=models.CASCADE, related_name="equipment"
    )
    serial = models.CharField(_("serial number"), max_length=64, unique=True)
    # Its parts are those its kind lists in the equipment catalogue (catalog.EquipmentType).
    kind = models.CharField(_("kind"), max_length=16, choices=EquipmentKind.choices)
    returned_on = models.DateField(_("returned on"), null=True, blank=True)
    # Procedures H and C: the return checked at the office, what is billed, the warehouse.
    return_condition = models.CharField(
        _("condition on return"), max_length=16, choices=ReturnCondition.choices, blank=True
    )
    missing_parts = models.ManyToManyField(
        EquipmentPart,
        through="EquipmentMissingPart",
        verbose_name=_("missing parts"),
        related_name="+",
        blank=True,
    )
    # How many rows `missing_parts` has, kept by the return's service, so the
    # database can hold "incomplete ⇔ at least one part missing".
    missing_part_count = models.PositiveSmallIntegerField(_("missing parts"), default=0)
    return_note = models.CharField(_("note on the return (damage)"), max_length=250, blank=True)
    billed_on = models.DateField(_("billed to the customer on"), null=True, blank=True)
    billed_amount = models.DecimalField(
        _("billed amount (Bs)"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    warehouse_on = models.DateField(_("handed to the warehouse on"), null=True, blank=True)
    warehouse_received_by = models.CharField(
        _("received at the warehouse by"), max_length=150, blank=True
    )

    class Meta:
        verbose_name = _("equipment")
        verbose_name_plural = _("equipment")
        ordering = ["kind", "serial"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=EquipmentKind.values),
                name="equipment_kind_known",
            ),
            models.CheckConstraint(
                condition=models.Q(return_condition__in=[*ReturnCondition.values, ""]),
                name="equipment_return_condition_known",
            ),
            # Returned (complete, incomplete or damaged) says when; missing was never returned.
            models.CheckConstraint(
                condition=~models.Q(return_condition__in=RETURNED_CONDITIONS)
                | models.Q(returned_on__isnull=False),
                name="equipment_returned_has_date",
            ),
            models.CheckConstraint(
                condition=~models.Q(return_condition="missing") | models.Q(returned_on=None),
                name="equipment_missing_not_returned",
            ),
            # Incomplete lists at least one missing part; any other state none.
            models.CheckConstraint(
                condition=models.Q(return_condition="incomplete", missing_part_count__gte=1)
                | (~models.Q(return_condition="incomplete") & models.Q(missing_part_count=0)),
                name="equipment_incomplete_lists_missing_parts",
            ),
            # A damaged device says what is damaged.
            models.CheckConstraint(
                condition=~models.Q(return_condition="damaged") | ~models.Q(return_note=""),
                name="equipment_damaged_has_note",
            ),
            # Only an incomplete, damaged or missing device is billed, and with
            # its amount (Bs 0 when its missing parts cost nothing).
            models.CheckConstraint(
                condition=models.Q(billed_on=None, billed_amount=None)
                | (
                    models.Q(return_condition__in=BILLABLE_CONDITIONS)
                    & models.Q(
                        billed_on__isnull=False, billed_amount__isnull=False, billed_amount__gte=0
                    )
                ),
                name="equipment_billed_when_incomplete_damaged_or_missing",
            ),
            # The warehouse gets only what came back.
            models.CheckConstraint(
                condition=models.Q(warehouse_on=None) | models.Q(returned_on__isnull=False),
                name="equipment_warehouse_after_return",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.serial}"

    @property
    def return_settled(self) -> bool:
        """Procedure H, step 8: back complete, or what it owes billed."""
        return self.return_condition == ReturnCondition.COMPLETE or self.billed_on is not None


class EquipmentMissingPart(BaseModel):
    """A part a device came back without (its return is "incomplete"): one of
    the parts its kind lists in the equipment catalogue, charged at its tariff."""

    equipment = models.ForeignKey(
        Equipment,
        verbose_name=_("equipment"),
        on_delete=models.CASCADE,
        related_name="missing_part_rows",
    )
    part = models.ForeignKey(EquipmentPart, verbose_name=_("part"), on_delete=models.PROTECT)

    class Meta:
        verbose_name = _("missing part")
        verbose_name_plural = _("missing parts")
        ordering = ["part__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["equipment", "part"], name="equipment_part_missing_once"
            ),
        ]

    def __str__(self) -> str:
        return str(self.part)


class Suspension(BaseModel):
    """A temporary suspension of a product, from its start to its end date (inclusive)."""

    product = models.ForeignKey(
        Product, verbose_name=_("product"), on_delete=models.CASCADE, related_name="suspensions"
    )
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    reconnected_on = models.DateField(_("reconnected on"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("suspension")
        verbose_name_plural = _("suspensions")
        ordering = ["-starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(starts_on__lte=models.F("ends_on")),
                name="suspension_starts_before_it_ends",
            ),
        ]
        indexes = [
            # "At most one suspension per product per calendar year" looks here.
            models.Index(fields=["product", "starts_on"], name="suspension_product_year_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.starts_on:%d/%m/%Y} – {self.ends_on:%d/%m/%Y}"
