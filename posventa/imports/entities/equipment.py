"""Equipment lent with a product, by serial number: its product, its kind
and, once withdrawn, how it came back (complete, incomplete with its missing
parts, damaged with a note, not returned). Every check constraint of
inventory.Equipment is checked here first, with the return's own rules
(inventory.rules.return_errors)."""

import re

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from posventa.catalog.models import EquipmentKind, EquipmentPart
from posventa.catalog.selectors import equipment_parts_by_kind
from posventa.imports.entities.base import (
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
)
from posventa.imports.models import Entity, RowOutcome
from posventa.imports.values import a_date, fold, text
from posventa.inventory.models import (
    BILLABLE_CONDITIONS,
    RETURNED_CONDITIONS,
    Equipment,
    EquipmentMissingPart,
    Product,
    ReturnCondition,
)
from posventa.inventory.rules import return_errors

KIND = choice_of(
    EquipmentKind,
    {
        EquipmentKind.MODEM: ("modem adsl",),
        EquipmentKind.ROUTER: ("router", "router wifi", "enrutador"),
        EquipmentKind.ONT: ("ont", "ont fibra", "onu"),
        EquipmentKind.DECODER: ("decodificador", "deco", "decodificador tv", "stb"),
        EquipmentKind.PHONE: ("telefono", "aparato telefonico"),
        EquipmentKind.HSPA_MODEM: ("modem hspa", "hspa"),
    },
    "módem, router, ONT, decodificador, teléfono, módem HSPA",
)
CONDITION = choice_of(
    ReturnCondition,
    {
        ReturnCondition.COMPLETE: ("completo", "devuelto completo", "devuelto"),
        ReturnCondition.INCOMPLETE: ("incompleto", "devuelto incompleto", "faltan partes"),
        ReturnCondition.DAMAGED: ("danado", "devuelto danado", "averiado"),
        ReturnCondition.MISSING: ("no devuelto", "perdido", "extraviado"),
    },
    "completo, incompleto, dañado, no devuelto",
)


def _f(name):
    return Equipment._meta.get_field(name).verbose_name


def _parts_list(value) -> list[str]:
    """ "Fuente de poder, cable HDMI" -> the names as written, one each."""
    cell = text(1000)(value)
    return [part.strip() for part in re.split(r"[,;/\n]+", cell) if part.strip()]


