from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from posventa.common.models import BaseModel


class ProductTypeCode(models.TextChoices):
    """The products the manual names; rules (final invoice, reconnection) key on them."""

    FIXED_LINE = "fixed_line", _("Fixed telephone line")
    INTERNET = "internet", _("Internet")
    PAY_TV = "pay_tv", _("Pay TV")
    DUO_PACK = "duo_pack", _("Duo Pack")
    MULTIPACK = "multipack", _("Multipack")
    HSPA = "hspa", _("HSPA mobile broadband")
    BOLIVIATEL_LD = "boliviatel_ld", _("Boliviatel long distance")


class Technology(models.TextChoices):
    """Access network a product is installed on. HSPA and long distance have none."""

    COPPER = "copper", _("Copper")
    FIBER = "fiber", _("Fiber")


class ProductType(BaseModel):
    code = models.CharField(_("code"), max_length=32, unique=True, choices=ProductTypeCode.choices)
    name = models.CharField(_("name"), max_length=100)
    # Whether products of this type are installed on copper or fiber.
    uses_access_network = models.BooleanField(_("installed on copper or fiber"), default=True)

    class Meta:
        verbose_name = _("product type")
        verbose_name_plural = _("product types")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Plan(BaseModel):
    """A commercial plan: what the customer pays each month for a product type."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=150)
    product_type = models.ForeignKey(
        ProductType, verbose_name=_("product type"), on_delete=models.PROTECT, related_name="plans"
    )
    monthly_price = models.DecimalField(
        _("monthly price (Bs)"),
        max_digits=10,
        decimal_places=2,
        validators=[MinValueValidator(0)],
    )
    # Multipack plans include basic telephony (Bs 70), which a withdrawal
    # charges whole while the rest of the plan is prorated.
    basic_telephony_amount = models.DecimalField(
        _("basic telephony part (Bs)"),
        max_digits=10,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(0)],
    )
    is_active = models.BooleanField(_("offered"), default=True)

    class Meta:
        verbose_name = _("plan")
        verbose_name_plural = _("plans")
        ordering = ["product_type__name", "monthly_price"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(monthly_price__gte=0), name="plan_price_not_negative"
            ),
            models.CheckConstraint(
                condition=models.Q(basic_telephony_amount__gte=0)
                & models.Q(basic_telephony_amount__lte=models.F("monthly_price")),
                name="plan_basic_telephony_within_price",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class SupplementaryService(BaseModel):
    """A fixed-line feature enabled or disabled in procedure A."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    description = models.CharField(_("description"), max_length=250, blank=True)

    class Meta:
        verbose_name = _("supplementary service")
        verbose_name_plural = _("supplementary services")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class TariffCode(models.TextChoices):
    CALL_DETAIL_PREVIOUS_MONTH = "call_detail_previous_month", _("Call detail, each previous month")
    BASIC_TELEPHONY = "basic_telephony", _("Basic telephony (Multipack part)")
    SUPPLEMENTARY_SERVICE = "supplementary_service", _("Supplementary service enablement")
    RELOCATION = "relocation", _("Product relocation")
    EXCESS_CABLE_PER_METRE = "excess_cable_per_metre", _("Excess cable, per metre")
    EARLY_TERMINATION_PENALTY = (
        "early_termination_penalty",
        _("Early-termination penalty (share of the remaining months)"),
    )
    # The replacement price of each part of a lent device, charged when the
    # device comes back without it (procedures H and C).
    PART_POWER_SUPPLY = "part_power_supply", _("Part: power supply")
    PART_REMOTE_CONTROL = "part_remote_control", _("Part: remote control")
    PART_HDMI_CABLE = "part_hdmi_cable", _("Part: HDMI cable")
    PART_NETWORK_CABLE = "part_network_cable", _("Part: network cable")
    PART_PHONE_CORD = "part_phone_cord", _("Part: telephone cord")
    PART_FIBER_PATCH_CORD = "part_fiber_patch_cord", _("Part: fiber patch cord")
    PART_ANTENNA = "part_antenna", _("Part: antenna")
    PART_HANDSET = "part_handset", _("Part: handset")
    PART_USB_CABLE = "part_usb_cable", _("Part: USB cable")
    # The replacement price of a whole device, proposed when it comes back
    # damaged or does not come back.
    DEVICE_MODEM = "device_modem", _("Device: modem")
    DEVICE_ROUTER = "device_router", _("Device: Wi-Fi router")
    DEVICE_ONT = "device_ont", _("Device: fiber ONT")
    DEVICE_DECODER = "device_decoder", _("Device: TV decoder")
    DEVICE_PHONE = "device_phone", _("Device: telephone set")
    DEVICE_HSPA_MODEM = "device_hspa_modem", _("Device: HSPA modem")


