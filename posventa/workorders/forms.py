"""The technical manager's forms on a work order: give it to a field unit,
close it with its result."""

from django import forms
from django.utils.translation import gettext_lazy as _

from posventa.common.forms import BoundedForm
from posventa.workorders.models import FieldUnit, Technician, WorkOrderKind, WorkOrderState
from posventa.workorders.rules import closing_states


class TechnicianField(forms.ModelChoiceField):
    """A select of the active technicians (kept in the admin). The value sent
    and the value cleaned are the technician's name — what a work order
    stores — so an inactive or unknown name is refused like any choice not
    offered."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Technician"))
        kwargs.setdefault(
            "error_messages",
            {"invalid_choice": _("Choose an active technician from the list.")},
        )
        super().__init__(
            queryset=Technician.objects.active(),
            to_field_name="name",
            empty_label=_("Choose a technician"),
            **kwargs,
        )

    def label_from_instance(self, obj: Technician) -> str:
        return f"{obj.name} · {obj.zone}" if obj.zone else obj.name

    def clean(self, value) -> str:
        technician = super().clean(value)
        return technician.name if technician is not None else ""


class WorkOrderFilterForm(BoundedForm):
    """The list's state filter, read from the query string: an unknown state
    filters nothing instead of failing."""

    state = forms.ChoiceField(
        label=_("State"),
        choices=[
            ("", _("Open (registered or assigned)")),
            ("all", _("All states")),
            *WorkOrderState.choices,
        ],
        required=False,
    )

    def selected_state(self) -> str:
        return self.cleaned_data.get("state", "") if self.is_valid() else ""


class AssignForm(BoundedForm):
    unit = forms.ChoiceField(label=_("Field unit"), choices=FieldUnit.choices)
    technician = TechnicianField()
    scheduled_at = forms.DateTimeField(
        label=_("Visit scheduled for"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )

    def __init__(self, *args, work_order, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            if work_order.unit:
                self.initial.update(
                    unit=work_order.unit,
                    technician=work_order.technician,
                    scheduled_at=work_order.scheduled_at,
                )
            elif work_order.kind in (WorkOrderKind.INSTALLATION, WorkOrderKind.RELOCATION):
                # Installations are requested from Resources management (procedure C, step 8).
                self.initial["unit"] = FieldUnit.RESOURCES


class CloseForm(BoundedForm):
    state = forms.ChoiceField(label=_("How did it end?"), widget=forms.RadioSelect, choices=())
    result = forms.CharField(
        label=_("Result of the visit"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, work_order, **kwargs):
        super().__init__(*args, **kwargs)
        allowed = closing_states(kind=work_order.kind, state=work_order.state)
        self.fields["state"].choices = [
            (value, label) for value, label in WorkOrderState.choices if value in allowed
        ]
