from django.contrib import admin

from posventa.procedures.models import Requirement


@admin.register(Requirement)
class RequirementAdmin(admin.ModelAdmin):
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
