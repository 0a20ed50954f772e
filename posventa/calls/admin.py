from django.contrib import admin

from posventa.calls.models import CallRecord
from posventa.common.admin import AuditedAdmin


@admin.register(CallRecord)
class CallRecordAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = (
        "product",
        "started_at",
        "called_number",
        "destination",
        "duration_seconds",
        "cost",
        "source",
    )
    list_filter = ("source",)
    search_fields = ("product__service_number", "called_number")
    date_hierarchy = "started_at"
    raw_id_fields = ("product",)
