"""Procedure L, technical support visits: the forms of the remote diagnosis,
the scheduling in the shared calendar, the engineering service, the
quality-control call (the case's quality verdict) and the team lead's
decision when the customer is not yet satisfied ("hasta la conformidad")."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from posventa.accounts.roles import Role
from posventa.cases.process_hooks import case_changed
from posventa.engine.models import TaskEvent
from posventa.engine.registry import registry
from posventa.integrations import helpdesk
from posventa.procedures.forms.common import CaseTaskForm, InteractionFields
from posventa.visits.models import QualityResult, Visit
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
    """Step 5: the analyst, in coordination with the team lead and the
    technical manager, puts the visit in the shared calendar; an analyst who
    already has a visit then is refused. Proposed: the analyst who diagnosed
    the request, or — for another visit — the last visit's analyst, person
    and location."""

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
            variables = self.variables
            self.initial["location"] = variables.get("location") or (
                product.installation_address if product else case.company.address
            )
            if variables.get("person"):
                self.initial["person"] = variables["person"]
            self.initial["analyst"] = self._proposed_analyst(variables)

    def _proposed_analyst(self, variables: dict) -> int | None:
        """Another visit: the last visit's analyst; the first: the analyst
        who diagnosed the request (when she is still an active analyst)."""
        proposed = variables.get("analyst")
        if not proposed:
            proposed = (
                TaskEvent.objects.filter(
                    instance_id=self.task.instance_id,
                    bpmn_id="diagnose",
                    ended_at__isnull=False,
                    cancelled=False,
                )
                .order_by("-ended_at")
                .values_list("actor_id", flat=True)
                .first()
            )
        return proposed if analysts().filter(pk=proposed).exists() else None

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
    """Step 8: from the calendar, the analyst's quality-control call to the
    visited customer. Its result is the case's quality verdict, as every
    procedure's quality call: "not satisfied" leaves the case not conform
    (not attended effectively) until a later visit satisfies the customer."""

    calls_customer = True

    quality_result = forms.ChoiceField(
        label=_("How did the customer rate the visit?"),
        choices=QualityResult.choices,
        widget=forms.RadioSelect,
    )
    field_order = ["quality_result", "interaction_channel", "interaction_summary"]

    def apply_to_case(self, *, case, user) -> None:
        case.quality_conform = self.cleaned_data["quality_result"] == QualityResult.SATISFIED
        case.quality_note = self.cleaned_data["interaction_summary"][:500]
        case_changed(case, "quality_conform", "quality_note")


# The team lead's two answers to a visit that left the customer unsatisfied.
NEW_VISIT, CLOSE = "new_visit", "close"


@registry.register_form("l/unresolved_visit")
class UnresolvedVisit(CaseTaskForm):
    """Steps 6 and 8, "hasta la conformidad": the visit did not solve the
    problem (its order closed attended without solution) or the customer was
    not satisfied at the quality call. The team lead decides: another visit,
    which goes back to the analyst's step 5, or closing the case without the
    customer's conformity, with the reason — the case's quality verdict is
    then "not conform" and the reason its note, so it does not count as
    attended effectively."""

    decision = forms.ChoiceField(
        label=_("What now?"),
        choices=[
            (NEW_VISIT, _("Another visit: the analyst schedules it")),
            (CLOSE, _("Close the case without the customer's conformity")),
        ],
        widget=forms.RadioSelect,
    )
    close_reason = forms.CharField(
        label=_("Why it is closed without the customer's conformity"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=500,
        required=False,
    )
    # What clean() asks for when the case closes (engine/form_schema.py).
    required_when = {"close_reason": {"decision": [CLOSE]}}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        visit = self.last_visit
        if visit is not None:
            self.fields["decision"].help_text = _(
                "Visit of %(when)s by %(analyst)s, work order %(order)s (%(state)s): "
                "%(work_done)s. Quality-control call: %(quality)s."
            ) % {
                "when": timezone.localtime(visit.starts_at).strftime("%d/%m/%Y %H:%M"),
                "analyst": visit.analyst.get_full_name() or visit.analyst.username,
                "order": visit.work_order.number,
                "state": visit.work_order.get_state_display(),
                "work_done": getattr(getattr(visit, "engineering_service", None), "work_done", "")
                or "—",
                "quality": visit.get_quality_result_display() or _("not made"),
            }

    @property
    def last_visit(self) -> Visit | None:
        visit_id = (self.variables.get("visit") or {}).get("visit_id") if self.case else None
        if not visit_id:
            return None
        return (
            Visit.objects.select_related("analyst", "work_order", "engineering_service")
            .filter(pk=visit_id, case=self.case)
            .first()
        )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") == CLOSE and not (cleaned.get("close_reason") or "").strip():
            self.add_error(
                "close_reason",
                _("Say why the case is closed without the customer's conformity."),
            )
        return cleaned

    def task_data(self) -> dict:
        data = super().task_data()
        data["close_reason"] = data["close_reason"].strip() if data["decision"] == CLOSE else ""
        return data

    def apply_to_case(self, *, case, user) -> None:
        if self.cleaned_data["decision"] != CLOSE:
            return
        case.quality_conform = False
        case.quality_note = self.cleaned_data["close_reason"].strip()[:500]
        case_changed(case, "quality_conform", "quality_note")
