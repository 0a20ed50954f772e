from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from posventa.accounts.roles import Role
from posventa.channels import placeholders
from posventa.channels.models import (
    ImapCursor,
    InboundAttachment,
    InboundMessage,
    Notification,
    NotificationTemplate,
    WebhookDelivery,
)
from posventa.channels.notify import notification_resend
from posventa.common.admin import AuditedAdmin
from posventa.common.forms import BoundedModelForm


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
class ImapCursorAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = ["folder", "uid_validity", "last_uid", "read_at"]


# --- What customers hear (channels/notify.py): the texts and what was sent -------------


class NotificationTemplateForm(BoundedModelForm):
    """A text is saved only if it fills in: its placeholders are the event's,
    its braces match (channels/placeholders.py)."""

    class Meta:
        model = NotificationTemplate
        fields = [
            "event",
            "subject",
            "text",
            "whatsapp_template",
            "whatsapp_language",
            "is_active",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        event = self.instance.event if self.instance.pk else None
        allowed = placeholders.ALLOWED.get(event) or tuple(placeholders.DESCRIPTIONS)
        help_text = "; ".join(f"{{{n}}}: {placeholders.DESCRIPTIONS[n]}" for n in allowed)
        if "text" in self.fields:
            self.fields["text"].help_text = help_text

    def clean(self):
        data = super().clean()
        event = data.get("event") or self.instance.event
        for field in ("subject", "text"):
            if field in data:
                for name, error in placeholders.text_errors(
                    event=event, text=data[field], field=field
                ).items():
                    self.add_error(name, error)
        return data


def _is_team_lead(user) -> bool:
    return getattr(user, "role", "") == Role.TEAM_LEAD and user.is_active and user.is_staff


@admin.register(NotificationTemplate)
class NotificationTemplateAdmin(AuditedAdmin, admin.ModelAdmin):
    """The words customers get at each event: the team lead's to edit (with
    "staff" ticked to reach the admin; no further permission needed)."""

    form = NotificationTemplateForm
    list_display = ["event", "subject", "whatsapp_template", "is_active"]
    list_filter = ["is_active"]

    def get_readonly_fields(self, request, obj=None):
        return ["event"] if obj is not None else []

    def has_module_permission(self, request):
        return _is_team_lead(request.user) or super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return _is_team_lead(request.user) or super().has_view_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return _is_team_lead(request.user) or super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False  # switch a text off instead ("sent")


@admin.register(Notification)
class NotificationAdmin(AuditedAdmin, admin.ModelAdmin):
    """What was sent to customers and how its delivery went: read-only, with
    "send again" for what failed."""

    list_display = ["created_at", "event", "channel", "to", "status", "attempts", "case"]
    list_filter = ["status", "channel", "event"]
    search_fields = ["to", "case__number", "company__legal_name", "external_id"]
    readonly_fields = [f.name for f in Notification._meta.fields]
    list_select_related = ["case"]
    actions = ["send_again"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_module_permission(self, request):
        return _is_team_lead(request.user) or super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return _is_team_lead(request.user) or super().has_view_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        # The "send again" action needs it; every field stays read-only.
        return _is_team_lead(request.user) or super().has_change_permission(request, obj)

    @admin.action(description=_("Send again"))
    def send_again(self, request, queryset):
        for notification in queryset:
            try:
                notification_resend(notification=notification)
            except ValidationError as error:
                self.message_user(request, f"{notification}: {error.messages[0]}", messages.WARNING)
