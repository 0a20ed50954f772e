"""Documents rendered after the step commits (cases.document_rendering): the
order request arrives once the worker renders it; a rolled-back step renders
nothing; a failing render is retried, then shown failed on the case with an
alert for the team lead, never lost; the sweeper picks up a render whose
worker died; the job run twice renders once; the team tries a failed one
again."""

from datetime import timedelta

import pytest
import time_machine
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django_q.models import Task

from posventa.accounts.roles import Role
from posventa.cases import document_rendering
from posventa.cases.document_rendering import (
    BACKOFF,
    MAX_ATTEMPTS,
    RENDER_LEASE,
    document_render_later,
    documents_sweep,
)
from posventa.cases.jobs import render_document
from posventa.cases.models import Alert, Case, CaseDocument, DocumentKind, DocumentStatus
from posventa.cases.selectors import case_timeline
from posventa.cases.tests.documents import render_pending
from posventa.factories import CompanyFactory, UserFactory
from posventa.procedures.actions.documents import order_request
from posventa.procedures.tests.pdf import pdf_text
from posventa.procedures.tests.steps import complete, pending

ALL_DOCUMENTS = {"has_request_letter": "on", "has_nit_copy": "on", "has_id_copy": "on"}


@pytest.fixture
def renders(monkeypatch, media):
    """A test renderer "probe" whose outcome each test sets: it counts its
    calls and fails while `failures` says so."""
    state = {"calls": 0, "failures": 0}

    def probe(params: dict) -> tuple[str, bytes]:
        state["calls"] += 1
        if state["failures"]:
            state["failures"] -= 1
            raise RuntimeError("WeasyPrint ran out of memory")
        return f"probe-{params['n']}.pdf", b"%PDF-1.7 probe"

    monkeypatch.setitem(document_rendering.RENDERERS, "probe", probe)
    return state


def make_case(company=None) -> Case:
    return Case.objects.create(
        number=f"PV-2026-{Case.objects.count() + 900001:06d}",
        company=company or CompanyFactory(),
        procedure="B",
        channel="email",
        received_at=timezone.now(),
        subject="Cambio de plan",
    )


def probe_document(case, *, n: int = 1) -> CaseDocument:
    return document_render_later(
        case=case,
        kind=DocumentKind.ORDER_REQUEST,
        title=f"Solicitud de pedido {case.number}",
        renderer="probe",
        params={"n": n},
    )


def at_enter_plan_change(case, team, internet_plans):
    complete(case, team[Role.EXECUTIVE], {"new_plan": internet_plans[2].pk, **ALL_DOCUMENTS})
    assert pending(case).bpmn_id == "enter_plan_change"


def test_the_order_request_rendered_after_the_step_commits_arrives_on_the_case(
    procedures, team, plan_change_case, internet_plans, django_capture_on_commit_callbacks
):
    case = plan_change_case
    at_enter_plan_change(case, team, internet_plans)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        complete(case, team[Role.COMMERCIAL_MANAGER], {"new_plan": internet_plans[2].pk})
    # The step is done; its order request waits for the worker, with no file.
    order = case.documents.get(kind=DocumentKind.ORDER_REQUEST)
    assert (order.status, order.file.name, order.generated) == ("generating", "", True)
    assert pending(case).bpmn_id == "quality_call"

    for callback in callbacks:  # the commit: the job is enqueued, the worker runs it
        callback()
    order.refresh_from_db()
    assert order.status == DocumentStatus.READY and order.attempts == 1
    assert order.rendered_at is not None
    text = pdf_text(order)
    for shown in (case.number, case.company.legal_name, "Internet 50 Mbps"):
        assert shown in text, shown


def test_a_rolled_back_step_renders_nothing(
    procedures, plan_change_case, django_capture_on_commit_callbacks
):
    case = plan_change_case
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        order_request(case.instance, change="Cambio de plan", fee=0)
        raise RuntimeError("the step failed after printing")
    assert callbacks == []
    assert not case.documents.exists()
    assert not Task.objects.filter(func="posventa.cases.jobs.render_document").exists()


def test_the_commercial_manager_who_entered_the_change_signs_the_order_request(
    procedures, team, plan_change_case, internet_plans
):
    case = plan_change_case
    at_enter_plan_change(case, team, internet_plans)  # the executive's step comes first
    manager = team[Role.COMMERCIAL_MANAGER]
    manager.first_name, manager.last_name = "Rosa", "Quispe"
    manager.save(update_fields=["first_name", "last_name"])
    complete(case, manager, {"new_plan": internet_plans[2].pk})
    order = case.documents.get(kind=DocumentKind.ORDER_REQUEST)
    assert order.params["signer_id"] == manager.pk
    render_pending(case)
    order.refresh_from_db()
    assert "Rosa Quispe" in pdf_text(order)


