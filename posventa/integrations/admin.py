from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from posventa.common.admin import AuditedAdmin
from posventa.integrations.handback import change_retry
from posventa.integrations.models import CommercialChange, Coverage, DiagnosisRecord


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


@admin.register(CommercialChange)
class CommercialChangeAdmin(AuditedAdmin, admin.ModelAdmin):
    """The changes handed back to the commercial system: a record, read-only
    (the job writes them); a person only sends again one that failed or was
    never confirmed."""

    list_display = (
        "created_at",
        "kind",
        "state",
        "case",
        "company",
        "product",
        "attempts",
        "next_attempt_at",
        "external_reference",
    )
    list_filter = ("state", "kind")
    search_fields = (
        "idempotency_key",
        "case__number",
        "company__legal_name",
        "company__nit",
        "product__service_number",
        "external_reference",
    )
    readonly_fields = [field.name for field in CommercialChange._meta.fields]
    date_hierarchy = "created_at"
    actions = ["retry"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Deliver again"), permissions=["change"])
    def retry(self, request, queryset):
        retried = 0
        for change in queryset:
            try:
                change_retry(change=change)
            except ValidationError as error:
                self.message_user(request, f"{change}: {error.messages[0]}", messages.WARNING)
            else:
                retried += 1
        if retried:
            self.message_user(
                request,
                ngettext(
                    "%(count)d change will be delivered again.",
                    "%(count)d changes will be delivered again.",
                    retried,
                )
                % {"count": retried},
                messages.SUCCESS,
            )
