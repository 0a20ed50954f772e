from django.contrib import admin

from posventa.common.admin import AuditedAdmin
from posventa.procedures.models import Requirement


@admin.register(Requirement)
class RequirementAdmin(AuditedAdmin, admin.ModelAdmin):
    """The requirement checklists the executive ticks, per procedure."""

    list_display = (
        "procedure",
        "position",
        "label",
        "document_kind",
        "mandatory",
        "only_when_signed_by_other",
    )
    list_editable = ("position", "mandatory")
    list_filter = ("procedure", "mandatory")
