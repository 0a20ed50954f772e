"""Loading the commercial system's files: one `ImportRun` per file, checked
first (the dry run), written only once a person confirms (or at once, for the
daily extracts of the sync folder). See docs/commercial-system.md."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from posventa.common.models import BaseModel


class Entity(models.TextChoices):
    """What a file holds: one kind of record per file (or per sheet)."""

    COMPANIES = "companies", _("Companies")
    CONTACTS = "contacts", _("Contacts")
    PRODUCTS = "products", _("Products")
    SERVICES = "services", _("Supplementary services")
    EQUIPMENT = "equipment", _("Equipment")
    INVOICES = "invoices", _("Invoices")
    PAYMENTS = "payments", _("Payments")


class ImportSource(models.TextChoices):
    WEB = "web", _("Uploaded on the import page")
    COMMAND = "command", _("manage.py import_data")
    SYNC = "sync", _("Sync folder (daily extract)")


class ImportStatus(models.TextChoices):
    # Some headers are not known: a person says which field each one is.
    MAPPING = "mapping", _("Waiting for the column mapping")
    CHECKING = "checking", _("Dry run in progress")
    CHECKED = "checked", _("Checked, waiting for confirmation")
    IMPORTING = "importing", _("Importing")
    DONE = "done", _("Imported")
    CANCELLED = "cancelled", _("Cancelled")
    FAILED = "failed", _("Failed")


ACTIVE_STATUSES = (ImportStatus.CHECKING, ImportStatus.IMPORTING)


class RowOutcome(models.TextChoices):
    # In their own context: "Created" alone is the audit log's date column.
    CREATED = "created", pgettext_lazy("import rows", "Created")
    UPDATED = "updated", pgettext_lazy("import rows", "Updated")
    UNCHANGED = "unchanged", pgettext_lazy("import rows", "Unchanged")
    REFUSED = "refused", pgettext_lazy("import rows", "Refused")


class ImportRun(BaseModel):
    """One file loaded from the commercial system: who, when, what it held,
    what the dry run found and what the import did. The file itself is kept."""

    entity = models.CharField(_("records"), max_length=16, choices=Entity.choices)
    source = models.CharField(
        _("source"), max_length=8, choices=ImportSource.choices, default=ImportSource.WEB
    )
    status = models.CharField(
        _("status"), max_length=12, choices=ImportStatus.choices, default=ImportStatus.CHECKING
    )
    file = models.FileField(_("file"), upload_to="imports/%Y/%m/", max_length=250)
    original_name = models.CharField(_("file name"), max_length=250)
    # sha256 of the file's bytes: the sync folder takes each file once.
    checksum = models.CharField(_("checksum (SHA-256)"), max_length=64)
    sheet = models.CharField(_("sheet"), max_length=100, blank=True)
    # The mapping in force for this file: {header as written: field name}.
    mapping = models.JSONField(_("column mapping"), default=dict, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("started by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("confirmed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    rows_total = models.PositiveIntegerField(_("rows"), default=0)
    # Progress of the phase in course (dry run or import): the bar polls it.
    rows_done = models.PositiveIntegerField(_("rows done"), default=0)
    # What the dry run found ({"created": n, "updated": n, ...}), kept once
    # the import has run, so both can be compared.
    checked_counts = models.JSONField(_("dry-run counts"), default=dict, blank=True)
    created = models.PositiveIntegerField(_("created"), default=0)
    updated = models.PositiveIntegerField(_("updated"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    refused = models.PositiveIntegerField(_("refused"), default=0)
    # The report of the last phase: every row, its outcome and its reason.
    report = models.FileField(
        _("report"), upload_to="imports/reports/%Y/%m/", max_length=250, blank=True
    )
    cancel_requested = models.BooleanField(_("cancel requested"), default=False)
    # The last e-mail the team lead got about this run (its template): a
    # daily extract that needs a person is told of once per reason.
    alerted = models.CharField(_("team lead told of"), max_length=100, blank=True)
    checked_at = models.DateTimeField(_("checked at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(entity__in=Entity.values), name="importrun_entity_known"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=ImportStatus.values), name="importrun_status_known"
            ),
            models.CheckConstraint(
                condition=models.Q(rows_done__lte=models.F("rows_total")),
                name="importrun_done_le_total",
            ),
            # A daily extract is taken once: the same bytes dropped again in
            # the sync folder (or a re-run of the sync job) find this row.
            models.UniqueConstraint(
                fields=["checksum"],
                condition=models.Q(source="sync"),
                name="importrun_sync_file_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.original_name} · {self.get_status_display()}"

    @property
    def percent(self) -> int:
        if self.status in (ImportStatus.DONE, ImportStatus.CHECKED):
            return 100
        if not self.rows_total:
            return 0
        return int(self.rows_done * 100 / self.rows_total)


class ImportRowNote(models.Model):
    """A row of a file the dry run or the import refused (or, for the first
    rows of a file, any outcome), with its reason in Spanish: what the page
    lists. The full list, every row, is the run's downloadable report."""

    run = models.ForeignKey(
        ImportRun, verbose_name=_("import"), on_delete=models.CASCADE, related_name="notes"
    )
    # The row's line in the file (the header is line 1).
    line = models.PositiveIntegerField(_("line"))
    # The row's natural key as written (NIT, product number, invoice number…).
    key = models.CharField(_("key"), max_length=100, blank=True)
    outcome = models.CharField(_("outcome"), max_length=12, choices=RowOutcome.choices)
    reason = models.TextField(_("reason"), max_length=2000, blank=True)
    # Which phase wrote it: the dry run's notes are replaced by the import's.
    applied = models.BooleanField(_("written"), default=False)

    class Meta:
        verbose_name = _("import row")
        verbose_name_plural = _("import rows")
        ordering = ["run", "line"]
        indexes = [
            # The run page: its rows in file order.
            models.Index(fields=["run", "applied", "line"], name="importrownote_run_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.line}: {self.get_outcome_display()}"


class ColumnMapping(BaseModel):
    """A header the commercial system writes and the field it means, as a
    person said once: the next file with that header is mapped by itself."""

    entity = models.CharField(_("records"), max_length=16, choices=Entity.choices)
    # The header as normalised for lookup (case, accents and spacing aside).
    header_key = models.CharField(_("header"), max_length=100)
    header = models.CharField(_("header as written"), max_length=100)
    # A field of the entity, or "" for a column to leave out.
    field = models.CharField(_("field"), max_length=50, blank=True)
    saved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("saved by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("column mapping")
        verbose_name_plural = _("column mappings")
        ordering = ["entity", "header_key"]
        constraints = [
            models.UniqueConstraint(
                fields=["entity", "header_key"], name="columnmapping_once_per_header"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.header} → {self.field or '—'}"
