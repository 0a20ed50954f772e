from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from posventa.accounts.roles import Role


class User(AbstractUser):
    """A member of the enterprise team, with the one role she works in.

    Administrators created with `createsuperuser` may have no role.
    """

    role = models.CharField(_("role"), max_length=32, choices=Role.choices, blank=True)
    # How she signs the documents she issues (the dunning letter, the order
    # request, the month's report): her own title, not the role's generic name.
    job_title = models.CharField(
        _("job title"),
        max_length=120,
        blank=True,
        help_text=_("As printed under the signature, e.g. Ejecutiva de Cuentas Empresas."),
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(role__in=[*Role.values, ""]), name="user_role_known"
            ),
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    @property
    def role_label(self) -> str:
        return self.get_role_display() if self.role else _("Administrator")

    @property
    def signature_title(self) -> str:
        """Her title under a signature: her own, else her role's name."""
        return self.job_title or str(self.role_label)
