"""A team member's own password: changing it, and resetting it by e-mail.

Django's views with the site's layout; the project's password rules
(AUTH_PASSWORD_VALIDATORS) apply as in `services.user_create`.
"""

from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.urls import reverse_lazy
from django.utils.translation import gettext as _


class PasswordChange(auth_views.PasswordChangeView):
    """Asks the current password, then the new one twice. The session that
    changed it stays logged in; every other session of hers ends (Django keeps
    a hash of the password in each session and checks it on every request)."""

    template_name = "accounts/password_change_form.html"
    success_url = reverse_lazy("web:home")

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(
            self.request,
            _("Your password was changed. Your other sessions, on other devices, were closed."),
        )
        return response


class PasswordReset(auth_views.PasswordResetView):
    """Asks an e-mail address and answers the same whether it belongs to
    someone or not: the e-mail goes only to an active team member with that
    address (and a password), and the page never says which."""

    template_name = "accounts/password_reset_form.html"
    email_template_name = "accounts/password_reset_email.txt"
    subject_template_name = "accounts/password_reset_subject.txt"

    @property
    def extra_email_context(self):
        return {"valid_minutes": settings.PASSWORD_RESET_TIMEOUT // 60}


class PasswordResetDone(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirm(auth_views.PasswordResetConfirmView):
    """The link of the e-mail: a new password. Choosing it also lifts a login
    lockout of hers: whoever reads her e-mail and sets a new password is her,
    and the failed guesses were at the old one."""

    template_name = "accounts/password_reset_confirm.html"

    def form_valid(self, form):
        response = super().form_valid(form)
        axes_reset(username=form.user.get_username())
        return response


class PasswordResetComplete(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"
