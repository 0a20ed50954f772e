"""The equipment's return, as the steps that receive it ask for it (procedure
H, step 8; procedure C, step 4): per device, how it came back — complete,
incomplete with the parts it lacks (only parts its kind lists in the
equipment catalogue), damaged with a note, or not returned."""

from django import forms
from django.utils.translation import gettext as _

from posventa.catalog.selectors import equipment_parts_by_kind
from posventa.common.money import format_bs
from posventa.inventory.models import Equipment, ReturnCondition
from posventa.inventory.rules import return_errors


class EquipmentReturnFields:
    """Mixed into a task form: `add_return_fields(devices)` in its `__init__`,
    `clean_returns(cleaned)` in its `clean`, `return_data()` in its
    `task_data`. The fields of a device are `condition_<pk>`, `parts_<pk>`
    (when its kind lists parts) and `note_<pk>`."""

    def add_return_fields(self, devices: list[Equipment], *, optional: bool = False) -> None:
        """With `optional`, a device may be left "still with the customer" (a
        relocation's old equipment may be brought later); otherwise each one
        must be given its condition."""
        self.returning = devices
        catalogue = equipment_parts_by_kind({device.kind for device in devices})
        self.parts_of = {}
        for device in devices:
            parts = catalogue[device.kind]
            self.parts_of[device.pk] = {part.code: part for part in parts}
            choices = [
                (value, label)
                for value, label in ReturnCondition.choices
                if value != ReturnCondition.INCOMPLETE or parts
            ]
            if optional:
                choices.insert(0, ("", _("Still with the customer: to be returned later")))
            self.fields[f"condition_{device.pk}"] = forms.ChoiceField(
                label=str(device),
                choices=choices,
                required=not optional,
                initial="" if optional else None,
                widget=forms.RadioSelect,
            )
            if parts:
                self.fields[f"parts_{device.pk}"] = forms.MultipleChoiceField(
                    label=_("Parts missing from %(equipment)s (only if it came back incomplete)")
                    % {"equipment": device},
                    choices=[
                        (part.code, f"{part.name} ({format_bs(part.price)})") for part in parts
                    ],
                    required=False,
                    widget=forms.CheckboxSelectMultiple,
                    # "%%(value)s": Django puts the part it refuses there.
                    error_messages={
                        "invalid_choice": _("Not a part of %(equipment)s: %%(value)s.")
                        % {"equipment": device}
                    },
                )
            self.fields[f"note_{device.pk}"] = forms.CharField(
                label=_("Damage or remarks on %(equipment)s") % {"equipment": device},
                max_length=250,
                required=False,
            )

    @property
    def required_when(self) -> dict:
        """What the return's rules ask for by a device's condition: its missing
        parts when incomplete, a note when damaged (engine/form_schema.py)."""
        conditions = {}
        for device in getattr(self, "returning", []):
            condition = f"condition_{device.pk}"
            if f"parts_{device.pk}" in self.fields:
                conditions[f"parts_{device.pk}"] = {condition: [ReturnCondition.INCOMPLETE.value]}
            conditions[f"note_{device.pk}"] = {condition: [ReturnCondition.DAMAGED.value]}
        return conditions

    def clean_returns(self, cleaned: dict) -> None:
        """The return's rules, each error on the device's field it is about."""
        for device in self.returning:
            names = {
                "condition": f"condition_{device.pk}",
                "missing_parts": f"parts_{device.pk}",
                "note": f"note_{device.pk}",
            }
            if any(name in self.errors for name in names.values()):
                continue  # a choice Django refused already says why
            condition = cleaned.get(names["condition"])
            if not condition:
                continue
            problems = return_errors(
                device=str(device),
                condition=condition,
                missing_parts=cleaned.get(names["missing_parts"]) or [],
                allowed_parts=self.parts_of[device.pk],
                note=cleaned.get(names["note"]) or "",
            )
            for key, message in problems.items():
                name = names[key] if names[key] in self.fields else names["condition"]
                self.add_error(name, message)

    def returned(self) -> list[Equipment]:
        """The devices given a condition (after `is_valid`)."""
        return [d for d in self.returning if self.cleaned_data.get(f"condition_{d.pk}")]

    def return_data(self) -> dict:
        """The return as process variables, by serial (the devices given a condition)."""
        data = self.cleaned_data
        devices = self.returned()
        return {
            "equipment_conditions": {
                device.serial: data[f"condition_{device.pk}"] for device in devices
            },
            "equipment_missing_parts": {
                device.serial: list(data.get(f"parts_{device.pk}") or []) for device in devices
            },
            "equipment_notes": {
                device.serial: " ".join((data.get(f"note_{device.pk}") or "").split())
                for device in devices
            },
        }

    def missing_parts_chosen(self, device: Equipment) -> list:
        """The catalogue parts ticked for the device (after `is_valid`)."""
        codes = self.cleaned_data.get(f"parts_{device.pk}") or []
        return [part for code, part in self.parts_of[device.pk].items() if code in codes]
