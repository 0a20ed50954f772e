from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from posventa.common.models import BaseModel, Channel
from posventa.common.uploads import safe_filename
from posventa.customers.models import Company
from posventa.engine.models import ProcessInstance
from posventa.inventory.models import Product


class Procedure(models.TextChoices):
    """The twelve procedures of the manual, by their letter."""

    A = "A", _("A · Supplementary services")
    B = "B", _("B · Plan change")
    C = "C", _("C · Product relocation")
    D = "D", _("D · Temporary suspension and reconnection")
    E = "E", _("E · Damage to product")
    F = "F", _("F · Billing complaint")
    G = "G", _("G · Outgoing call detail")
    H = "H", _("H · Product withdrawal")
    I = "I", _("I · Collections")  # noqa: E741 — the manual's letter
    J = "J", _("J · Loyalty and retention calls")
    K = "K", _("K · Preventive technical review")
    L = "L", _("L · Technical support visits")


class CaseStatus(models.TextChoices):
    OPEN = "open", _("Open")
    WAITING_CUSTOMER = "waiting_customer", _("Waiting for the customer")
    CLOSED = "closed", _("Closed")


class Outcome(models.TextChoices):
    """How a case ended, as its process's end event says."""

    FULFILLED = "fulfilled", _("Fulfilled")
    REQUIREMENTS_NOT_MET = "requirements_not_met", _("Requirements not met")
    NOT_FEASIBLE = "not_feasible", _("Not feasible")
    RETAINED = "retained", _("Customer retained")
    REFUSED = "refused", _("Refused by rule")
    WITHDRAWN_BY_CUSTOMER = "withdrawn_by_customer", _("Customer gave up")
    # A debtor who did not promise to pay got the dunning letter (procedure I).
    DUNNING_LETTER = "dunning_letter", _("Dunning letter delivered")
    # The customer was given the answer and chose: keeps the service rather
    # than pay the penalty (H), declines an offer (K). An answer, not a failure.
    DECLINED = "declined", _("Customer chose not to go ahead")
    # The team lead or the division head ended the case by hand, with a reason.
    CANCELLED = "cancelled", pgettext_lazy("case outcome", "Cancelled")


class CaseQuerySet(models.QuerySet):
    def visible_to(self, user) -> "CaseQuerySet":
        """The cases of the companies this user may see."""
        return self.filter(company__in=Company.objects.visible_to(user))