class TariffUnit(models.TextChoices):
    BS_PER_EVENT = "bs_per_event", _("Bs per request")
    BS_PER_MONTH = "bs_per_month", _("Bs per month")
    BS_PER_METRE = "bs_per_metre", _("Bs per metre")
    BS_PER_UNIT = "bs_per_unit", _("Bs per unit")
    PERCENT = "percent", _("percent")


class Tariff(BaseModel):
    """A fee the procedures charge. Those the manual gives are marked so; the
    others are defaults the commercial team edits in the admin."""

    code = models.CharField(_("code"), max_length=40, unique=True, choices=TariffCode.choices)
    amount = models.DecimalField(
        _("amount"), max_digits=10, decimal_places=2, validators=[MinValueValidator(0)]
    )
    unit = models.CharField(_("unit"), max_length=16, choices=TariffUnit.choices)
    from_manual = models.BooleanField(
        _("figure given by the manual"),
        default=False,
        help_text=_("Unticked: an editable default, not a figure of the manual."),
    )
    note = models.CharField(_("note"), max_length=250, blank=True)

    class Meta:
        verbose_name = _("tariff")
        verbose_name_plural = _("tariffs")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="tariff_not_negative"),
            models.CheckConstraint(
                condition=~models.Q(unit="percent") | models.Q(amount__lte=100),
                name="tariff_percent_at_most_100",
            ),
        ]

    def __str__(self) -> str:
        return self.get_code_display()


class EquipmentKind(models.TextChoices):
    """The kinds of device lent with a product."""

    MODEM = "modem", _("Modem")
    ROUTER = "router", _("Wi-Fi router")
    ONT = "ont", _("Fiber ONT")
    DECODER = "decoder", _("TV decoder")
    PHONE = "phone", _("Telephone set")
    HSPA_MODEM = "hspa_modem", _("HSPA modem")


