"""The audit trail of the back office: who changed what, when, with the old and
new values (django-auditlog). This module is the one list of what is audited;
`docs/security.md` ("Audit trail") says why the line is where it is.

Every model the Django admin shows, or edits in an inline, is in exactly one of
three lists (`test_audit.py` fails on a new one that is in none):

- `ALWAYS`: back-office data — reference tables, the team and its access, the
  customers' master data. Few rows, written by people; every write is audited,
  whether it comes from the admin, a screen, a command or the shell.
- `ADMIN_EDITS`: operational data that the procedures, screens and jobs write
  as part of their work (the engine's event log and each table's own history
  record those). Only what an administrator does to them in the admin is
  audited: the admin bypasses the services' rules, so its edits are the ones
  nobody else records.
- `NOT_AUDITED`: with the reason.

The acting user and address come from `AuditMiddleware` (settings.MIDDLEWARE);
a command or a job records no actor ("system"). The
admin side (each audited model's history page, the read-only audit log with
its filters) is in `posventa/common/admin.py`.
"""

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar

from auditlog.middleware import AuditlogMiddleware
from auditlog.registry import auditlog
from auditlog.signals import pre_log
from django.apps import apps
from django.db.models.signals import pre_save
from django.utils.translation import gettext_noop, ngettext_lazy

from posventa.common.logs import request_id_var

# Fields no entry should carry: the entry's own timestamp says when, and a
# change of `updated_at` alone is no change anybody made.
_TIMESTAMPS = ("created_at", "updated_at")

# model label -> options for auditlog.register (exclude_fields, mask_fields, m2m_fields)
ALWAYS: dict[str, dict] = {
    "catalog.ProductType": {},
    "catalog.Plan": {},
    "catalog.SupplementaryService": {},
    "catalog.Tariff": {},
    "catalog.TeamRule": {},
    "catalog.EquipmentPart": {},
    "catalog.EquipmentType": {"m2m_fields": ["parts"]},
    "integrations.Coverage": {
        # Lookup keys derived from the names on every save.
        "exclude_fields": ["zone_key", "neighbourhood_key"],
    },
    "outbox.Mailbox": {},
    "procedures.Requirement": {},
    "workorders.Technician": {},
    # Which field a header of the commercial system's files means, as a person said.
    "imports.ColumnMapping": {},
    "customers.Company": {},
    "customers.Contact": {},
    # The words customers get at each event, the team lead's to edit.
    "channels.NotificationTemplate": {},
    "accounts.User": {
        # That the password changed is recorded, never the hash (mask_secret);
        # a login is no change (django-axes keeps the logins).
        "mask_fields": ["password"],
        "exclude_fields": ["last_login"],
        "m2m_fields": ["groups", "user_permissions"],
    },
    "auth.Group": {"m2m_fields": ["permissions"]},
    "api.ApiToken": {
        # The key's hash would let nobody in, but it is a secret all the same.
        "mask_fields": ["key_hash"],
        "exclude_fields": ["last_used_at"],
    },
    # Who receives the business events where; the secret signs them.
    "events.Subscription": {"mask_fields": ["secret"]},
}

ADMIN_EDITS: tuple[str, ...] = (
    "billing.Invoice",
    "billing.Charge",
    "billing.Payment",
    "calls.CallRecord",
    "campaigns.Campaign",
    "campaigns.CampaignItem",
    "cases.Case",
    "cases.CaseDocument",
    "cases.Alert",
    "collections.ProformaRun",
    "collections.ProformaSending",
    "collections.Proforma",
    "collections.PaymentPromise",
    "customers.Interaction",
    "integrations.DiagnosisRecord",
    "integrations.CommercialChange",
    "inventory.Product",
    "inventory.ProductSupplementaryService",
    "inventory.Equipment",
    "inventory.Suspension",
    "outbox.OutgoingEmail",
    # What customers were sent; the admin's "send again" writes it.
    "channels.Notification",
    # Moving the mailbox's read position makes the reader take mail again.
    "channels.ImapCursor",
    "indicators.MonthClose",
    "reviews.ReviewItem",
    "reviews.Opportunity",
    "reviews.DailyReport",
    "visits.Visit",
    "visits.EngineeringService",
    # The worker's schedule: `manage.py schedules` writes it from
    # common/schedules.py and the worker moves its next run every minute.
    "django_q.Schedule",
    # Deleting one in the admin unlocks a user or an address.
    "axes.AccessAttempt",
    "api.TokenFailure",
    # The admin's "retry now" writes it; the worker writes its attempts.
    "events.Delivery",
)

