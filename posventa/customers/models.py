from django.conf import settings
from django.db import models
from django.db.models.functions import Upper
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from posventa.accounts.roles import Capability, can, sees_every_portfolio
from posventa.common.models import BaseModel, Channel
from posventa.common.nit import NIT_MAX_DIGITS, NIT_PATTERN, validate_nit


class CompanyQuerySet(models.QuerySet):
    def visible_to(self, user) -> "CompanyQuerySet":
        """The companies this user may open: an executive, her portfolio; the
        roles that serve the whole team, every company; anyone else (a
        deactivated user, an anonymous one), none."""
        if sees_every_portfolio(user):
            return self
        if can(user, Capability.OWN_PORTFOLIO):
            return self.filter(executive=user)
        return self.none()


def company_visible_to(company: "Company", user) -> bool:
    """`visible_to` for a company already read: the same rule, no query."""
    if sees_every_portfolio(user):
        return True
    return can(user, Capability.OWN_PORTFOLIO) and company.executive_id == user.pk


class Company(BaseModel):
    """An enterprise customer: a legal entity with a NIT, in one executive's portfolio."""

    nit = models.CharField(
        _("NIT"), max_length=NIT_MAX_DIGITS, unique=True, validators=[validate_nit]
    )
    legal_name = models.CharField(_("legal name"), max_length=200)
    trade_name = models.CharField(_("trade name"), max_length=200, blank=True)
    address = models.CharField(_("address"), max_length=250)
    zone = models.CharField(_("zone"), max_length=100, blank=True)
    neighbourhood = models.CharField(_("neighbourhood"), max_length=100, blank=True)
    city = models.CharField(_("city"), max_length=100, default="Cochabamba")
    # Public institutions pay through SIGEP (stamped at Billing, invoice
    # collected at the cashier) instead of the web page or a bank.
    is_public_institution = models.BooleanField(_("public institution"), default=False)
    executive = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("executive"),
        on_delete=models.PROTECT,
        related_name="portfolio",
    )

    objects = CompanyQuerySet.as_manager()

    class Meta:
        verbose_name = _("company")
        verbose_name_plural = _("companies")
        ordering = ["legal_name"]
        constraints = [
            # The same rule as validate_nit, for rows written outside the services.
            models.CheckConstraint(
                condition=models.Q(nit__regex=NIT_PATTERN), name="company_nit_digits"
            ),
        ]
        indexes = [
            # The portfolio list: an executive's companies in name order.
            models.Index(fields=["executive", "legal_name"], name="company_portfolio_idx"),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.trade_name or self.legal_name


class Contact(BaseModel):
    """A person at the company we talk to."""

    company = models.ForeignKey(
        Company, verbose_name=_("company"), on_delete=models.CASCADE, related_name="contacts"
    )
    name = models.CharField(_("name"), max_length=150)
    position = models.CharField(_("position"), max_length=150, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    whatsapp = models.CharField(_("WhatsApp"), max_length=30, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    preferred_channel = models.CharField(
        _("preferred channel"), max_length=16, choices=Channel.choices, default=Channel.EMAIL
    )
    is_primary = models.BooleanField(_("primary contact"), default=False)

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["-is_primary", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["company"],
                condition=models.Q(is_primary=True),
                name="contact_one_primary_per_company",
            ),
        ]
        indexes = [
            # Who wrote this e-mail (channels.intake, `email__iexact`: UPPER on PostgreSQL).
            models.Index(Upper("email"), name="contact_email_upper_idx"),
        ]

    def __str__(self) -> str:
        return self.name


class Direction(models.TextChoices):
    INBOUND = "inbound", _("From the customer")
    OUTBOUND = "outbound", _("To the customer")


class Interaction(BaseModel):
    """One contact with the customer: the manual's "ingresa interacción"."""

    company = models.ForeignKey(
        Company,
        verbose_name=_("company"),
        on_delete=models.CASCADE,
        related_name="interactions",
    )
    occurred_at = models.DateTimeField(_("when"), default=timezone.now)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    direction = models.CharField(_("direction"), max_length=8, choices=Direction.choices)
    contact = models.ForeignKey(
        Contact,
        verbose_name=_("contact"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="interactions",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        related_name="interactions",
    )
    summary = models.TextField(_("summary"), max_length=2000)
    # The post-sale case this contact was part of, if any.
    case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("case"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="interactions",
    )

    class Meta:
        verbose_name = _("interaction")
        verbose_name_plural = _("interactions")
        ordering = ["-occurred_at", "-id"]
        indexes = [
            # The customer page's timeline: newest first.
            models.Index(fields=["company", "-occurred_at"], name="interaction_timeline_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} · {self.occurred_at:%d/%m/%Y}"
