from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from posventa.api import throttle
from posventa.api.models import ApiToken, TokenFailure
from posventa.common.admin import AuditedAdmin


@admin.register(ApiToken)
class ApiTokenAdmin(AuditedAdmin, admin.ModelAdmin):
    """Tokens are created with `manage.py api_token`; here they are seen and revoked."""

    list_display = ("name", "user", "prefix", "created_at", "last_used_at", "revoked_at")
    list_select_related = ("user",)
    readonly_fields = ("user", "name", "prefix", "key_hash", "created_at", "last_used_at")

    def has_add_permission(self, request):
        return False


@admin.register(TokenFailure)
class TokenFailureAdmin(AuditedAdmin, admin.ModelAdmin):
    """Addresses that sent failed API tokens (posventa/api/throttle.py); unlocking
    one forgets its failures."""

    list_display = ("ip_address", "failures", "first_failure_at", "last_failure_at", "locked_until")
    search_fields = ("ip_address",)
    ordering = ("-last_failure_at",)
    readonly_fields = ("ip_address", "failures", "first_failure_at", "last_failure_at")
    actions = ["unlock"]

    def has_add_permission(self, request):
        return False

    @admin.display(description=_("locked until"))
    def locked_until(self, obj: TokenFailure):
        return throttle.lockout_end(obj) or "—"

    @admin.action(description=_("Unlock the selected addresses"), permissions=["delete"])
    def unlock(self, request, queryset):
        count, _deleted = queryset.delete()
        self.message_user(
            request,
            ngettext("%(count)d address unlocked.", "%(count)d addresses unlocked.", count)
            % {"count": count},
        )
