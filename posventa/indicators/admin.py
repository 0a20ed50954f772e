from django.contrib import admin

from posventa.common.admin import AuditedAdmin
from posventa.indicators.models import MonthClose


@admin.register(MonthClose)
class MonthCloseAdmin(AuditedAdmin, admin.ModelAdmin):
    """Closed months are frozen: seen here, never edited."""

    list_display = ["__str__", "total", "effective", "timely", "open", "closed_by", "created_at"]
    readonly_fields = [f.name for f in MonthClose._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
