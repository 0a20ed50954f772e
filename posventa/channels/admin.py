from django.contrib import admin

from posventa.channels.models import (
    ImapCursor,
    InboundAttachment,
    InboundMessage,
    WebhookDelivery,
)
from posventa.common.admin import AuditedAdmin


class InboundAttachmentInline(admin.TabularInline):
    model = InboundAttachment
    extra = 0
    can_delete = False
    readonly_fields = ["filename", "content_type", "size", "file", "refused_reason", "document"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(InboundMessage)
class InboundMessageAdmin(AuditedAdmin, admin.ModelAdmin):
    """What came in, as it came: read-only (the triage inbox acts on it)."""

    list_display = ["received_at", "channel", "sender", "subject", "state", "case"]
    list_filter = ["channel", "state"]
    search_fields = ["sender", "subject", "external_id", "case__number", "company__legal_name"]
    readonly_fields = [f.name for f in InboundMessage._meta.fields]
    inlines = [InboundAttachmentInline]

    def has_add_permission(self, request):
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = ["created_at", "processed_at", "attempts", "last_error"]
    readonly_fields = [f.name for f in WebhookDelivery._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(ImapCursor)
class ImapCursorAdmin(admin.ModelAdmin):
    list_display = ["folder", "uid_validity", "last_uid", "read_at"]