class EquipmentSpec(Spec):
    entity = Entity.EQUIPMENT
    model = Equipment
    key = ("serial",)
    fields = (
        Field("serial", _f("serial"), text(64), True, REQUIRED),
        Field(
            "service_number",
            Product._meta.get_field("service_number").verbose_name,
            text(32),
            True,
            REQUIRED,
        ),
        Field("kind", _f("kind"), KIND, True, REQUIRED),
        Field("returned_on", _f("returned_on"), a_date, empty_value=None),
        Field("return_condition", _f("return_condition"), CONDITION),
        Field("missing_parts", gettext_lazy("missing parts"), _parts_list, empty_value=[]),
        Field("return_note", _f("return_note"), text(250)),
    )

    def start(self, phase: Phase) -> None:
        parts = list(EquipmentPart.objects.all())
        # "Fuente de poder (adaptador)" is also "fuente de poder".
        by_name = {fold(p.name.split("(")[0]): p for p in parts}
        by_name |= {fold(p.name): p for p in parts} | {fold(p.code): p for p in parts}
        phase.memo["parts"] = by_name
        phase.memo["allowed"] = {
            kind: {p.code for p in kind_parts}
            for kind, kind_parts in equipment_parts_by_kind(EquipmentKind.values).items()
        }

    def process(self, rows: list[Row], phase: Phase) -> None:
        live = [row for row in rows if not row.refused]
        products = dict(
            Product.objects.filter(
                among("service_number", {r.values["service_number"] for r in live})
            ).values_list("service_number", "id")
        )
        stored = {
            e.serial: e
            for e in phase.lock(
                Equipment.objects.filter(among("serial", {r.values["serial"] for r in live}))
            )
        }
        missing_now: dict[int, set[int]] = {}
        for equipment_id, part_id in EquipmentMissingPart.objects.filter(
            among("equipment_id", [e.pk for e in stored.values()])
        ).values_list("equipment_id", "part_id"):
            missing_now.setdefault(equipment_id, set()).add(part_id)
        parts_by_id = {p.pk: p for p in phase.memo["parts"].values()}
        creates, updates, part_changes = [], [], []
        for row in live:
            values = row.values
            product_id = products.get(values["service_number"])
            if product_id is None:
                phase.problem(row, "service_number", _("no product has this service number."))
            equipment = stored.get(values["serial"])
            kind = values["kind"]
            condition = values.get(
                "return_condition", equipment.return_condition if equipment else ""
            )
            returned_on = values.get("returned_on", equipment.returned_on if equipment else None)
            note = values.get("return_note", equipment.return_note if equipment else "")
            before = missing_now.get(equipment.pk, set()) if equipment else set()
            parts = self._parts(row, phase, condition, before)
            if row.refused:
                continue
            self._check(row, phase, equipment, kind, condition, returned_on, parts, note)
            if row.refused:
                continue
            target = {
                "product_id": product_id,
                "kind": kind,
                "return_condition": condition,
                "returned_on": returned_on,
                "return_note": note,
                "missing_part_count": len(parts),
            }
            after = {p.pk for p in parts}
            if equipment is None:
                equipment = Equipment(serial=values["serial"], **target)
                creates.append(equipment)
                if after:
                    part_changes.append((equipment, set(), after))
                row.done(RowOutcome.CREATED)
                continue
            changes = diff(equipment, target)
            if after != before:
                names = sorted(parts_by_id[pk].name for pk in after)
                old = sorted(parts_by_id[pk].name for pk in before if pk in parts_by_id)
                changes["missing_parts"] = (", ".join(old), ", ".join(names))
                part_changes.append((equipment, before, after))
            if not changes:
                row.done(RowOutcome.UNCHANGED)
                continue
            apply_changes(equipment, {k: v for k, v in changes.items() if k != "missing_parts"})
            updates.append((equipment, changes))
            shown = [
                n for n in changes if n != "missing_part_count" or "missing_parts" not in changes
            ]
            row.done(RowOutcome.UPDATED, changed_text(Equipment, shown))
        if phase.apply:
            self._write(phase, creates, updates, part_changes, parts_by_id)

    def _parts(self, row, phase, condition, before: set[int]) -> list:
        """The parts missing: the column's, or — without the column — those
        stored while it stays incomplete."""
        if "missing_parts" not in row.values:
            if condition != ReturnCondition.INCOMPLETE:
                return []
            by_id = {p.pk: p for p in phase.memo["parts"].values()}
            return [by_id[pk] for pk in sorted(before) if pk in by_id]
        found, unknown = {}, []
        for name in row.values["missing_parts"]:
            part = phase.memo["parts"].get(fold(name))
            if part is None:
                unknown.append(name)
            else:
                found[part.pk] = part
        if unknown:
            phase.problem(
                row,
                "missing_parts",
                _("not in the equipment catalogue: %(parts)s.") % {"parts": ", ".join(unknown)},
            )
        return list(found.values())

    def _check(self, row, phase, equipment, kind, condition, returned_on, parts, note) -> None:
        device = f"{EquipmentKind(kind).label} {row.values['serial']}"
        if condition:
            problems = return_errors(
                device=device,
                condition=condition,
                missing_parts=[p.code for p in parts],
                allowed_parts=phase.memo["allowed"].get(kind, set()),
                note=note,
            )
            columns = {
                "condition": "return_condition",
                "missing_parts": "missing_parts"
                if "missing_parts" in phase.columns
                else "return_condition",
                "note": "return_note" if "return_note" in phase.columns else "return_condition",
            }
            for name, problem in problems.items():
                phase.problem(row, columns.get(name, "return_condition"), problem)
        elif parts:
            phase.problem(
                row,
                "missing_parts",
                _("Missing parts are ticked only for a device returned incomplete."),
            )
        date_column = "returned_on" if "returned_on" in phase.columns else "return_condition"
        if condition in RETURNED_CONDITIONS and returned_on is None:
            phase.problem(row, date_column, _("a device that came back needs its return date."))
        if condition == ReturnCondition.MISSING and returned_on is not None:
            phase.problem(row, date_column, _("a device not returned has no return date."))
        if equipment is not None:
            if equipment.billed_on is not None and condition not in BILLABLE_CONDITIONS:
                phase.problem(
                    row,
                    "return_condition",
                    _("the device was already billed to the customer as %(condition)s.")
                    % {"condition": equipment.get_return_condition_display()},
                )
            if equipment.warehouse_on is not None and returned_on is None:
                phase.problem(
                    row, date_column, _("the device is already at the warehouse: it came back.")
                )

    def _write(self, phase, creates, updates, part_changes, parts_by_id) -> None:
        from django.db.models import Q

        from posventa.imports.entities.base import write

        write(phase, Equipment, [], updates)
        if creates:
            insert_many(Equipment, creates)
        new_parts = {id(e): after for e, before, after in part_changes if not before}
        for equipment in creates:
            names = sorted(parts_by_id[pk].name for pk in new_parts.get(id(equipment), ()))
            extra = {"missing_parts": (None, ", ".join(names))} if names else None
            phase.audit.created(equipment, extra)
        removed = Q()
        added = []
        for equipment, before, after in part_changes:
            if before - after:
                removed |= Q(equipment_id=equipment.pk, part_id__in=sorted(before - after))
            added.extend(
                EquipmentMissingPart(equipment_id=equipment.pk, part_id=pk)
                for pk in sorted(after - before)
            )
        if removed:
            EquipmentMissingPart.objects.filter(removed).delete()
        if added:
            insert_many(EquipmentMissingPart, added)