NOT_AUDITED: dict[str, str] = {
    "auditlog.LogEntry": "the audit trail itself, read-only",
    "engine.ProcessVersion": "deployed from the BPMN files; the engine's event log is the record",
    "engine.ProcessInstance": "the engine's own state; its event log is the record",
    "engine.HumanTask": "the engine's own state; its event log is the record",
    "engine.TaskEvent": "the engine's event log, the record of process steps",
    "engine.MessageSubscription": "the engine's own state; its event log is the record",
    "workorders.WorkOrder": "read-only in the admin; WorkOrderChange keeps who, when and what",
    "workorders.WorkOrderChange": "read-only history of the work order",
    "workorders.Prioritisation": "read-only record of a call to the Operations Center: who, when",
    "claims.Complaint": "read-only in the admin; ComplaintChange keeps who, when and what",
    "claims.ComplaintChange": "read-only history of the complaint",
    "outbox.OutgoingAttachment": "read-only under its e-mail",
    "axes.AccessLog": "django-axes' own record of logins, written on every login",
    "axes.AccessFailureLog": "django-axes' own record of failed logins",
    "django_q.Success": "the worker's record of its runs (trimmed by django-q)",
    "django_q.Failure": "the worker's record of its failed runs (trimmed by django-q)",
    "django_q.OrmQ": "the worker's queue",
    "imports.ImportRun": (
        "read-only in the admin: the run is the record (who, when, the file, "
        "its counts); what it wrote is audited row by row"
    ),
    "imports.ImportRowNote": "read-only under its import",
    "cases.TaskReassignment": "written once by the team view: who handed a step to whom, when",
    "channels.InboundMessage": (
        "read-only in the admin: the message as it came, and its triaged_by/at say who sorted it"
    ),
    "channels.InboundAttachment": "read-only under its message",
    "channels.WebhookDelivery": "read-only in the admin: the signed delivery as it came",
    "common.DeferredJob": "read-only in the admin: a job waiting for the broker to answer",
    "events.Event": "read-only in the admin: written once with the change it tells of",
}

SECRET_MASK = "********"


class AuditMiddleware(AuditlogMiddleware):
    """auditlog's middleware (the acting user and address of each entry), with
    the address decided as for the login lockouts: behind the TLS proxy, the
    entry our nginx writes, never one the client put in X-Forwarded-For
    (auditlog's own takes the first entry, which a client can write)."""

    def get_extra_data(self, request):
        from posventa.accounts.lockout import client_ip_address

        data = super().get_extra_data(request)
        if data.get("remote_addr"):
            data["remote_addr"] = client_ip_address(request)
        data["remote_port"] = None  # X-Forwarded-Port is the client's word
        return data


def request_id() -> str | None:
    """The entry's correlation id (settings.AUDITLOG_CID_GETTER): the id of the
    request that made the change, as the request log line and the proxy's log
    show it (common/middleware.py); none for a command or a job."""
    return request_id_var.get() or None


def mask_secret(value: str) -> str:
    """What an entry shows for a password hash or a token's hash: that there
    was one, never any part of it (auditlog's own mask keeps half the string).
    "None" is how auditlog writes the missing old value of a new row."""
    return value if value in ("", "None") else SECRET_MASK


_in_admin: ContextVar[bool] = ContextVar("posventa_audit_in_admin", default=False)
_admin_edit_models: set[type] = set()


