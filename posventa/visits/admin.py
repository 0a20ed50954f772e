from django.contrib import admin

from posventa.common.admin import AuditedAdmin
from posventa.visits.models import EngineeringService, Visit


@admin.register(Visit)
class VisitAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = (
        "starts_at",
        "ends_at",
        "kind",
        "analyst",
        "executive",
        "company",
        "state",
        "work_order",
    )
    list_filter = ("kind", "state", "analyst", "executive")
    raw_id_fields = ("company", "product", "case", "work_order")


@admin.register(EngineeringService)
class EngineeringServiceAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = ("visit", "recorded_by", "created_at")
    raw_id_fields = ("visit",)
