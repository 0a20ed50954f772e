from django.contrib import admin

from posventa.integrations.models import Coverage


@admin.register(Coverage)
class CoverageAdmin(admin.ModelAdmin):
    """The network coverage table the feasibility check reads (unless a real
    network integration replaces it, see settings.POSVENTA_FEASIBILITY_ADAPTER)."""

    list_display = ("zone", "neighbourhood", "technology", "spare_ports", "network_node")
    list_editable = ("spare_ports",)
    list_filter = ("technology", "zone")
    search_fields = ("zone", "neighbourhood", "network_node")
