from auditlog.admin import LogEntryAdmin
from auditlog.filters import CIDFilter, ResourceTypeFilter
from auditlog.mixins import AuditlogHistoryAdminMixin
from auditlog.models import LogEntry
from auditlog.render import get_field_verbose_name
from axes import admin as axes_admin  # noqa: F401 — registers AccessAttempt's admin first
from axes.models import AccessAttempt
from django.contrib import admin
from django.contrib.auth import admin as auth_admin  # noqa: F401 — registers Group's admin
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.utils.text import Truncator, capfirst
from django.utils.translation import gettext_lazy as _
from django_q import admin as django_q_admin  # noqa: F401 — registers Schedule's admin
from django_q.models import Schedule

from posventa.common import audit
from posventa.common.models import DeferredJob


class ReadOnlyInline(admin.TabularInline):
    """Rows shown at a glance under their parent; each is entered or changed on
    its own page (or by its service), never from here. Subclasses set `fields`."""

    extra = 0
    can_delete = False
    show_change_link = True

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def has_add_permission(self, request, obj=None):
        return False


# --- The audit trail (posventa/common/audit.py) ------------------------------


class AuditedAdmin(AuditlogHistoryAdminMixin):
    """The admin of an audited model: its change page links to the model's
    audit log (who changed what, when, old and new values), and what its views
    write counts as an administrator's edit (audit.ADMIN_EDITS). Put it first
    among the bases: `class PlanAdmin(AuditedAdmin, admin.ModelAdmin)`."""

    change_form_template = "common/audited_change_form.html"
    auditlog_history_per_page = 20

    def changeform_view(self, request, *args, **kwargs):
        with audit.admin_edit():
            return super().changeform_view(request, *args, **kwargs)

    def changelist_view(self, request, *args, **kwargs):
        # Its list-editable columns and its actions write from here.
        with audit.admin_edit():
            return super().changelist_view(request, *args, **kwargs)

    def delete_view(self, request, *args, **kwargs):
        with audit.admin_edit():
            return super().delete_view(request, *args, **kwargs)


# Audited models whose admin comes from Django or a library: the same admin,
# with the audit history.
for _model in (Group, Schedule, AccessAttempt):
    if admin.site.is_registered(_model):
        _admin_class = type(admin.site.get_model_admin(_model))
        admin.site.unregister(_model)
        admin.site.register(
            _model,
            type(_admin_class.__name__, (AuditedAdmin, _admin_class), {"__module__": __name__}),
        )


class AuditedModelFilter(ResourceTypeFilter):
    """auditlog's filter by model, with the models' names as the team reads them."""

    def lookups(self, request, model_admin):
        logged = model_admin.get_queryset(request).values("content_type_id")
        names = [
            (content_type.pk, capfirst(_model_name(content_type)))
            for content_type in ContentType.objects.filter(pk__in=logged)
        ]
        return sorted(names, key=lambda choice: choice[1])


def _model_name(content_type) -> str:
    model = content_type.model_class()
    return model._meta.verbose_name if model else content_type.model


admin.site.unregister(LogEntry)


@admin.register(LogEntry)
class AuditLogEntryAdmin(LogEntryAdmin):
    """The audit trail, read-only as auditlog makes it (no add, no change, no
    delete): filtered by model, by who acted and by date, with the address the
    change came from."""

    list_filter = [
        "action",
        AuditedModelFilter,
        ("actor", admin.RelatedOnlyFieldListFilter),
        CIDFilter,
    ]
    readonly_fields = [*LogEntryAdmin.readonly_fields, "actor_email", "remote_addr"]
    fieldsets = [
        (None, {"fields": ["created", "user_url", "actor_email", "remote_addr"]}),
        (None, {"fields": ["resource_url", "cid"]}),
        *LogEntryAdmin.fieldsets[1:],
    ]

    @admin.display(description=_("Changes"))
    def msg_short(self, obj):
        """The changed fields by their names on the form (auditlog shows the
        columns' names, in English)."""
        if obj.action in (LogEntry.Action.DELETE, LogEntry.Action.ACCESS):
            return ""
        names = (str(get_field_verbose_name(obj, name)) for name in obj.changes_dict)
        return Truncator(", ".join(names)).chars(80)

    @admin.display(description=_("User"))
    def user_url(self, obj):
        return super().user_url(obj) if obj.actor_id else _("system")

    @admin.display(description=_("Correlation ID"))
    def cid_url(self, obj):
        return super().cid_url(obj)


@admin.register(DeferredJob)
class DeferredJobAdmin(admin.ModelAdmin):
    """The jobs the broker refused while it was down, waiting for the relay
    (docs/resilience.md): read-only — an operator sees what is waiting and
    why, and the relay hands each over once Redis answers."""

    list_display = ["func", "created_at", "attempts", "last_error"]
    readonly_fields = ["func", "args", "kwargs", "timeout", "created_at", "attempts", "last_error"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
