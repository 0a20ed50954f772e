"""Procedure I, collections: the monthly proformas of every contract, the run
that produces them (its progress), and the customers' payment promises."""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from posventa.catalog.models import PromiseKept
from posventa.common.models import BaseModel, Channel
from posventa.common.uploads import safe_filename


class RunStatus(models.TextChoices):
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class ProformaRun(BaseModel):
    """One run of the monthly proformas (scheduled or on demand): the row the
    progress bar polls."""

    period = models.DateField(_("month"), help_text=_("First day of the month."))
    status = models.CharField(
        _("status"), max_length=8, choices=RunStatus.choices, default=RunStatus.RUNNING
    )
    companies_total = models.PositiveIntegerField(_("customers"), default=0)
    companies_done = models.PositiveIntegerField(_("customers done"), default=0)
    proformas_created = models.PositiveIntegerField(_("proformas produced"), default=0)
    # Customers whose proformas could not be produced (the run goes on; `error` says why).
    companies_failed = models.PositiveIntegerField(_("customers failed"), default=0)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("started by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("proforma run")
        verbose_name_plural = _("proforma runs")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=models.Q(period__day=1), name="proformarun_month"),
            models.CheckConstraint(
                condition=models.Q(companies_done__lte=models.F("companies_total")),
                name="proformarun_done_le_total",
            ),
            # One run at a time per month: a second click joins the running one.
            models.UniqueConstraint(
                fields=["period"],
                condition=models.Q(status="running"),
                name="proformarun_one_running_per_month",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.period:%m/%Y} · {self.get_status_display()}"

    @property
    def percent(self) -> int:
        if self.status == RunStatus.DONE:
            return 100
        if not self.companies_total:
            return 0
        return int(self.companies_done * 100 / self.companies_total)


