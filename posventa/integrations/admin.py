from django.contrib import admin

from posventa.common.admin import AuditedAdmin
from posventa.integrations.models import Coverage, DiagnosisRecord


@admin.register(Coverage)
class CoverageAdmin(AuditedAdmin, admin.ModelAdmin):
    """The network coverage table the feasibility check reads (unless a real
    network integration replaces it, see settings.POSVENTA_FEASIBILITY_ADAPTER)."""

    list_display = ("zone", "neighbourhood", "technology", "spare_ports", "network_node")
    list_editable = ("spare_ports",)
    list_filter = ("technology", "zone")
    search_fields = ("zone", "neighbourhood", "network_node")


@admin.register(DiagnosisRecord)
class DiagnosisRecordAdmin(AuditedAdmin, admin.ModelAdmin):
    """The remote diagnoses of internet damages (procedure E, step 4), as the
    built-in Help Desk keeps them (see settings.POSVENTA_HELPDESK_ADAPTER)."""

    list_display = (
        "product",
        "work_order",
        "contracted_mbps",
        "measured_mbps",
        "solved_remotely",
        "created_at",
    )
    list_filter = ("solved_remotely", "router", "wifi_coverage")
    search_fields = ("product__service_number", "work_order__number")
    raw_id_fields = ("product", "work_order", "analyst")
