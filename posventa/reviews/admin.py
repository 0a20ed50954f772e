from django.contrib import admin

from posventa.common.admin import AuditedAdmin
from posventa.reviews.models import DailyReport, Opportunity, ReviewItem


@admin.register(ReviewItem)
class ReviewItemAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = ("kind", "company", "product", "offered_type", "found_on", "case")
    list_filter = ("kind",)
    raw_id_fields = ("company", "product", "case")


@admin.register(Opportunity)
class OpportunityAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = ("company", "offered_type", "outcome", "created_at", "decided_at")
    list_filter = ("outcome", "offered_type")
    raw_id_fields = ("company", "case", "noted_by")


@admin.register(DailyReport)
class DailyReportAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = ("analyst", "day", "cases_worked", "diagnoses", "visits", "damages", "email")
    list_filter = ("day",)
    raw_id_fields = ("analyst", "email")