class EquipmentPart(BaseModel):
    """A part that comes with a lent device — power supply, remote control, a
    cable, an antenna. A device that comes back without it is charged the
    part's tariff."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    tariff = models.OneToOneField(
        Tariff,
        verbose_name=_("replacement price (tariff)"),
        on_delete=models.PROTECT,
        related_name="equipment_part",
    )

    class Meta:
        verbose_name = _("equipment part")
        verbose_name_plural = _("equipment parts")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def price(self):
        return self.tariff.amount


class EquipmentType(BaseModel):
    """The equipment catalogue: a kind of device and the parts it is lent
    with, which it must come back with. Its replacement tariff, when it has
    one, is proposed as the charge for the device damaged or not returned."""

    kind = models.CharField(_("kind"), max_length=16, unique=True, choices=EquipmentKind.choices)
    parts = models.ManyToManyField(
        EquipmentPart, verbose_name=_("parts"), related_name="equipment_types", blank=True
    )
    replacement_tariff = models.OneToOneField(
        Tariff,
        verbose_name=_("replacement price of the device (tariff)"),
        on_delete=models.PROTECT,
        related_name="equipment_type",
        null=True,
        blank=True,
    )

    class Meta:
        verbose_name = _("equipment type")
        verbose_name_plural = _("equipment catalogue")
        ordering = ["kind"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=EquipmentKind.values),
                name="equipment_type_kind_known",
            ),
        ]

    def __str__(self) -> str:
        return str(self.get_kind_display())


# --- The team's own rules (not the manual's) --------------------------------------------
#
# Sensible defaults the procedures apply that the manual does not state. They
# are the team's, editable in the admin and labelled "regla del equipo (no del
# manual)", like the tariff table's editable defaults; the code reads them
# through `catalog.selectors.team_rule`, and each step that applies one says
# which rule and its value.


class TeamRuleCode(models.TextChoices):
    PROMISE_MAX_DAYS = "i_promise_max_days", _("I · Longest term of a payment promise")
    DUNNING_LETTER_TRIGGER = "i_dunning_letter_trigger", _("I · When the dunning letter is issued")
    PROMISE_KEPT = "i_promise_kept", _("I · When a payment promise is kept")
    PENALTY_FORMULA = "h_penalty_formula", _("H · Early-termination penalty formula")


class DunningLetterTrigger(models.TextChoices):
    NO_PROMISE = "no_promise", _("Automatically, when the debtor makes no payment promise")
    EXECUTIVE_DECIDES = (
        "executive_decides",
        _("Not automatically: the executive decides on the call"),
    )


class PromiseKept(models.TextChoices):
    PROMISED_AMOUNT = (
        "promised_amount",
        _("The promised amount of what was overdue at the call is paid"),
    )
    ALL_OVERDUE = "all_overdue", _("Every invoice that was overdue at the call is paid")


class PenaltyFormula(models.TextChoices):
    WHOLE_MONTHS = (
        "whole_months",
        _("Percentage of the monthly price for each month missing (a month begun counts whole)"),
    )
    PRORATED_DAYS = (
        "prorated_days",
        _("Percentage of the monthly price for the time missing (the last month by its days)"),
    )


# The options of each rule whose value is a choice.
TEAM_RULE_CHOICES: dict[str, type[models.TextChoices]] = {
    TeamRuleCode.DUNNING_LETTER_TRIGGER: DunningLetterTrigger,
    TeamRuleCode.PROMISE_KEPT: PromiseKept,
    TeamRuleCode.PENALTY_FORMULA: PenaltyFormula,
}
# Bounds of the typed values (the database holds them too).
PROMISE_DAYS_MIN, PROMISE_DAYS_MAX = 1, 31
PENALTY_PERCENT_MAX = 100


class TeamRule(BaseModel):
    """A rule of the team's own that the procedures apply where the manual is
    silent — I's longest promise, when I issues the dunning letter, when I
    calls a promise kept, H's penalty formula. Never a figure of the manual
    (`from_manual` is false, and the database says so); its value is typed by
    its code: a number of days, an option, or an option and a percentage."""

    code = models.CharField(_("code"), max_length=40, unique=True, choices=TeamRuleCode.choices)
    procedure = models.CharField(_("procedure"), max_length=1)
    label = models.CharField(_("name"), max_length=150)
    days = models.PositiveSmallIntegerField(_("days"), null=True, blank=True)
    choice = models.CharField(_("option"), max_length=32, blank=True)
    percent = models.DecimalField(
        _("percentage"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    from_manual = models.BooleanField(
        _("figure given by the manual"),
        default=False,
        help_text=_("Team rule (not from the manual): the manual does not state it."),
    )
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("team rule (not from the manual)")
        verbose_name_plural = _("team rules (not from the manual)")
        ordering = ["procedure", "code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(code__in=TeamRuleCode.values), name="teamrule_code_known"
            ),
            models.CheckConstraint(
                condition=models.Q(from_manual=False), name="teamrule_not_from_manual"
            ),
            models.CheckConstraint(
                condition=~models.Q(code=TeamRuleCode.PROMISE_MAX_DAYS)
                | models.Q(
                    days__isnull=False,
                    days__gte=PROMISE_DAYS_MIN,
                    days__lte=PROMISE_DAYS_MAX,
                    choice="",
                    percent__isnull=True,
                ),
                name="teamrule_promise_days_bounded",
            ),
            models.CheckConstraint(
                condition=~models.Q(code=TeamRuleCode.DUNNING_LETTER_TRIGGER)
                | models.Q(
                    choice__in=DunningLetterTrigger.values, days__isnull=True, percent__isnull=True
                ),
                name="teamrule_letter_trigger_known",
            ),
            models.CheckConstraint(
                condition=~models.Q(code=TeamRuleCode.PROMISE_KEPT)
                | models.Q(choice__in=PromiseKept.values, days__isnull=True, percent__isnull=True),
                name="teamrule_promise_kept_known",
            ),
            models.CheckConstraint(
                condition=~models.Q(code=TeamRuleCode.PENALTY_FORMULA)
                | models.Q(
                    choice__in=PenaltyFormula.values,
                    days__isnull=True,
                    percent__isnull=False,
                    percent__gt=0,
                    percent__lte=PENALTY_PERCENT_MAX,
                ),
                name="teamrule_penalty_formula_bounded",
            ),
        ]

    def __str__(self) -> str:
        return self.label
