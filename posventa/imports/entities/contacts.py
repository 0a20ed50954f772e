"""Contacts, by company (NIT) and name — case and accents aside, so "JUAN
PÉREZ" and "Juan Perez" are one person. One primary contact per company:
a new primary one takes the place of the one before."""

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from posventa.common.models import Channel
from posventa.customers.models import Company, Contact
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
    choice_of,
    diff,
    insert_many,
    update_many,
)
from posventa.imports.models import Entity, RowOutcome
from posventa.imports.values import Invalid, fold, nit, text, yes_no

_EMAIL_MAX = Contact._meta.get_field("email").max_length


def _email(value) -> str:
    address = text(_EMAIL_MAX)(value)
    try:
        validate_email(address)
    except ValidationError:
        raise Invalid(_("it is not a valid e-mail address.")) from None
    return address


_CHANNEL = choice_of(
    Channel,
    {
        Channel.EMAIL: ("correo", "correo electronico", "mail", "e-mail"),
        Channel.WHATSAPP: ("wa", "whats app"),
        Channel.PHONE: ("telefono", "llamada", "llamada telefonica", "celular"),
        Channel.LETTER: ("carta", "nota"),
        Channel.IN_PERSON: ("presencial", "en persona", "visita"),
    },
    "correo, WhatsApp, teléfono, carta, presencial",
)


def _f(name):
    return Contact._meta.get_field(name).verbose_name


class Contacts(Spec):
    entity = Entity.CONTACTS
    model = Contact
    key = ("nit", "name")
    fields = (
        Field("nit", gettext_lazy("company's NIT"), nit, True, REQUIRED),
        Field("name", _f("name"), text(150), True, REQUIRED),
        Field("position", _f("position"), text(150)),
        Field("phone", _f("phone"), text(30)),
        Field("whatsapp", _f("whatsapp"), text(30)),
        Field("email", _f("email"), _email),
        Field("preferred_channel", _f("preferred_channel"), _CHANNEL, empty=KEEP),
        Field("is_primary", _f("is_primary"), yes_no, empty=KEEP),
    )

    def key_value(self, values):
        return (values["nit"], fold(values["name"]))

    def start(self, phase: Phase) -> None:
        # NIT -> line of the row that made a contact of that company primary.
        phase.memo["primary_line"] = {}
        # Dry run only: company id -> the contact id the file made primary
        # (None: a new contact), for the batches after it.
        phase.memo["primary_of"] = {}

    def process(self, rows: list[Row], phase: Phase) -> None:
        nits = {row.values["nit"] for row in rows if not row.refused}
        companies = dict(Company.objects.filter(among("nit", nits)).values_list("nit", "id"))
        by_name: dict[tuple[int, str], list[Contact]] = {}
        primary: dict[int, Contact | None] = {}
        contacts = phase.lock(Contact.objects.filter(among("company_id", companies.values())))
        for contact in contacts.order_by("id"):
            if not phase.apply and contact.company_id in phase.memo["primary_of"]:
                contact.is_primary = phase.memo["primary_of"][contact.company_id] == contact.pk
            by_name.setdefault((contact.company_id, fold(contact.name)), []).append(contact)
            if contact.is_primary:
                primary[contact.company_id] = contact
        creates, updates, demoted = [], [], []
        for row in rows:
            if row.refused:
                continue
            values = row.values
            company_id = companies.get(values["nit"])
            if company_id is None:
                phase.problem(row, "nit", _("no company has this NIT."))
                continue
            found = by_name.get((company_id, fold(values["name"])), [])
            if len(found) > 1:
                phase.problem(
                    row,
                    "name",
                    _("the company has %(count)s contacts with this name: leave one in Posventa.")
                    % {"count": len(found)},
                )
                continue
            if values.get("is_primary"):
                earlier = phase.memo["primary_line"].get(values["nit"])
                if earlier is not None:
                    phase.problem(
                        row,
                        "is_primary",
                        _("line %(line)s of this file already makes another contact primary.")
                        % {"line": earlier},
                    )
                    continue
            target = {
                name: values[name]
                for name in (
                    "name",
                    "position",
                    "phone",
                    "whatsapp",
                    "email",
                    "preferred_channel",
                    "is_primary",
                )
                if name in values
            }
            contact = found[0] if found else None
            if contact is None:
                contact = Contact(company_id=company_id, **target)
                creates.append(contact)
                by_name[(company_id, fold(contact.name))] = [contact]
                row.done(RowOutcome.CREATED)
                changes = {}
            else:
                changes = diff(contact, target)
                if changes:
                    apply_changes(contact, changes)
                    updates.append((contact, changes))
                    row.done(RowOutcome.UPDATED, changed_text(Contact, changes))
                else:
                    row.done(RowOutcome.UNCHANGED)
            if values.get("is_primary"):
                phase.memo["primary_line"][values["nit"]] = row.line
                phase.memo["primary_of"][company_id] = contact.pk
                before = primary.get(company_id)
                if before is not None and before is not contact and before.is_primary:
                    before.is_primary = False
                    demoted.append(before)
                    row.reason = " ".join(
                        part
                        for part in (
                            row.reason,
                            _("%(name)s is no longer the primary contact.") % {"name": before.name},
                        )
                        if part
                    )
                primary[company_id] = contact
            elif "is_primary" in changes:  # no longer primary
                primary[company_id] = None
                phase.memo["primary_of"][company_id] = None
        if phase.apply:
            self._write(phase, creates, updates, demoted)

    def _write(self, phase, creates, updates, demoted) -> None:
        # Every contact that stops being primary first (PostgreSQL checks
        # "one primary per company" row by row, not at the end).
        stepping_down = [
            *demoted,
            *(c for c, ch in updates if ch.get("is_primary") == (True, False)),
        ]
        if stepping_down:
            update_many(Contact, stepping_down, ["is_primary"])
            for contact in demoted:
                phase.audit.updated(contact, {"is_primary": (True, False)})
        if updates:
            names: set[str] = set()
            for _contact, changes in updates:
                names.update(changes)
            update_many(Contact, [c for c, _changes in updates], sorted(names))
            for contact, changes in updates:
                phase.audit.updated(contact, changes)
        if creates:
            insert_many(Contact, creates)
            for contact in creates:
                phase.audit.created(contact)
