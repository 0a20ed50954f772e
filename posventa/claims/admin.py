"""Back-office view of the billing complaints. They are registered by
procedure F and answered on the claims screens (the services keep their
history, write to UTAR and tell the waiting case), so here they are read-only."""

from django.contrib import admin

from posventa.claims.models import Complaint, ComplaintChange
from posventa.common.admin import ReadOnlyInline


class ComplaintChangeInline(ReadOnlyInline):
    model = ComplaintChange
    fields = ("at", "state", "by", "note")
    show_change_link = False


@admin.register(Complaint)
class ComplaintAdmin(admin.ModelAdmin):
    list_display = ("__str__", "state", "disputed_amount", "customer_accepted", "created_at")
    list_filter = ("state", "customer_accepted")
    search_fields = (
        "invoice__product__service_number",
        "invoice__product__company__legal_name",
        "invoice__product__company__nit",
        "case__number",
    )
    list_select_related = ("invoice__product",)
    inlines = [ComplaintChangeInline]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
