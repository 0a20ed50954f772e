from django.contrib import admin

from posventa.visits.models import EngineeringService, Visit


@admin.register(Visit)
class VisitAdmin(admin.ModelAdmin):
    list_display = ("starts_at", "ends_at", "analyst", "company", "state", "work_order")
    list_filter = ("state", "analyst")
    raw_id_fields = ("company", "product", "case", "work_order")


@admin.register(EngineeringService)
class EngineeringServiceAdmin(admin.ModelAdmin):
    list_display = ("visit", "recorded_by", "created_at")
    raw_id_fields = ("visit",)
