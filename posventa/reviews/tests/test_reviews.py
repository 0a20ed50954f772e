"""The review list's pages and the analysts' daily report: its figures, its
e-mail to the division head, the team lead and the technical manager, its
schedule at 18:00 in La Paz, and its page."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from django_q.models import Schedule

from posventa.accounts.roles import Role
from posventa.cases.models import Case
from posventa.engine import runtime
from posventa.engine import services as engine
from posventa.factories import ProductFactory, UserFactory
from posventa.integrations.models import Coverage, DiagnosisRecord
from posventa.outbox.models import OutgoingEmail
from posventa.procedures.tests.fixtures import deploy_only
from posventa.reviews import jobs
from posventa.reviews.models import DailyReport, ItemKind, ReviewItem
from posventa.reviews.selectors import analyst_day
from posventa.reviews.services import daily_report_send, review_start, worklist_refresh
from posventa.workorders.models import WorkOrderKind
from posventa.workorders.services import workorder_create

LA_PAZ = ZoneInfo("America/La_Paz")
WEDNESDAY = date(2026, 11, 25)


@pytest.fixture
def procedures(db, media):
    """Only the models K needs (K and E, which it calls), deployed as
    `make run` deploys them: faster, and independent of the other models."""
    yield deploy_only("k_preventive_review.bpmn", "e_damage.bpmn")
    runtime.specs.clear()


@pytest.fixture(autouse=True)
def working_day():
    with time_machine.travel(datetime(2026, 11, 25, 10, 0, tzinfo=LA_PAZ), tick=True):
        yield


@pytest.fixture
def copper(team, internet_plans):
    Coverage.objects.create(
        zone="Zona Norte", neighbourhood="Queru Queru", technology="fiber", spare_ports=4
    )
    return ProductFactory(
        company__executive=team[Role.EXECUTIVE],
        plan=internet_plans[0],
        technology="copper",
        zone="Zona Norte",
        neighbourhood="Queru Queru",
    )


def a_day_of_work(team, product):
    """The analyst opens a review, diagnoses and registers a damage."""
    analyst = team[Role.TECHNICAL_ANALYST]
    worklist_refresh()
    case = review_start(item=ReviewItem.objects.get(kind=ItemKind.MIGRATION), user=analyst)
    [task] = case.instance.human_tasks.all()
    engine.task_complete(task_id=task.task_id, user=analyst, data={"finding": "service"})
    DiagnosisRecord.objects.create(
        product=product,
        contracted_mbps=10,
        measured_mbps=3,
        findings="Lento",
        analyst=analyst,
        solved_remotely=False,
    )
    workorder_create(
        kind=WorkOrderKind.DAMAGE,
        company=product.company,
        product=product,
        damaged_service="internet",
        cause="slow",
        description="Lento",
        user=analyst,
    )
    return case


def test_the_analysts_day_counts_cases_diagnoses_and_damages(procedures, team, copper):
    case = a_day_of_work(team, copper)
    work = analyst_day(analyst=team[Role.TECHNICAL_ANALYST], day=WEDNESDAY)
    assert [c.number for c in work.cases] == [case.number]
    assert (len(work.diagnoses), len(work.damages), len(work.visits)) == (1, 1, 0)
    other = analyst_day(analyst=team[Role.TECHNICAL_ANALYST], day=WEDNESDAY - timedelta(days=1))
    assert (other.cases, other.diagnoses, other.damages) == ([], [], [])


def test_the_daily_report_goes_by_email_once_at_the_end_of_the_day(
    procedures, team, copper, django_capture_on_commit_callbacks
):
    case = a_day_of_work(team, copper)
    with django_capture_on_commit_callbacks(execute=True):
        assert jobs.send_daily_reports() == 1
    report = DailyReport.objects.get(analyst=team[Role.TECHNICAL_ANALYST], day=WEDNESDAY)
    assert (report.cases_worked, report.diagnoses, report.damages, report.visits) == (1, 1, 1, 0)
    email = report.email
    assert sorted(email.to) == sorted(
        [team[r].email for r in (Role.DIVISION_HEAD, Role.TEAM_LEAD, Role.TECHNICAL_MANAGER)]
    )
    assert email.cc == [team[Role.TECHNICAL_ANALYST].email]
    assert case.number in email.body and "25/11/2026" in email.subject
    assert len(mail.outbox) == 1 and case.number in mail.outbox[0].body
    # Run again the same day: nothing goes twice.
    with django_capture_on_commit_callbacks(execute=True):
        assert jobs.send_daily_reports() == 0
    assert OutgoingEmail.objects.count() == 1 and len(mail.outbox) == 1


def test_no_daily_report_on_the_weekend(db, team):
    with time_machine.travel(datetime(2026, 11, 28, 18, 0, tzinfo=LA_PAZ), tick=False):
        assert jobs.send_daily_reports() == 0
    assert not DailyReport.objects.exists()


def test_an_analyst_without_work_still_reports_an_empty_day(db, team):
    report = daily_report_send(analyst=team[Role.TECHNICAL_ANALYST], day=WEDNESDAY)
    assert report.cases_worked == 0 and report.email is not None


def test_the_schedules_run_at_18_and_in_the_morning_in_la_paz(db):
    daily = Schedule.objects.get(func="posventa.reviews.jobs.send_daily_reports")
    assert daily.schedule_type == "D" and daily.repeats == -1
    assert timezone.localtime(daily.next_run, LA_PAZ).hour == 18
    assert Schedule.objects.filter(func="posventa.reviews.jobs.refresh_worklist").exists()


def test_the_worklist_page_lists_and_starts_reviews(client, procedures, team, copper):
    worklist_refresh()
    client.force_login(team[Role.TECHNICAL_ANALYST])
    page = client.get(reverse("reviews:worklist")).content.decode()
    assert copper.service_number in page and 'data-kind="migration"' in page
    item = ReviewItem.objects.get(kind=ItemKind.MIGRATION)
    response = client.post(reverse("reviews:start", args=[item.pk]))
    case = Case.objects.get(procedure="K")
    assert response.url == reverse("cases:detail", args=[case.number])
    page = client.get(response.url).content.decode()
    assert "k_preventive_review" in page or case.number in page
    [task] = case.instance.human_tasks.all()
    assert client.get(reverse("cases:task", args=[task.task_id])).status_code == 200
    # Twice: a clear message, no second case.
    response = client.post(reverse("reviews:start", args=[item.pk]), follow=True)
    assert response.status_code == 200 and Case.objects.filter(procedure="K").count() == 1
    # Filter by kind.
    page = client.get(reverse("reviews:worklist"), {"kind": "migration"}).content.decode()
    assert 'data-kind="opportunity"' not in page


def test_a_long_list_comes_in_pages(client, team, copper):
    from posventa.reviews.views import PAGE_SIZE

    for n in range(PAGE_SIZE + 5):
        ReviewItem.objects.create(
            kind=ItemKind.SERVICE,
            company=copper.company,
            product=ProductFactory(company=copper.company, plan=copper.plan),
            detail=f"Revisión {n}",
            found_on=date(2026, 11, 2),
        )
    client.force_login(team[Role.TECHNICAL_ANALYST])
    first = client.get(reverse("reviews:worklist"), {"kind": "service"}).content.decode()
    assert first.count("data-item=") == PAGE_SIZE and "kind=service&amp;page=2" in first
    second = client.get(reverse("reviews:worklist"), {"kind": "service", "page": 2})
    assert second.content.decode().count("data-item=") == 5


def test_an_executive_sees_the_list_but_does_not_start_reviews(client, procedures, team, copper):
    worklist_refresh()
    client.force_login(team[Role.EXECUTIVE])
    page = client.get(reverse("reviews:worklist")).content.decode()
    assert copper.service_number in page
    item = ReviewItem.objects.get(kind=ItemKind.MIGRATION)
    response = client.post(reverse("reviews:start", args=[item.pk]), follow=True)
    assert response.status_code == 200 and not Case.objects.exists()
    assert client.get(reverse("reviews:daily_report")).status_code == 403
    assert client.post(reverse("reviews:refresh")).status_code == 403


def test_the_daily_report_page(client, procedures, team, copper):
    case = a_day_of_work(team, copper)
    client.force_login(team[Role.TEAM_LEAD])
    analyst = team[Role.TECHNICAL_ANALYST]
    page = client.get(
        reverse("reviews:daily_report"), {"analyst": analyst.pk, "day": "2026-11-25"}
    ).content.decode()
    assert case.number in page and "sale a las 18:00" in page  # today, not sent yet
    for day, says in (("2026-11-22", "no se envía"), ("2026-11-24", "No se envió")):
        page = client.get(reverse("reviews:daily_report"), {"analyst": analyst.pk, "day": day})
        assert says in page.content.decode()  # a Sunday; a past day without its e-mail
    # Nonsense and the future are refused without an error page.
    assert client.get(reverse("reviews:daily_report"), {"day": "2099-01-01"}).status_code == 200
    assert client.get(reverse("reviews:daily_report"), {"day": "xx"}).status_code == 200
    # Another analyst sees only her own.
    other = UserFactory(role=Role.TECHNICAL_ANALYST, username="otro_analista")
    client.force_login(other)
    page = client.get(reverse("reviews:daily_report"), {"analyst": analyst.pk}).content.decode()
    assert case.number not in page


def test_the_menu_shows_the_review_to_the_analyst(client, team):
    client.force_login(team[Role.TECHNICAL_ANALYST])
    page = client.get(reverse("cases:inbox")).content.decode()
    assert reverse("reviews:worklist") in page


def test_a_review_whose_process_refuses_to_start_says_why_instead_of_a_server_error(
    client, procedures, team, copper, monkeypatch
):
    """A step stopped by the engine (e.g. an expression over its budget) is a
    message on the worklist, like any other refusal (web/errors.py: REFUSALS)."""
    from posventa.reviews import views

    worklist_refresh()
    item = ReviewItem.objects.get(kind=ItemKind.MIGRATION)

    def refused(**kwargs):
        raise engine.StepFailed("El proceso no pudo comenzar: prueba")

    monkeypatch.setattr(views.services, "review_start", refused)
    client.force_login(team[Role.TECHNICAL_ANALYST])
    response = client.post(reverse("reviews:start", args=[item.pk]), follow=True)
    assert response.status_code == 200
    assert "El proceso no pudo comenzar: prueba" in response.content.decode()
    assert not Case.objects.filter(procedure="K").exists()
