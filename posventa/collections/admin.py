from django.contrib import admin
from django.db import models

from posventa.collections.models import PaymentPromise, Proforma, ProformaRun, ProformaSending
from posventa.common.admin import AuditedAdmin
from posventa.common.uploads import UploadField


@admin.register(ProformaRun)
class ProformaRunAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = ["period", "status", "companies_done", "companies_total", "proformas_created"]
    list_filter = ["status"]


class ProformaInline(admin.TabularInline):
    model = Proforma
    extra = 0
    raw_id_fields = ["product"]
    # A proforma replaced by hand passes the same checks as every upload.
    formfield_overrides = {models.FileField: {"form_class": UploadField}}


@admin.register(ProformaSending)
class ProformaSendingAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = ["company", "period", "channel"]
    list_filter = ["period", "channel"]
    raw_id_fields = ["company", "email", "interaction", "run"]
    inlines = [ProformaInline]


@admin.register(PaymentPromise)
class PaymentPromiseAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = ["company", "promised_on", "amount", "kept"]
    list_filter = ["kept"]
    raw_id_fields = ["case", "company", "recorded_by"]
