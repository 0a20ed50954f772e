from django.db import models
from django.utils.translation import gettext_lazy as _

from posventa.cases.models import DocumentKind, Procedure
from posventa.common.models import BaseModel


class Requirement(BaseModel):
    """A document a procedure asks of the customer; the team edits the list
    per procedure in the admin."""

    procedure = models.CharField(_("procedure"), max_length=1, choices=Procedure.choices)
    document_kind = models.CharField(_("document"), max_length=32, choices=DocumentKind.choices)
    label = models.CharField(_("label"), max_length=200)
    # Asked only when someone other than the legal representative signs.
    only_when_signed_by_other = models.BooleanField(
        _("only when someone else signs"), default=False
    )
    mandatory = models.BooleanField(_("mandatory"), default=True)
    position = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("requirement")
        verbose_name_plural = _("requirements")
        ordering = ["procedure", "position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["procedure", "document_kind"], name="requirement_once_per_procedure"
            ),
        ]

    def __str__(self) -> str:
        return self.label