def test_a_late_render_prints_what_the_click_saw(procedures, plan_change_case):
    case = plan_change_case
    result = order_request(case.instance, change="Cambio a Internet 50 Mbps", fee="150.5")
    document = CaseDocument.objects.get(pk=result["document_id"])
    printed_at = document.params["printed_at"]
    case.company.legal_name = "Otra Razón Social S.A."
    case.company.save(update_fields=["legal_name"])
    with time_machine.travel(timezone.now() + timedelta(hours=3)):
        assert render_document(document.pk) == "ready"
    document.refresh_from_db()
    text = pdf_text(document)
    assert "Otra Razón Social" not in text and "Bs 150,50" in text
    shown = timezone.localtime(timezone.datetime.fromisoformat(printed_at))
    assert shown.strftime("%d/%m/%Y %H:%M") in text


def test_render_parameters_must_be_plain_values(db, renders):
    from decimal import Decimal

    case = make_case()
    with pytest.raises(ValueError):
        document_render_later(
            case=case, kind="other", title="x", renderer="probe", params={"n": Decimal("1")}
        )
    with pytest.raises(ValueError):
        document_render_later(case=case, kind="other", title="x", renderer="nowhere", params={})
    assert not case.documents.exists()


def test_a_ready_document_without_its_file_is_refused_by_the_database(db):
    case = make_case()
    with pytest.raises(IntegrityError), transaction.atomic():
        CaseDocument.objects.create(case=case, kind="other", title="x", status="ready")


def test_the_job_run_twice_renders_once(db, renders):
    document = probe_document(make_case())
    assert render_document(document.pk) == "ready"
    assert render_document(document.pk) == "skipped"  # a re-run after a crash
    document.refresh_from_db()
    assert renders["calls"] == 1 and document.attempts == 1
    assert "probe-1" in document.file.name


def test_a_failing_render_is_retried_then_shown_failed_with_an_alert_never_lost(
    client, db, renders, django_capture_on_commit_callbacks
):
    lead = UserFactory(role=Role.TEAM_LEAD)
    case = make_case()
    renders["failures"] = MAX_ATTEMPTS
    document = probe_document(case)
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        assert render_document(document.pk) == "retrying"
        document.refresh_from_db()
        assert (document.status, document.attempts) == ("generating", 1)
        assert "out of memory" in document.last_error
        # Too early: the pause is not over, the sweeper leaves it and a stray run skips.
        assert documents_sweep() == {"enqueued": 0}
        assert render_document(document.pk) == "skipped"
        for pause in BACKOFF:
            clock.shift(pause + timedelta(seconds=1))
            with django_capture_on_commit_callbacks(execute=True):
                assert documents_sweep() == {"enqueued": 1}  # the worker runs it (sync)
        document.refresh_from_db()
    assert renders["calls"] == MAX_ATTEMPTS
    assert (document.status, document.attempts, document.file.name) == ("failed", MAX_ATTEMPTS, "")
    alert = Alert.objects.get(case=case, role=Role.TEAM_LEAD)
    assert case.number in alert.message and document.title in alert.message
    assert documents_sweep() == {"enqueued": 0}  # failed: shown, no longer retried alone

    client.force_login(lead)
    page = client.get(reverse("cases:detail", args=[case.number]), HTTP_ACCEPT_LANGUAGE="es")
    html = page.content.decode()
    assert "No se pudo generar" in html
    assert reverse("cases:document_retry", args=[case.number, document.pk]) in html
    assert 'hx-trigger="every' not in html  # nothing is generating: no refresh
    download = client.get(reverse("cases:document", args=[case.number, document.pk]))
    assert download.status_code == 409
    assert "no se pudo generar" in download.content.decode()

    # The team lead tries it again; this time it renders.
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(
            reverse("cases:document_retry", args=[case.number, document.pk]), follow=True
        )
    assert "se está generando de nuevo" in answer.content.decode()
    document.refresh_from_db()
    assert (document.status, document.attempts) == ("ready", 1)


def test_the_sweeper_enqueues_again_a_document_whose_worker_died(
    db, renders, django_capture_on_commit_callbacks
):
    document = probe_document(make_case())
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        # A worker takes it and is killed mid-render: an attempt with no outcome.
        assert document_rendering._claim(document.pk) is not None
        assert documents_sweep() == {"enqueued": 0}  # the attempt may still be running
        clock.shift(RENDER_LEASE + timedelta(seconds=1))
        with django_capture_on_commit_callbacks(execute=True):
            assert documents_sweep() == {"enqueued": 1}
    document.refresh_from_db()
    assert (document.status, document.attempts) == ("ready", 2)


def test_a_document_whose_workers_keep_dying_ends_failed_with_an_alert(db, renders):
    case = make_case()
    document = probe_document(case)
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        for _ in range(MAX_ATTEMPTS):
            assert document_rendering._claim(document.pk) is not None
            clock.shift(RENDER_LEASE + timedelta(seconds=1))
        assert render_document(document.pk) == "skipped"
    document.refresh_from_db()
    assert document.status == DocumentStatus.FAILED and renders["calls"] == 0
    assert Alert.objects.filter(case=case, role=Role.TEAM_LEAD).count() == 1


