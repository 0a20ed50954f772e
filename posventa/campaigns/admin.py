from django.contrib import admin

from posventa.campaigns.models import Campaign, CampaignItem
from posventa.common.admin import AuditedAdmin


class CampaignItemInline(admin.TabularInline):
    model = CampaignItem
    extra = 0
    raw_id_fields = ("company", "product", "work_order", "case")
    readonly_fields = ("result", "called_at")


@admin.register(Campaign)
class CampaignAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = ("name", "kind", "executive", "starts_on", "ends_on")
    list_filter = ("kind",)
    search_fields = ("name",)
    inlines = [CampaignItemInline]


@admin.register(CampaignItem)
class CampaignItemAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = ("campaign", "company", "product", "result", "called_at")
    list_filter = ("result",)
    raw_id_fields = ("campaign", "company", "product", "work_order", "case")
