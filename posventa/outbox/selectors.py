"""Reads for the outbox: where e-mails go, what a case sent."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from posventa.accounts.models import User
from posventa.outbox.models import Mailbox, OutgoingEmail


def mailbox_address(code: str) -> str:
    """The address of a team the procedures write to (kept in the admin)."""
    address = Mailbox.objects.filter(code=code).values_list("address", flat=True).first()
    if not address:
        raise ValidationError(
            _("No address is configured for the mailbox “%(code)s” (admin → Outbox → Mailboxes).")
            % {"code": code}
        )
    return address


def role_addresses(*roles) -> list[str]:
    """The e-mail addresses of the active people working in these roles."""
    return list(
        User.objects.filter(role__in=roles, is_active=True)
        .exclude(email="")
        .order_by("role", "username")
        .values_list("email", flat=True)
    )


def case_emails(case):
    return OutgoingEmail.objects.filter(case=case).prefetch_related("attachments")