def test_the_sweeper_is_a_periodic_job():
    from posventa.common.schedules import SCHEDULES

    assert "posventa.cases.jobs.sweep_documents" in {job.func for job in SCHEDULES}


@pytest.fixture
def failed_document(db, renders):
    executive = UserFactory(role=Role.EXECUTIVE)
    case = make_case(company=CompanyFactory(executive=executive))
    document = probe_document(case)
    CaseDocument.objects.filter(pk=document.pk).update(
        status=DocumentStatus.FAILED, attempts=MAX_ATTEMPTS, next_attempt_at=None
    )
    return case, document, executive


@pytest.mark.parametrize("role", [Role.COMMERCIAL_MANAGER, Role.DIVISION_HEAD])
def test_only_the_customers_executive_and_the_team_lead_try_a_document_again(
    client, failed_document, role
):
    case, document, _executive = failed_document
    client.force_login(UserFactory(role=role))
    url = reverse("cases:document_retry", args=[case.number, document.pk])
    assert client.post(url).status_code == 403
    assert client.get(url).status_code == 405
    document.refresh_from_db()
    assert document.status == DocumentStatus.FAILED


def test_another_executive_cannot_reach_the_document(client, failed_document):
    case, document, _executive = failed_document
    client.force_login(UserFactory(role=Role.EXECUTIVE))
    url = reverse("cases:document_retry", args=[case.number, document.pk])
    assert client.post(url).status_code == 404
    document.refresh_from_db()
    assert document.status == DocumentStatus.FAILED


def test_the_customers_executive_tries_a_failed_document_again(
    client, failed_document, django_capture_on_commit_callbacks
):
    case, document, executive = failed_document
    client.force_login(executive)
    url = reverse("cases:document_retry", args=[case.number, document.pk])
    with django_capture_on_commit_callbacks(execute=True):
        block = client.post(url, HTTP_HX_REQUEST="true", HTTP_ACCEPT_LANGUAGE="es")
    # The block comes back before the commit: generating, refreshing itself.
    assert block.status_code == 200
    assert "Generando…" in block.content.decode() and "hx-trigger" in block.content.decode()
    document.refresh_from_db()
    assert document.status == DocumentStatus.READY  # the worker ran after the commit
    # A second try of a ready document changes nothing, and says why.
    again = client.post(url, follow=True, HTTP_ACCEPT_LANGUAGE="es")
    assert "Solo se vuelve a intentar un documento que no se pudo generar" in (
        again.content.decode()
    )


def test_the_documents_block_refreshes_itself_while_one_is_generating(client, db, renders):
    executive = UserFactory(role=Role.EXECUTIVE)
    case = make_case(company=CompanyFactory(executive=executive))
    document = probe_document(case)
    client.force_login(executive)
    page = client.get(reverse("cases:detail", args=[case.number]), HTTP_ACCEPT_LANGUAGE="es")
    html = page.content.decode()
    assert "Generando…" in html and 'hx-trigger="every 3s"' in html
    assert reverse("cases:documents", args=[case.number]) in html
    download = client.get(
        reverse("cases:document", args=[case.number, document.pk]), HTTP_ACCEPT_LANGUAGE="es"
    )
    assert download.status_code == 409 and "se está generando" in download.content.decode()

    render_document(document.pk)
    block = client.get(reverse("cases:documents", args=[case.number]))
    assert "hx-trigger" not in block.content.decode()  # ready: the refresh stops
    assert reverse("cases:document", args=[case.number, document.pk]) in block.content.decode()


def test_the_timeline_links_a_generated_document_only_once_it_is_ready(db, renders):
    case = make_case()
    document = probe_document(case)
    [entry] = [e for e in case_timeline(case) if e.kind == "document"]
    assert (entry.url, entry.detail) == ("", "Generando")  # its status, in Spanish

    render_document(document.pk)
    [entry] = [e for e in case_timeline(case) if e.kind == "document"]
    assert entry.url == reverse("cases:document", args=[case.number, document.pk])
    assert entry.detail == ""


def test_with_the_orm_broker_the_job_row_commits_or_rolls_back_with_the_step(
    db, renders, monkeypatch
):
    """Production's queue (django-q2's ORM broker, not run at once): the
    job's row is written in the step's transaction, so a rolled-back step
    leaves no job, and a committed one leaves exactly one for its document."""
    from django_q.conf import Conf
    from django_q.models import OrmQ
    from django_q.signing import SignedPackage

    monkeypatch.setattr(Conf, "SYNC", False)
    case = make_case()
    with pytest.raises(RuntimeError), transaction.atomic():
        probe_document(case)
        raise RuntimeError("the step failed after printing")
    assert not OrmQ.objects.exists() and not case.documents.exists()

    document = probe_document(case)
    [row] = OrmQ.objects.all()
    task = SignedPackage.loads(row.payload)
    assert (task["func"], task["args"]) == ("posventa.cases.jobs.render_document", (document.pk,))
    assert renders["calls"] == 0  # the worker renders it, not the step
