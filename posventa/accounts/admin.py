from axes import admin as axes_admin
from axes.models import AccessAttempt
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from posventa.accounts.models import User
from posventa.accounts.roles import Role
from posventa.common.admin import AuditedAdmin

# Autocomplete fields whose owner must be an executive (the portfolio owner):
# (app_label, model_name, field_name) as the admin's autocomplete view sends them.
_EXECUTIVE_FIELDS = {("customers", "company", "executive")}


@admin.register(User)
class UserAdmin(AuditedAdmin, BaseUserAdmin):
    list_display = (
        "username",
        "first_name",
        "last_name",
        "email",
        "role",
        "is_active",
        "last_login",
    )
    list_filter = ("role", "is_active", "is_staff", "is_superuser")
    search_fields = ("username", "first_name", "last_name", "email")
    ordering = ("first_name", "last_name", "username")
    readonly_fields = ("last_login", "date_joined")
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        (_("Team"), {"fields": ("role", "job_title")}),
    )
    add_fieldsets = (
        *BaseUserAdmin.add_fieldsets,
        (_("Team"), {"fields": ("role", "job_title", "first_name", "last_name", "email")}),
    )

    def get_search_results(self, request, queryset, search_term):
        """When the company form looks for its executive, offer executives only."""
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        source = (
            request.GET.get("app_label"),
            request.GET.get("model_name"),
            request.GET.get("field_name"),
        )
        if source in _EXECUTIVE_FIELDS:
            queryset = queryset.filter(role=Role.EXECUTIVE, is_active=True)
        return queryset, may_have_duplicates


class AccessAttemptAdmin(AuditedAdmin, axes_admin.AccessAttemptAdmin):
    """django-axes' failed logins, with an explicit "Unlock": it forgets the
    selected failures, so the username can log in from that address at once."""

    actions = [*axes_admin.AccessAttemptAdmin.actions, "unlock"]

    @admin.action(description=_("Unlock (forget these failed logins)"), permissions=["delete"])
    def unlock(self, request, queryset):
        count = queryset.count()
        queryset.delete()
        self.message_user(
            request,
            ngettext("%(count)d lockout lifted.", "%(count)d lockouts lifted.", count)
            % {"count": count},
        )


if admin.site.is_registered(AccessAttempt):
    admin.site.unregister(AccessAttempt)
    admin.site.register(AccessAttempt, AccessAttemptAdmin)
