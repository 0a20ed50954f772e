from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from posventa.common.admin import AuditedAdmin
from posventa.outbox.models import Mailbox, OutgoingAttachment, OutgoingEmail
from posventa.outbox.services import email_retry


@admin.register(Mailbox)
class MailboxAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = ["name", "code", "address"]


class AttachmentInline(admin.TabularInline):
    model = OutgoingAttachment
    extra = 0
    can_delete = False
    readonly_fields = ["filename", "content_type", "file"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(OutgoingEmail)
class OutgoingEmailAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = ["created_at", "subject", "status", "attempts", "case", "sent_at"]
    list_filter = ["status", "template"]
    search_fields = ["subject", "case__number", "company__legal_name"]
    readonly_fields = [f.name for f in OutgoingEmail._meta.fields]
    inlines = [AttachmentInline]
    actions = ["retry"]

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Send again"))
    def retry(self, request, queryset):
        for email in queryset:
            try:
                email_retry(email=email)
            except ValidationError as error:
                self.message_user(request, f"{email}: {error.messages[0]}", messages.WARNING)
