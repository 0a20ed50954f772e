from django import forms
from django.contrib import admin
from django.db import models
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from posventa.cases.models import Alert, Case, CaseDocument
from posventa.common.admin import AuditedAdmin
from posventa.common.uploads import UploadField


class CaseDocumentInline(admin.TabularInline):
    model = CaseDocument
    extra = 0
    fields = (
        "kind",
        "title",
        "file",
        "download",
        "status",
        "generated",
        "uploaded_by",
        "created_at",
    )
    readonly_fields = ("download", "status", "generated", "uploaded_by", "created_at")
    # The back office's uploads pass the same checks as the team's. A plain
    # file input: Django's usual one links the stored file at /media/, which
    # nothing serves; the file is downloaded through the checked view instead.
    formfield_overrides = {models.FileField: {"form_class": UploadField, "widget": forms.FileInput}}

    @admin.display(description=_("download"))
    def download(self, document: CaseDocument) -> str:
        if not document.pk:
            return ""
        if not document.is_ready:  # the worker has not rendered it (yet): no file
            return document.get_status_display()
        url = reverse("cases:document", args=[document.case.number, document.pk])
        return format_html('<a href="{}">{}</a>', url, document.file.name.rsplit("/", 1)[-1])


@admin.register(Case)
class CaseAdmin(AuditedAdmin, admin.ModelAdmin):
    """Cases are opened and moved by their process; the admin looks, it does not steer."""

    list_display = (
        "number",
        "company",
        "procedure",
        "channel",
        "received_at",
        "status",
        "outcome",
        "attended_at",
    )
    list_filter = ("procedure", "status", "outcome", "channel")
    search_fields = ("number", "company__legal_name", "company__trade_name", "company__nit")
    date_hierarchy = "received_at"
    list_select_related = ("company",)
    raw_id_fields = ("company", "product", "opened_by", "instance")
    readonly_fields = (
        "number",
        "status",
        "outcome",
        "attended_at",
        "closed_at",
        "instance",
        "quality_conform",
        "quality_note",
        "created_at",
        "updated_at",
    )
    inlines = [CaseDocumentInline]


@admin.register(Alert)
class AlertAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = ("message", "role", "case", "created_at", "read_at")
    list_filter = ("role",)
    list_select_related = ("case",)
    raw_id_fields = ("case",)