@contextlib.contextmanager
def admin_edit() -> Iterator[None]:
    """Inside, the writes are an administrator's edit in the admin
    (`AuditedAdmin` wraps its views in it): ADMIN_EDITS models are audited."""
    token = _in_admin.set(True)
    try:
        yield
    finally:
        _in_admin.reset(token)


def _only_admin_edits(sender, **kwargs) -> bool:
    """auditlog's pre_log: an operational table's write is audited only in the
    admin. Refused here, a create or delete costs no query at all."""
    return sender not in _admin_edit_models or _in_admin.get()


def _updates_read_in_admin_only(model: type) -> None:
    """auditlog reads the old row before every update (its pre_save), before
    pre_log is asked: for an operational table that is a wasted query on
    each update outside the admin — two per step of a case. Its update
    receiver is connected again to run in the admin only."""
    receiver = auditlog._signals[pre_save]
    pre_save.disconnect(sender=model, dispatch_uid=auditlog._dispatch_uid(pre_save, receiver))
    pre_save.connect(
        _log_update_in_admin,
        sender=model,
        dispatch_uid=("posventa.audit.update_in_admin", model._meta.label),
    )


def _log_update_in_admin(sender, **kwargs) -> None:
    if _in_admin.get():
        auditlog._signals[pre_save](sender=sender, **kwargs)


def register() -> None:
    """Register ALWAYS and ADMIN_EDITS with auditlog (CommonConfig.ready)."""
    for label, options in ALWAYS.items():
        _register(label, options)
    for label in ADMIN_EDITS:
        model = _register(label, {})
        _admin_edit_models.add(model)
        _updates_read_in_admin_only(model)
    pre_log.connect(_only_admin_edits, dispatch_uid="posventa.audit.only_admin_edits")


def _register(label: str, options: dict) -> type:
    model = apps.get_model(label)
    fields = model._meta.get_fields()
    exclude = [
        *options.get("exclude_fields", []),
        *(f.name for f in fields if f.name in _TIMESTAMPS),
        # Another table's rows pointing here (auditlog would write each one's
        # empty manager into a new row's entry); they are audited in their own.
        *(f.name for f in fields if f.auto_created and not f.concrete),
    ]
    auditlog.register(
        model,
        exclude_fields=exclude,
        mask_fields=options.get("mask_fields"),
        mask_callable="posventa.common.audit.mask_secret" if options.get("mask_fields") else None,
        m2m_fields=options.get("m2m_fields"),
    )
    return model


# django-auditlog ships no Spanish. The texts its admin pages show are named
# here so that `make messages` keeps their Spanish in the project's catalogue,
# which Django reads before the library's own.
_AUDITLOG_TEXTS = (
    gettext_noop("Audit log"),
    gettext_noop("Audit log: %s"),
    gettext_noop("Changes"),
    gettext_noop("Resource Type"),
    gettext_noop("Resource"),
    gettext_noop("Correlation ID"),
    gettext_noop("Click to filter by records with this correlation id"),
    gettext_noop("Created"),
    gettext_noop("create"),
    gettext_noop("update"),
    gettext_noop("delete"),
    gettext_noop("access"),
    gettext_noop("Field"),
    gettext_noop("Relationship"),
    gettext_noop("No field changes"),
    gettext_noop("No log entries found."),
    gettext_noop("system"),
    gettext_noop("actor"),
    gettext_noop("actor email"),
    gettext_noop("remote address"),
    gettext_noop("remote port"),
    gettext_noop("timestamp"),
    gettext_noop("object representation"),
    gettext_noop("object pk"),
    gettext_noop("action"),
    gettext_noop("additional data"),
    gettext_noop("Created {repr:s}"),
    gettext_noop("Updated {repr:s}"),
    gettext_noop("Deleted {repr:s}"),
    gettext_noop("Logged {repr:s}"),
    ngettext_lazy("entry", "entries", 0),
)
