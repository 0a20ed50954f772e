"""Back-office view of the work orders. They are registered by the procedures
and assigned and closed on the technical manager's screens (the services keep
their history and tell the waiting process), so here they are read-only."""

from django.contrib import admin

from posventa.common.admin import AuditedAdmin, ReadOnlyInline
from posventa.workorders.models import Prioritisation, Technician, WorkOrder, WorkOrderChange


class WorkOrderChangeInline(ReadOnlyInline):
    model = WorkOrderChange
    fields = ("at", "state", "by", "note")
    show_change_link = False


class PrioritisationInline(ReadOnlyInline):
    model = Prioritisation
    fields = ("called_at", "operations_contact", "priority", "agreement", "recorded_by", "case")
    show_change_link = False


@admin.register(WorkOrder)
class WorkOrderAdmin(admin.ModelAdmin):
    list_display = (
        "number",
        "kind",
        "company",
        "state",
        "priority",
        "unit",
        "scheduled_at",
        "closed_at",
    )
    list_filter = ("state", "kind", "priority", "unit")
    search_fields = ("number", "company__legal_name", "company__nit", "product__service_number")
    list_select_related = ("company",)
    inlines = [PrioritisationInline, WorkOrderChangeInline]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Technician)
class TechnicianAdmin(AuditedAdmin, admin.ModelAdmin):
    """The list the technical manager picks from: kept here; a technician who
    leaves is made inactive (his name stays on the orders he attended)."""

    list_display = ("name", "phone", "zone", "active")
    list_filter = ("active",)
    search_fields = ("name", "zone")
    list_editable = ("active",)