class ProformaChunk(BaseModel):
    """A part of a run: the customers one job produces (POSVENTA_PROFORMA_CHUNK
    of them, their ids kept in order), and how far it got. The worker's
    processes share a run's chunks; a chunk whose job was lost (a worker
    killed) is queued again and goes on from `position`."""

    run = models.ForeignKey(
        ProformaRun, verbose_name=_("run"), on_delete=models.CASCADE, related_name="chunks"
    )
    number = models.PositiveIntegerField(_("number"))
    company_ids = models.JSONField(_("customers"), default=list)
    companies_total = models.PositiveIntegerField(_("customers"), default=0)
    # The customers before it are done and counted: it moves in the same
    # transaction as each customer's proformas, so a retry counts none twice.
    position = models.PositiveIntegerField(_("customers done"), default=0)
    proformas_created = models.PositiveIntegerField(_("proformas produced"), default=0)
    companies_failed = models.PositiveIntegerField(_("customers failed"), default=0)
    # Jobs that took it (a retry after a lost job adds one); given up at a limit.
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    # Set when a job takes it, cleared when that job is taken for lost;
    # `updated_at` moves after every customer (the heartbeat).
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    gave_up = models.BooleanField(_("given up"), default=False)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("proforma run chunk")
        verbose_name_plural = _("proforma run chunks")
        ordering = ["run", "number"]
        constraints = [
            models.UniqueConstraint(fields=["run", "number"], name="proformachunk_one_number"),
            models.CheckConstraint(
                condition=models.Q(position__lte=models.F("companies_total")),
                name="proformachunk_position_le_total",
            ),
        ]
        indexes = [
            # Which chunks of a run are left: the run's end and resume_proforma_runs.
            models.Index(
                fields=["run", "updated_at"],
                condition=models.Q(finished_at__isnull=True),
                name="proformachunk_unfinished_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.run} · {self.number}"


class ProformaSending(BaseModel):
    """A customer's proformas of one month, sent together: one per company and
    month — a second run finds it and adds nothing."""

    company = models.ForeignKey(
        "customers.Company",
        verbose_name=_("company"),
        on_delete=models.CASCADE,
        related_name="proforma_sendings",
    )
    period = models.DateField(_("month"))
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    email = models.ForeignKey(
        "outbox.OutgoingEmail",
        verbose_name=_("e-mail"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    interaction = models.ForeignKey(
        "customers.Interaction",
        verbose_name=_("interaction"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    run = models.ForeignKey(
        ProformaRun,
        verbose_name=_("run"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="sendings",
    )

    class Meta:
        verbose_name = _("proforma sending")
        verbose_name_plural = _("proforma sendings")
        ordering = ["-period", "company_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "period"], name="proformasending_one_per_company_month"
            ),
            models.CheckConstraint(condition=models.Q(period__day=1), name="proformasending_month"),
        ]

    def __str__(self) -> str:
        return f"{self.company} · {self.period:%m/%Y}"


def _proforma_path(proforma, filename: str) -> str:
    return f"proformas/{proforma.sending.period:%Y-%m}/{safe_filename(filename)}"


class Proforma(BaseModel):
    """The proforma invoice of one contract (product) for a month: the plan's
    price plus the charges not billed yet."""

    sending = models.ForeignKey(
        ProformaSending,
        verbose_name=_("sending"),
        on_delete=models.CASCADE,
        related_name="proformas",
    )
    product = models.ForeignKey(
        "inventory.Product",
        verbose_name=_("product"),
        on_delete=models.PROTECT,
        related_name="proformas",
    )
    amount = models.DecimalField(
        _("amount (Bs)"), max_digits=12, decimal_places=2, validators=[MinValueValidator(0)]
    )
    pending_amount = models.DecimalField(
        _("pending before (Bs)"), max_digits=12, decimal_places=2, default=0
    )
    file = models.FileField(_("file"), upload_to=_proforma_path)

    class Meta:
        verbose_name = _("proforma")
        verbose_name_plural = _("proformas")
        ordering = ["sending", "product_id"]
        constraints = [
            models.UniqueConstraint(fields=["sending", "product"], name="proforma_one_per_product"),
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="proforma_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.product.service_number} · {self.sending.period:%m/%Y}"


class PaymentPromise(BaseModel):
    """What the customer promised on the collection call: pay `amount` by
    `promised_on`, of the `owed_when_promised` overdue that day. Kept when,
    after the date, what those invoices still owe dropped by the amount."""

    case = models.ForeignKey(
        "cases.Case", verbose_name=_("case"), on_delete=models.CASCADE, related_name="promises"
    )
    company = models.ForeignKey(
        "customers.Company",
        verbose_name=_("company"),
        on_delete=models.CASCADE,
        related_name="payment_promises",
    )
    promised_on = models.DateField(_("promised date"))
    amount = models.DecimalField(_("amount (Bs)"), max_digits=12, decimal_places=2)
    # Empty on promises recorded before it was kept (those are kept when all is paid).
    owed_when_promised = models.DecimalField(
        _("overdue when promised (Bs)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # Set when the case checks, after the promised date, whether it was paid.
    kept = models.BooleanField(_("kept"), null=True, blank=True)
    checked_at = models.DateTimeField(_("checked at"), null=True, blank=True)
    # The team's rule "when a promise is kept" as it stood when it was checked
    # (catalog.TeamRule `i_promise_kept`): which reading judged this promise.
    kept_rule = models.CharField(
        _("kept by the rule"), max_length=32, choices=PromiseKept.choices, blank=True
    )

    class Meta:
        verbose_name = _("payment promise")
        verbose_name_plural = _("payment promises")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="promise_positive"),
            models.CheckConstraint(
                condition=models.Q(owed_when_promised__isnull=True)
                | models.Q(amount__lte=models.F("owed_when_promised")),
                name="promise_within_what_was_owed",
            ),
            models.CheckConstraint(
                condition=models.Q(kept__isnull=True, checked_at__isnull=True)
                | models.Q(kept__isnull=False, checked_at__isnull=False),
                name="promise_checked_has_time",
            ),
            models.CheckConstraint(
                condition=models.Q(kept__isnull=True, kept_rule="")
                | (models.Q(kept__isnull=False) & ~models.Q(kept_rule="")),
                name="promise_checked_names_its_rule",
            ),
        ]
        indexes = [models.Index(fields=["company", "-created_at"], name="promise_company_idx")]

    def __str__(self) -> str:
        return f"{self.company} · {self.promised_on:%d/%m/%Y}"
