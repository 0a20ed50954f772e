from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from posventa.common.admin import AuditedAdmin
from posventa.common.audit import SECRET_MASK
from posventa.events.models import Delivery, DeliveryStatus, Event, Subscription
from posventa.events.services import delivery_retry


@admin.register(Subscription)
class SubscriptionAdmin(AuditedAdmin, admin.ModelAdmin):
    """Made through the hubs (the secret is given once, there); here an
    administrator sees them and may switch one off."""

    list_display = ["callback", "api", "query", "owner", "masked_secret", "active", "created_at"]
    list_filter = ["api", "active"]
    search_fields = ["callback", "query", "owner__username"]
    fields = ["api", "callback", "query", "owner", "masked_secret", "created_at", "active"]
    readonly_fields = ["api", "callback", "query", "owner", "masked_secret", "created_at"]

    def has_add_permission(self, request):
        return False

    @admin.display(description=_("secret"))
    def masked_secret(self, obj):
        return SECRET_MASK


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ["occurred_at", "kind", "case", "work_order", "product"]
    list_filter = ["kind"]
    search_fields = ["case__number", "work_order__number", "product__service_number"]
    list_select_related = ["case", "work_order", "product"]
    readonly_fields = [f.name for f in Event._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Delivery)
class DeliveryAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = [
        "created_at",
        "event_kind",
        "subscription",
        "status",
        "attempts",
        "last_status_code",
        "last_error",
        "next_attempt_at",
        "delivered_at",
    ]
    list_filter = ["status", "event__kind", "subscription__api"]
    search_fields = ["subscription__callback", "event__case__number", "last_error"]
    list_select_related = ["event", "subscription"]
    readonly_fields = [f.name for f in Delivery._meta.fields if f.name != "body"] + ["payload"]
    exclude = ["body"]
    actions = ["retry_now"]

    def has_add_permission(self, request):
        return False

    @admin.display(description=_("kind"), ordering="event__kind")
    def event_kind(self, obj):
        return obj.event.get_kind_display()

    @admin.display(description=_("body"))
    def payload(self, obj):
        return bytes(obj.body).decode("utf-8", "replace")

    @admin.action(description=_("Retry now (deliveries given up on)"), permissions=["change"])
    def retry_now(self, request, queryset):
        retried = 0
        for delivery in queryset:
            if delivery.status != DeliveryStatus.FAILED:
                continue
            try:
                delivery_retry(delivery=delivery)
            except ValidationError as error:
                self.message_user(request, f"{delivery}: {error.messages[0]}", messages.WARNING)
            else:
                retried += 1
        self.message_user(
            request, _("%(count)s deliveries will be sent again.") % {"count": retried}
        )
