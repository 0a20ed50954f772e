"""Companies, by NIT: the customers of the enterprise team and the executive
whose portfolio each one is in."""

from django.utils.translation import gettext as _

from posventa.accounts.models import User
from posventa.accounts.roles import Role
from posventa.customers.models import Company
from posventa.imports.entities.base import (
    KEEP,
    REQUIRED,
    Field,
    Phase,
    Row,
    Spec,
    among,
    apply_changes,
    changed_text,
    diff,
    write,
)
from posventa.imports.models import Entity, RowOutcome
from posventa.imports.values import fold, nit, text, yes_no

_AMBIGUOUS = object()


def executives_by_name() -> dict[str, object]:
    """Every active executive by username, e-mail and full name (folded);
    a name two executives share maps to _AMBIGUOUS."""
    found: dict[str, object] = {}
    users = User.objects.filter(role=Role.EXECUTIVE, is_active=True, is_superuser=False)
    for user in users.only("id", "username", "email", "first_name", "last_name"):
        for spelling in {user.username, user.email, user.get_full_name()}:
            key = fold(spelling)
            if key:
                found[key] = user.pk if found.get(key, user.pk) == user.pk else _AMBIGUOUS
    return found


class Companies(Spec):
    entity = Entity.COMPANIES
    model = Company
    key = ("nit",)
    fields = (
        Field("nit", Company._meta.get_field("nit").verbose_name, nit, True, REQUIRED),
        Field(
            "legal_name",
            Company._meta.get_field("legal_name").verbose_name,
            text(200),
            True,
            REQUIRED,
        ),
        Field("trade_name", Company._meta.get_field("trade_name").verbose_name, text(200)),
        Field(
            "address", Company._meta.get_field("address").verbose_name, text(250), True, REQUIRED
        ),
        Field("zone", Company._meta.get_field("zone").verbose_name, text(100)),
        Field("neighbourhood", Company._meta.get_field("neighbourhood").verbose_name, text(100)),
        Field("city", Company._meta.get_field("city").verbose_name, text(100), empty=KEEP),
        Field(
            "is_public_institution",
            Company._meta.get_field("is_public_institution").verbose_name,
            yes_no,
            empty=KEEP,
        ),
        Field(
            "executive",
            Company._meta.get_field("executive").verbose_name,
            text(254),
            True,
            REQUIRED,
        ),
    )

    def start(self, phase: Phase) -> None:
        phase.memo["executives"] = executives_by_name()

    def process(self, rows: list[Row], phase: Phase) -> None:
        executives = phase.memo["executives"]
        nits = {row.values["nit"] for row in rows if not row.refused}
        stored = {c.nit: c for c in phase.lock(Company.objects.filter(among("nit", nits)))}
        creates, updates = [], []
        for row in rows:
            if row.refused:
                continue
            values = row.values
            target = {
                name: values[name]
                for name in (
                    "legal_name",
                    "trade_name",
                    "address",
                    "zone",
                    "neighbourhood",
                    "city",
                    "is_public_institution",
                )
                if name in values
            }
            executive = executives.get(fold(values["executive"]))
            if executive is None:
                phase.problem(
                    row, "executive", _("no active executive has this name, username or e-mail.")
                )
            elif executive is _AMBIGUOUS:
                phase.problem(
                    row, "executive", _("two executives are called so: write the username.")
                )
            else:
                target["executive_id"] = executive
            if row.refused:
                continue
            company = stored.get(values["nit"])
            if company is None:
                company = Company(nit=values["nit"], **target)
                creates.append(company)
                row.done(RowOutcome.CREATED)
                continue
            changes = diff(company, target)
            if not changes:
                row.done(RowOutcome.UNCHANGED)
                continue
            apply_changes(company, changes)
            updates.append((company, changes))
            row.done(RowOutcome.UPDATED, changed_text(Company, changes))
        write(phase, Company, creates, updates)