class Case(BaseModel):
    """A post-sale request of an enterprise customer, run by its procedure's process."""

    number = models.CharField(_("number"), max_length=20, unique=True)
    company = models.ForeignKey(
        Company, verbose_name=_("company"), on_delete=models.PROTECT, related_name="cases"
    )
    product = models.ForeignKey(
        Product,
        verbose_name=_("product"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases",
    )
    procedure = models.CharField(_("procedure"), max_length=1, choices=Procedure.choices)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    received_at = models.DateTimeField(_("received at"))
    # When the customer's request reached the team: the indicators count the
    # case in this month and measure its 24 hours from here. A case the
    # customer asked for has it at reception; one the team started (I, J, K:
    # `catalog.TEAM_INITIATED`) has none, unless the customer reports a damage
    # in it (`case_becomes_request`).
    requested_at = models.DateTimeField(_("customer request at"), null=True, blank=True)
    subject = models.CharField(_("subject"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=CaseStatus.choices, default=CaseStatus.OPEN
    )
    outcome = models.CharField(_("outcome"), max_length=32, choices=Outcome.choices, blank=True)
    # When the customer's request was answered: the 24-hour indicator measures it.
    attended_at = models.DateTimeField(_("attended at"), null=True, blank=True)
    # The role whose step answered it (the indicators' break-down by role).
    attended_role = models.CharField(_("attended by role"), max_length=32, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # The executive's quality-control call: did the customer confirm it works?
    quality_conform = models.BooleanField(_("quality call: conform"), null=True, blank=True)
    quality_note = models.CharField(_("quality call: note"), max_length=500, blank=True)
    # Time the case waited for the customer before it was attended (a setting
    # decides whether the 24 hours exclude it), and since when it waits now.
    customer_wait = models.DurationField(_("waited for the customer"), default=timedelta(0))
    waiting_since = models.DateTimeField(_("waiting for the customer since"), null=True, blank=True)
    # The 24-hour watch: when it warned that the time was about to pass, and
    # when it found the time passed without an answer.
    attention_warned_at = models.DateTimeField(_("24 h warning sent at"), null=True, blank=True)
    attention_late_at = models.DateTimeField(_("24 h passed unanswered at"), null=True, blank=True)
    # A request that repeats an earlier one (e.g. a damage again, same cause):
    # the earlier one was not attended effectively.
    reiterates = models.ForeignKey(
        "self",
        verbose_name=_("reiterates"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reiterations",
    )
    # Who cancelled the case by hand, and why (outcome "cancelled").
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("cancelled by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=500, blank=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("opened by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    instance = models.OneToOneField(
        ProcessInstance,
        verbose_name=_("process"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="case",
    )

    objects = CaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-received_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=CaseStatus.values), name="case_status_known"
            ),
            # A closed case has an outcome and a closing time; an open one neither.
            models.CheckConstraint(
                condition=(
                    models.Q(status="closed", closed_at__isnull=False) & ~models.Q(outcome="")
                )
                | (~models.Q(status="closed") & models.Q(closed_at=None, outcome="")),
                name="case_closed_has_outcome",
            ),
            models.CheckConstraint(
                condition=models.Q(customer_wait__gte=timedelta(0)),
                name="case_customer_wait_not_negative",
            ),
            models.CheckConstraint(
                condition=~models.Q(reiterates=models.F("pk")),
                name="case_does_not_reiterate_itself",
            ),
            # A customer's request is never answered before it reached us.
            models.CheckConstraint(
                condition=models.Q(requested_at__isnull=True)
                | models.Q(attended_at__isnull=True)
                | models.Q(attended_at__gte=models.F("requested_at")),
                name="case_attended_after_requested",
            ),
            # A cancelled case says who cancelled it and why.
            models.CheckConstraint(
                condition=~models.Q(outcome="cancelled")
                | (models.Q(cancelled_by__isnull=False) & ~models.Q(cancel_reason="")),
                name="case_cancelled_has_reason",
            ),
        ]
        indexes = [
            models.Index(fields=["company", "-received_at"], name="case_company_idx"),
            models.Index(fields=["received_at"], name="case_received_idx"),
            # The month's indicators: the customers' requests of a period.
            models.Index(fields=["requested_at"], name="case_requested_idx"),
            # The 24-hour watch: the requests not answered yet.
            models.Index(
                fields=["requested_at"],
                name="case_unattended_idx",
                condition=models.Q(attended_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return self.number


class ProductChange(BaseModel):
    """One thing a case changed on its product ("Plan: 50 Mbps → 100 Mbps"),
    kept as it was at that moment: the case page, its documents and its
    timeline show what *this* case did, not the product's state today."""

    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="product_changes"
    )
    product = models.ForeignKey(
        Product, verbose_name=_("product"), on_delete=models.PROTECT, related_name="+"
    )
    # What changed, in the team's words: "plan", "status", "address", ...
    field = models.CharField(_("what changed"), max_length=32)
    before = models.CharField(_("before"), max_length=300, blank=True)
    after = models.CharField(_("after"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("product change")
        verbose_name_plural = _("product changes")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["case", "created_at"], name="productchange_case_idx")]

    def __str__(self) -> str:
        return f"{self.get_field_label()}: {self.before} → {self.after}"

    def get_field_label(self) -> str:
        return str(PRODUCT_CHANGE_FIELDS.get(self.field, self.field))


# The product's properties a case may change, as the team names them.
PRODUCT_CHANGE_FIELDS = {
    "plan": _("Plan"),
    "status": _("Status"),
    "address": _("Address"),
    "technology": _("Technology"),
    "services": _("Supplementary services"),
    "product": _("Product"),
}


class CaseNumberCounter(models.Model):
    """The last case number given in a year (PV-2026-000123)."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class DocumentKind(models.TextChoices):
    REQUEST_LETTER = "request_letter", _("Signed request letter")
    NIT_COPY = "nit_copy", _("NIT copy")
    ID_COPY = "id_copy", _("Legal representative's ID")
    POWER_OF_ATTORNEY = "power_of_attorney", _("Power of attorney")
    ORDER_REQUEST = "order_request", _("Order request")
    CALL_DETAIL = "call_detail", _("Call detail")
    EVIDENCE = "evidence", _("Evidence")
    OTHER = "other", _("Other")


def _document_path(document, filename: str) -> str:
    # Received files were renamed by accept_upload already; this keeps any
    # other name (a generated one, an old caller) to the same safe shape.
    return f"cases/{document.case.number}/{safe_filename(filename)}"


class DocumentStatus(models.TextChoices):
    """Where a case document stands: a received one, or one the system made
    in the click, is ready at once; one the worker renders after the step's
    commit (`cases.document_rendering`) is generating until then."""

    GENERATING = "generating", _("Generating")
    READY = "ready", _("Ready")
    FAILED = "failed", _("Could not be generated")


class CaseDocument(BaseModel):
    """A document kept with the case ("documentos para archivo"): received
    from the customer, or made by the system — at once, or by the worker after
    the step commits (then `renderer` and `params` say what to print, and the
    file comes when it is ready)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(_("kind"), max_length=32, choices=DocumentKind.choices)
    title = models.CharField(_("title"), max_length=200)
    # Empty while the worker has not rendered it yet (or could not).
    file = models.FileField(_("file"), upload_to=_document_path, blank=True)
    # Produced by the system (an order request) rather than received.
    generated = models.BooleanField(_("generated by the system"), default=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    status = models.CharField(
        _("status"), max_length=16, choices=DocumentStatus.choices, default=DocumentStatus.READY
    )
    # What the worker renders: a name of cases.document_rendering.RENDERERS and
    # its parameters as plain values, everything printed as it was at the click.
    renderer = models.CharField(_("renderer"), max_length=64, blank=True)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    # The last render's error, short, for the team (the log has the rest).
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    rendered_at = models.DateTimeField(_("rendered at"), null=True, blank=True)
    # While generating: when the sweeper enqueues it again if it is still not
    # ready — after a failed attempt's backoff, or when a worker died in it.
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["created_at"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="ready") | ~models.Q(file=""),
                name="casedocument_ready_has_file",
                violation_error_message=_("A ready document has its file."),
            ),
            models.CheckConstraint(
                condition=models.Q(status="ready") | ~models.Q(renderer=""),
                name="casedocument_pending_has_renderer",
                violation_error_message=_("A document still to render says how to render it."),
            ),
        ]
        indexes = [
            # The sweeper's query: documents still generating whose attempt is due.
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(status="generating"),
                name="casedocument_generating_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_ready(self) -> bool:
        return self.status == DocumentStatus.READY


class Alert(BaseModel):
    """A warning for a role: a step about to break, or past, its time."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="alerts")
    role = models.CharField(_("for role"), max_length=32)
    message = models.CharField(_("message"), max_length=300)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        ordering = ["-created_at"]
        indexes = [
            models.Index(
                fields=["role", "-created_at"],
                condition=models.Q(read_at__isnull=True),
                name="alert_unread_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.message


class TaskReassignment(BaseModel):
    """A pending step handed by the team lead or the division head to another
    person of its role (the team view): who held it, who holds it now, who
    decided and when. The case's timeline shows it; the inbox row itself is
    the engine's, rebuilt from the process, and keeps only its holder."""

    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="reassignments"
    )
    task_id = models.UUIDField(_("task id"))
    task_name = models.CharField(_("step"), max_length=200)
    role = models.CharField(_("role"), max_length=32)
    # Who held it: who had taken it, or — an executive's step nobody took —
    # the customer's executive; none when it waited in the role's common inbox.
    from_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("held by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    to_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handed to"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    reassigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handed by"),
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("step handed over")
        verbose_name_plural = _("steps handed over")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["case", "created_at"], name="reassignment_case_idx")]

    def __str__(self) -> str:
        return f"{self.task_name} → {self.to_user}"
