"""The team view (/equipo/) and handing a step to another person of its
role: who may see it, who holds what with its 24 hours, the reassignment's
rules (locked row, same role, active, a step completed meanwhile), its
record on the case's timeline and the e-mail to the new holder."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from posventa.accounts.roles import Role
from posventa.cases import selectors
from posventa.cases.models import TaskReassignment
from posventa.cases.services import task_reassign
from posventa.cases.tests.listing import make_case
from posventa.engine import services as engine
from posventa.engine.models import HumanTask
from posventa.factories import CompanyFactory, UserFactory

TEAM = reverse("cases:team")

pytestmark = pytest.mark.django_db


def reassign_url(task) -> str:
    return reverse("cases:task_reassign", args=[task.task_id])


@pytest.fixture
def people(db):
    def person(username, role, **kwargs):
        return UserFactory(username=username, role=role, first_name=username.title(), **kwargs)

    return {
        "ana": person("ana", Role.EXECUTIVE),
        "beto": person("beto", Role.EXECUTIVE),
        "lead": person("lead", Role.TEAM_LEAD),
        "head": person("head", Role.DIVISION_HEAD),
        "gestor": person("gestor", Role.TECHNICAL_MANAGER),
        "gestora": person("gestora", Role.TECHNICAL_MANAGER),
        "comercial": person("comercial", Role.COMMERCIAL_MANAGER),
        "ida": person("ida", Role.EXECUTIVE, is_active=False),
    }


@pytest.fixture
def work(people):
    now = timezone.now()
    clinic = CompanyFactory(executive=people["ana"], legal_name="Clínica Cala Cala")
    hotel = CompanyFactory(executive=people["beto"], legal_name="Hotel Muyurina")
    cases = {
        # Ana's customer, her step not taken: hers all the same; 2 h old.
        "ana_open": make_case(
            "PV-2026-000001",
            clinic,
            received_at=now - timedelta(hours=2),
            steps=[(Role.EXECUTIVE, None)],
        ),
        # 20 h old: about to expire; the technical manager took it.
        "warning": make_case(
            "PV-2026-000002",
            hotel,
            procedure="E",
            received_at=now - timedelta(hours=20),
            steps=[(Role.TECHNICAL_MANAGER, people["gestor"])],
        ),
        # 30 h old, nobody took the commercial manager's step: late, unclaimed.
        "late": make_case(
            "PV-2026-000003",
            hotel,
            procedure="F",
            received_at=now - timedelta(hours=30),
            steps=[(Role.COMMERCIAL_MANAGER, None)],
        ),
        # The team's own work: no clock.
        "own": make_case(
            "PV-2026-000004",
            hotel,
            procedure="J",
            requested_at=None,
            steps=[(Role.EXECUTIVE, None)],
        ),
    }
    return {name: (case, case.instance.human_tasks.get()) for name, case in cases.items()}


def workload(role) -> selectors.RoleWorkload:
    return next(w for w in selectors.team_workload() if w.role == role)


def holder(role, user) -> selectors.Holder:
    return next(h for h in workload(role).people if h.user == user)


# --- who sees it -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (Role.TEAM_LEAD, 200),
        (Role.DIVISION_HEAD, 200),
        (Role.EXECUTIVE, 403),
        (Role.COMMERCIAL_MANAGER, 403),
        (Role.TECHNICAL_MANAGER, 403),
        (Role.TECHNICAL_ANALYST, 403),
    ],
)
def test_only_the_team_lead_and_the_division_head_see_the_team(client, work, role, status):
    client.force_login(UserFactory(role=role))
    assert client.get(TEAM).status_code == status
    _case, task = work["ana_open"]
    assert client.get(reassign_url(task)).status_code == status


def test_the_wrong_role_cannot_reassign_by_posting(client, people, work):
    _case, task = work["ana_open"]
    client.force_login(people["gestor"])
    assert client.post(reassign_url(task), {"to_user": people["beto"].pk}).status_code == 403
    assert HumanTask.objects.get(pk=task.pk).assignee is None
    with pytest.raises(PermissionDenied):
        task_reassign(task_id=task.task_id, user=people["ana"], to_user=people["beto"])


# --- who holds what --------------------------------------------------------------------------


def test_an_executives_step_nobody_took_is_her_customers_executives(people, work):
    ana = holder(Role.EXECUTIVE, people["ana"])
    assert [h.task for h in ana.tasks] == [work["ana_open"][1]]
    assert ana.tasks[0].taken is False
    beto = holder(Role.EXECUTIVE, people["beto"])
    assert [h.task for h in beto.tasks] == [work["own"][1]]
    assert workload(Role.EXECUTIVE).unclaimed.tasks == []


def test_each_person_counts_her_steps_by_their_24_hours(people, work):
    assert holder(Role.EXECUTIVE, people["ana"]).counts["ok"] == 1
    assert holder(Role.EXECUTIVE, people["beto"]).counts["own"] == 1
    gestor = holder(Role.TECHNICAL_MANAGER, people["gestor"])
    assert gestor.counts == {"late": 0, "warning": 1, "ok": 0, "answered": 0, "own": 0}
    assert gestor.tasks[0].taken is True
    # Everyone of the role is listed, even with nothing.
    assert holder(Role.TECHNICAL_MANAGER, people["gestora"]).tasks == []


def test_a_step_nobody_took_is_in_its_roles_common_inbox(people, work):
    commercial = workload(Role.COMMERCIAL_MANAGER)
    assert [h.task for h in commercial.unclaimed.tasks] == [work["late"][1]]
    assert commercial.unclaimed.counts["late"] == 1
    assert holder(Role.COMMERCIAL_MANAGER, people["comercial"]).tasks == []


def test_an_inactive_person_is_not_offered_a_step(people, work):
    _case, task = work["ana_open"]
    candidates = set(selectors.reassign_candidates(task))
    assert people["beto"] in candidates
    assert people["ida"] not in candidates and people["gestor"] not in candidates


def test_the_team_page_shows_each_person_and_links_to_her_steps(client, people, work):
    client.force_login(people["lead"])
    page = client.get(TEAM).content.decode()
    for name in ("Ana", "Beto", "Gestor", "Gestora", "Comercial"):
        assert name in page
    for case, task in work.values():
        assert reassign_url(task) in page
        assert reverse("cases:detail", args=[case.number]) in page
    assert _("Not taken (common inbox)") in page


def test_the_team_page_takes_a_constant_number_of_queries(
    client, people, work, django_assert_max_num_queries
):
    client.force_login(people["lead"])
    client.get(TEAM)
    with django_assert_max_num_queries(6):
        client.get(TEAM)
    company = CompanyFactory(executive=people["beto"])
    for index in range(30):
        make_case(f"PV-2026-1000{index:02d}", company, steps=[(Role.TECHNICAL_ANALYST, None)])
    with django_assert_max_num_queries(6):
        assert client.get(TEAM).status_code == 200


# --- reassigning -----------------------------------------------------------------------------


def test_reassigning_hands_the_step_and_records_who_when_and_from_whom(people, work):
    case, task = work["ana_open"]
    before = timezone.now()
    handed = task_reassign(task_id=task.task_id, user=people["lead"], to_user=people["beto"])
    assert HumanTask.objects.get(pk=task.pk).assignee == people["beto"]
    record = TaskReassignment.objects.get()
    assert record == handed
    assert (record.case, record.task_id, record.role) == (case, task.task_id, Role.EXECUTIVE)
    # Nobody had taken it: it was Ana's, her customer's executive.
    assert record.from_user == people["ana"]
    assert record.to_user == people["beto"]
    assert record.reassigned_by == people["lead"]
    assert record.created_at >= before


def test_the_case_timeline_shows_the_handing(people, work):
    case, task = work["warning"]
    task_reassign(task_id=task.task_id, user=people["head"], to_user=people["gestora"])
    [entry] = [e for e in selectors.case_timeline(case) if str(people["gestora"]) in e.title]
    assert entry.who == str(people["head"])
    assert str(people["gestor"]) in entry.detail
    assert task.name in entry.title


def test_the_new_holder_gets_an_e_mail(people, work, django_capture_on_commit_callbacks):
    case, task = work["warning"]
    with django_capture_on_commit_callbacks(execute=True):
        task_reassign(task_id=task.task_id, user=people["lead"], to_user=people["gestora"])
    [email] = mail.outbox
    assert email.to == [people["gestora"].email]
    assert case.number in email.subject and task.name in email.body


def test_reassigning_to_a_person_of_another_role_is_refused(client, people, work):
    _case, task = work["warning"]
    with pytest.raises(engine.EngineError):
        task_reassign(task_id=task.task_id, user=people["lead"], to_user=people["ana"])
    assert HumanTask.objects.get(pk=task.pk).assignee == people["gestor"]
    assert not TaskReassignment.objects.exists()
    # Through the page: the form offers only the role's people, and says so.
    client.force_login(people["lead"])
    response = client.post(reassign_url(task), {"to_user": people["ana"].pk})
    assert response.status_code == 200
    assert response.context["form"].errors["to_user"]
    assert HumanTask.objects.get(pk=task.pk).assignee == people["gestor"]


def test_reassigning_to_an_inactive_person_is_refused(people, work):
    _case, task = work["ana_open"]
    with pytest.raises(engine.EngineError):
        task_reassign(task_id=task.task_id, user=people["lead"], to_user=people["ida"])
    assert not TaskReassignment.objects.exists()


def test_reassigning_to_whoever_holds_it_is_refused(people, work):
    _case, task = work["warning"]
    with pytest.raises(engine.EngineError):
        task_reassign(task_id=task.task_id, user=people["lead"], to_user=people["gestor"])


def test_reassigning_a_step_completed_meanwhile_is_refused(client, people, work):
    _case, task = work["ana_open"]
    client.force_login(people["lead"])
    form_page = client.get(reassign_url(task))
    assert form_page.status_code == 200
    task.delete()  # completed meanwhile: its inbox row is gone
    with pytest.raises(engine.TaskAlreadyCompleted):
        task_reassign(task_id=task.task_id, user=people["lead"], to_user=people["beto"])
    response = client.post(reassign_url(task), {"to_user": people["beto"].pk}, follow=True)
    assert response.redirect_chain[-1][0] == TEAM
    assert _("This step is no longer pending: someone completed it.") in response.content.decode()
    assert not TaskReassignment.objects.exists()


@pytest.mark.parametrize("value", ["", "abc", "9" * 30, "-1", "1.5"])
def test_a_bad_person_is_a_form_error(client, people, work, value):
    _case, task = work["ana_open"]
    client.force_login(people["lead"])
    response = client.post(reassign_url(task), {"to_user": value})
    assert response.status_code == 200
    assert response.context["form"].errors["to_user"]
    assert HumanTask.objects.get(pk=task.pk).assignee is None


def test_the_page_reassigns_and_says_so(client, people, work):
    _case, task = work["ana_open"]
    client.force_login(people["lead"])
    response = client.post(reassign_url(task), {"to_user": people["beto"].pk}, follow=True)
    assert response.redirect_chain[-1][0] == TEAM
    assert HumanTask.objects.get(pk=task.pk).assignee == people["beto"]
    assert task.name in response.content.decode()


# --- the new holder's inbox --------------------------------------------------------------


def test_the_executive_handed_a_step_on_anothers_customer_sees_it_and_its_case(
    client, people, work
):
    case, task = work["ana_open"]
    assert task not in selectors.inbox(user=people["beto"])
    task_reassign(task_id=task.task_id, user=people["lead"], to_user=people["beto"])
    assert task in selectors.inbox(user=people["beto"])
    # Ana no longer has it; she still sees her customer's case.
    assert task not in selectors.inbox(user=people["ana"])
    assert selectors.cases_visible_to(people["ana"]).filter(pk=case.pk).exists()
    # Beto opens the case of the step he holds, and no other case of that customer.
    client.force_login(people["beto"])
    assert client.get(reverse("cases:detail", args=[case.number])).status_code == 200
    other = make_case("PV-2026-000099", case.company)
    assert client.get(reverse("cases:detail", args=[other.number])).status_code == 404
    # Once the step is gone, so is his way in.
    HumanTask.objects.filter(pk=task.pk).delete()
    assert not selectors.cases_visible_to(people["beto"]).filter(pk=case.pk).exists()
