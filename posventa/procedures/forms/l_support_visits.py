"""Procedure L, technical support visits: the forms of the remote diagnosis,
the scheduling in the shared calendar, the engineering service and the
quality-control call."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from posventa.accounts.roles import Role
from posventa.engine.registry import registry
from posventa.integrations import helpdesk
from posventa.procedures.forms.common import CaseTaskForm, InteractionFields
from posventa.visits.models import QualityResult
from posventa.visits.selectors import analysts


@registry.register_form("l/diagnose")
class Diagnose(CaseTaskForm, InteractionFields):
    """Steps 1–4: the analyst diagnoses the request remotely; fixed with the
    customer → the interaction is recorded and the case ends; otherwise a
    visit is needed."""

    diagnosis = forms.ChoiceField(
        label=_("Diagnosis"),
        choices=[
            ("remote_fix", _("Fixed remotely with the customer")),
            ("visit", _("A visit is needed")),
        ],
        widget=forms.RadioSelect,
    )
    findings = forms.CharField(
        label=_("Findings"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )
    field_order = ["diagnosis", "findings", "interaction_channel", "interaction_summary"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        product = self.case.product if self.case else None
        if product is not None:
            self.fields["findings"].help_text = _(
                "Help Desk: %(service)s, contracted speed %(speed)s Mbps."
            ) % {
                "service": product.service_number,
                "speed": helpdesk.readings(product=product).contracted_mbps or "—",
            }

    def apply_to_case(self, *, case, user) -> None:
        """The remote diagnosis of the request's product is kept in the Help
        Desk (the built-in DiagnosisRecord, as procedure E keeps it)."""
        if case.product is None:
            return
        helpdesk.record(
            product=case.product,
            work_order=None,
            readings={
                "contracted_mbps": helpdesk.readings(product=case.product).contracted_mbps,
                "findings": self.cleaned_data["findings"],
                "solved_remotely": self.cleaned_data["diagnosis"] == "remote_fix",
            },
            analyst=user,
        )


@registry.register_form("l/schedule_visit")
class ScheduleVisit(CaseTaskForm):
    """Step 5: the team lead (or the technical manager) puts the visit in the
    shared calendar; an analyst who already has a visit then is refused."""

    analyst = forms.ModelChoiceField(label=_("Analyst"), queryset=analysts())
    starts_at = forms.DateTimeField(
        label=_("Starts at"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    ends_at = forms.DateTimeField(
        label=_("Ends at"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    person = forms.CharField(label=_("Person to interview"), max_length=150)
    location = forms.CharField(label=_("Location"), max_length=250, required=False)
    observations = forms.CharField(
        label=_("Observations"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["analyst"].queryset = analysts()
        case = self.case
        if case is not None and not self.is_bound:
            product = case.product
            self.initial["location"] = (
                product.installation_address if product else case.company.address
            )

    def clean(self):
        cleaned = super().clean()
        starts, ends = cleaned.get("starts_at"), cleaned.get("ends_at")
        if starts and ends and ends <= starts:
            raise ValidationError({"ends_at": _("The visit must end after it starts.")})
        analyst = cleaned.get("analyst")
        if analyst is not None and analyst.role != Role.TECHNICAL_ANALYST:
            raise ValidationError({"analyst": _("Choose a technical analyst.")})
        return cleaned

    def task_data(self) -> dict:
        data = super().task_data()
        for name in ("starts_at", "ends_at"):
            data[name] = timezone.localtime(self.cleaned_data[name]).isoformat()
        return data


@registry.register_form("l/engineering_service")
class EngineeringServiceForm(CaseTaskForm):
    """Steps 6–7: the visit was made; the engineering service records the
    work done and closes the work order."""

    work_done = forms.CharField(
        label=_("Work done"), widget=forms.Textarea(attrs={"rows": 4}), max_length=4000
    )
    resolved = forms.TypedChoiceField(
        label=_("Was the problem solved to the customer's conformity?"),
        choices=[("yes", _("Yes")), ("no", _("No"))],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
    )


@registry.register_form("l/quality_call")
class QualityCall(CaseTaskForm, InteractionFields):
    """Step 8: from the calendar, the quality-control call to the visited customer."""

    quality_result = forms.ChoiceField(
        label=_("How did the customer rate the visit?"),
        choices=QualityResult.choices,
        widget=forms.RadioSelect,
    )
    field_order = ["quality_result", "interaction_channel", "interaction_summary"]
