"""Annex 1 as the manual means it: the executives plan their own commercial
visits ("ofertas de servicio") in the visit calendar — no work order, no
case; each sees and changes only hers, the team lead and the division head
see them all — and Annex 1 prints one executive's commercial schedule. A
visit is a support visit or a commercial one, never both: the database says
so."""

import re

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from posventa.accounts.roles import Role
from posventa.factories import CompanyFactory, UserFactory
from posventa.visits import services
from posventa.visits.models import QualityResult, Visit, VisitKind, VisitState
from posventa.visits.tests.helpers import at, pdf_text
from posventa.workorders.models import WorkOrder


@pytest.fixture
def executive(team):
    person = team[Role.EXECUTIVE]
    person.first_name, person.last_name = "Carla", "Rojas"
    person.save(update_fields=["first_name", "last_name"])
    return person


@pytest.fixture
def company(executive):
    return CompanyFactory(
        executive=executive, legal_name="Minera Andina S.A.", address="Av. Blanco Galindo km 4"
    )


@pytest.fixture
def offer(executive, company):
    return services.commercial_visit_plan(
        company=company,
        starts_at=at(25, 15),
        ends_at=at(25, 16),
        person="Lic. Marco Vargas, gerente de sistemas",
        observations="Ofrecer fibra 100 Mbps y central Centrex",
        user=executive,
    )


@pytest.fixture
def other_executive(team):
    return UserFactory(
        role=Role.EXECUTIVE, username="ejecutivo2", first_name="Luis", last_name="Paz"
    )


# --- Planning -------------------------------------------------------------------------------


def test_an_executive_plans_a_commercial_visit_without_work_order_or_case(offer, executive):
    assert (offer.kind, offer.executive, offer.analyst) == (VisitKind.COMMERCIAL, executive, None)
    assert offer.work_order is None and offer.case is None
    assert offer.location == "Av. Blanco Galindo km 4"  # the company's address by default
    assert offer.scheduled_by == executive and offer.state == VisitState.SCHEDULED
    assert not WorkOrder.objects.exists()


def test_an_executive_plans_from_the_calendar_and_sees_it_in_annex1(client, executive, company):
    client.force_login(executive)
    calendar = client.get(reverse("visits:calendar"), {"day": "2026-11-25"}).text
    url = reverse("visits:plan_commercial")
    assert url in calendar
    page = client.get(url, {"day": "2026-11-25"})
    assert page.status_code == 200 and "Minera Andina" in page.text
    response = client.post(
        url,
        {
            "company": company.pk,
            "day": "2026-11-25",
            "start": "15:00",
            "end": "16:30",
            "person": "Lic. Marco Vargas",
            "location": "",
            "observations": "Oferta de fibra",
        },
        follow=True,
    )
    assert _("Commercial visit planned.") in response.text
    visit = Visit.objects.get()
    assert (visit.starts_at, visit.ends_at) == (at(25, 15), at(25, 16, 30))
    item = response.text[response.text.index(f'data-visit="{visit.pk}"') :]
    assert _("Commercial visit") in item[:800] and "Mover visita" in item[:4000]
    text = pdf_text(
        client.get(reverse("visits:schedule_form"), {"start": "2026-11-23", "end": "2026-11-29"})
    )
    for expected in (
        "Cronograma de visitas a empresas – ofertas de servicio",
        "Nombre de Ejecutivo Equipo Venta Empresas: Carla Rojas",
        "Periodo: 23/11/2026 al 29/11/2026",
        "Fecha (día/mes/año) Hora Empresa Nombre de la persona a entrevistar Ubicación "
        "Observaciones",
        "25/11/2026 15:00–16:30 Minera Andina S.A. Lic. Marco Vargas Av. Blanco Galindo km 4 "
        "Oferta de fibra",
    ):
        assert expected in text, expected


def test_annex1_holds_her_commercial_visits_only_not_the_support_visits_to_her_customers(
    client, offer, executive, company, team
):
    services.visit_schedule(
        company=company,
        analyst=team[Role.TECHNICAL_ANALYST],
        starts_at=at(26, 9),
        ends_at=at(26, 10),
        person="Ing. Rocío Mamani",
        location="Planta",
        user=team[Role.TEAM_LEAD],
    )
    client.force_login(team[Role.TEAM_LEAD])
    text = pdf_text(
        client.get(
            reverse("visits:schedule_form"),
            {"executive": executive.pk, "start": "2026-11-23", "end": "2026-11-29"},
        )
    )
    assert "Lic. Marco Vargas" in text and "Ing. Rocío Mamani" not in text
    support = pdf_text(
        client.get(reverse("visits:support_schedule"), {"start": "2026-11-23", "end": "2026-11-29"})
    )
    assert "Ing. Rocío Mamani" in support and "Lic. Marco Vargas" not in support


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"person": " "}, "person"),
        ({"ends_at": at(25, 14)}, "ends_at"),
        ({"starts_at": None}, "starts_at"),
    ],
)
def test_bad_input_is_refused_and_nothing_changes(executive, company, changes, field):
    data = dict(
        company=company, starts_at=at(25, 15), ends_at=at(25, 16), person="P", user=executive
    )
    data.update(changes)
    with pytest.raises(ValidationError) as error:
        services.commercial_visit_plan(**data)
    assert field in error.value.message_dict
    assert not Visit.objects.exists()


def test_only_an_executive_plans_and_only_to_her_portfolio(executive, other_executive, team):
    elsewhere = CompanyFactory(executive=other_executive, legal_name="Textiles del Valle S.A.")
    with pytest.raises(ValidationError) as error:
        services.commercial_visit_plan(
            company=elsewhere, starts_at=at(25, 15), ends_at=at(25, 16), person="P", user=executive
        )
    assert "company" in error.value.message_dict
    for role in (Role.TEAM_LEAD, Role.TECHNICAL_ANALYST, Role.DIVISION_HEAD):
        with pytest.raises(PermissionDenied):
            services.commercial_visit_plan(
                company=elsewhere,
                starts_at=at(25, 15),
                ends_at=at(25, 16),
                person="P",
                user=team[role],
            )
    assert not Visit.objects.exists()


def clash(when: str) -> str:
    """The refusal an executive reads when she is already busy then."""
    return _("You already have a visit at %(company)s at %(when)s: choose another time.") % {
        "company": "Minera Andina S.A.",
        "when": when,
    }


def test_an_executive_is_not_booked_twice_at_once(offer, executive, company):
    with pytest.raises(ValidationError, match=re.escape(clash("25/11/2026 15:00"))):
        services.commercial_visit_plan(
            company=company,
            starts_at=at(25, 15, 30),
            ends_at=at(25, 17),
            person="Otra persona",
            user=executive,
        )
    services.commercial_visit_plan(
        company=company, starts_at=at(25, 16), ends_at=at(25, 17), person="P", user=executive
    )
    assert Visit.objects.count() == 2


def test_a_bad_commercial_visit_comes_back_as_the_form_with_its_errors(
    client, offer, executive, company
):
    client.force_login(executive)
    url = reverse("visits:plan_commercial")
    base = {"company": company.pk, "day": "2026-11-25", "person": "P", "location": ""}
    page = client.post(url, {**base, "start": "16:00", "end": "15:00"})
    assert page.status_code == 200 and "La visita debe terminar después de empezar" in page.text
    page = client.post(url, {**base, "start": "15:30", "end": "16:30"})  # onto her offer
    assert page.status_code == 200 and clash("25/11/2026 15:00") in page.text
    page = client.post(url, {**base, "day": "9999-12-31", "start": "\x00", "end": "x" * 10_000})
    assert page.status_code == 200 and "is-invalid" in page.text
    assert Visit.objects.count() == 1


# --- Seeing and changing: each executive hers -------------------------------------------------


def test_the_executive_moves_and_cancels_her_commercial_visit(client, offer, executive):
    client.force_login(executive)
    response = client.post(
        reverse("visits:move", args=[offer.pk]), {"starts_at": "2026-11-26T09:00"}, follow=True
    )
    assert "Visita movida" in response.text
    offer.refresh_from_db()
    assert (offer.starts_at, offer.ends_at) == (at(26, 9), at(26, 10))
    response = client.post(
        reverse("visits:cancel", args=[offer.pk]),
        {"reason": "El cliente pidió otra semana"},
        follow=True,
    )
    assert _("Visit cancelled.") in response.text
    offer.refresh_from_db()
    assert offer.state == VisitState.CANCELLED
    assert "El cliente pidió otra semana" in offer.observations


def test_another_executive_cannot_see_or_change_her_commercial_visit(
    client, offer, executive, other_executive
):
    client.force_login(other_executive)
    week = client.get(reverse("visits:calendar"), {"day": "2026-11-25"}).text
    assert "Minera Andina" not in week and "Lic. Marco Vargas" not in week
    assert f'data-visit="{offer.pk}"' not in week
    move = client.post(reverse("visits:move", args=[offer.pk]), {"starts_at": "2026-11-26T09:00"})
    cancel = client.post(reverse("visits:cancel", args=[offer.pk]), {"reason": "x"})
    assert move.status_code == cancel.status_code == 404  # as if it did not exist
    with pytest.raises(PermissionDenied):
        services.visit_move(visit=offer, starts_at=at(26, 9), user=other_executive)
    with pytest.raises(PermissionDenied):
        services.visit_cancel(visit=offer, reason="x", user=other_executive)
    response = client.get(
        reverse("visits:schedule_form"),
        {"executive": executive.pk, "start": "2026-11-23", "end": "2026-11-29"},
        follow=True,
    )
    assert "Elija un(a) ejecutivo(a) y un periodo" in response.text
    own = pdf_text(
        client.get(reverse("visits:schedule_form"), {"start": "2026-11-23", "end": "2026-11-29"})
    )
    assert "Luis Paz" in own and "Lic. Marco Vargas" not in own
    offer.refresh_from_db()
    assert (offer.starts_at, offer.state) == (at(25, 15), VisitState.SCHEDULED)


def test_the_team_lead_and_the_division_head_see_every_commercial_visit_but_do_not_change_it(
    client, offer, team, executive
):
    for role in (Role.TEAM_LEAD, Role.DIVISION_HEAD):
        client.force_login(team[role])
        week = client.get(reverse("visits:calendar"), {"day": "2026-11-25"}).text
        assert f'data-visit="{offer.pk}"' in week and "Lic. Marco Vargas" in week
        assert reverse("visits:move", args=[offer.pk]) not in week
        response = client.post(
            reverse("visits:move", args=[offer.pk]), {"starts_at": "2026-11-26T09:00"}
        )
        assert response.status_code == 403
        text = pdf_text(
            client.get(
                reverse("visits:schedule_form"),
                {"executive": executive.pk, "start": "2026-11-23", "end": "2026-11-29"},
            )
        )
        assert "Carla Rojas" in text and "Lic. Marco Vargas" in text
    offer.refresh_from_db()
    assert offer.starts_at == at(25, 15)


def test_the_analysts_and_the_technical_manager_keep_to_the_support_visits(client, offer, team):
    for role in (Role.TECHNICAL_ANALYST, Role.TECHNICAL_MANAGER):
        client.force_login(team[role])
        week = client.get(reverse("visits:calendar"), {"day": "2026-11-25"}).text
        assert "Lic. Marco Vargas" not in week and 'data-testid="annex1"' not in week
        assert 'data-testid="support-schedule"' in week
        assert client.get(reverse("visits:schedule_form")).status_code == 403


def test_a_commercial_visit_has_no_engineering_service_or_quality_call(offer, team, executive):
    no_order = re.escape(
        _(
            "A commercial visit has no work order: it has no engineering service or "
            "quality-control call."
        )
    )
    with time_machine.travel(at(25, 17)):
        with pytest.raises(ValidationError, match=no_order):
            services.engineering_service_record(
                visit=offer, work_done="x", user=team[Role.TECHNICAL_MANAGER]
            )
        with pytest.raises(ValidationError, match=no_order):
            services.quality_call_record(
                visit=offer, result=QualityResult.SATISFIED, user=team[Role.TEAM_LEAD]
            )
    with pytest.raises(ValidationError):
        services.visit_move(
            visit=offer,
            starts_at=at(26, 9),
            analyst=team[Role.TECHNICAL_ANALYST],
            user=executive,
        )


# --- One or the other, in the database --------------------------------------------------------


def test_a_visit_has_an_analyst_or_an_executive_never_both_nor_neither(offer, team, company):
    support = services.visit_schedule(
        company=company,
        analyst=team[Role.TECHNICAL_ANALYST],
        starts_at=at(26, 9),
        ends_at=at(26, 10),
        person="P",
        location="L",
        user=team[Role.TEAM_LEAD],
    )
    refused = [
        (support, {"executive": team[Role.EXECUTIVE]}),  # both
        (support, {"analyst": None}),  # neither
        (support, {"work_order": None}),  # a support visit without its order
        (support, {"kind": VisitKind.COMMERCIAL}),  # commercial with an analyst and an order
        (offer, {"analyst": team[Role.TECHNICAL_ANALYST]}),  # both
        (offer, {"executive": None}),  # neither
        (offer, {"work_order": support.work_order}),  # a commercial visit with an order
        (offer, {"kind": VisitKind.SUPPORT}),  # support without analyst or order
        (offer, {"kind": "other"}),
    ]
    for visit, changes in refused:
        with pytest.raises(IntegrityError), transaction.atomic():
            Visit.objects.filter(pk=visit.pk).update(**changes)


@pytest.mark.django_db(transaction=True)
def test_the_visits_recorded_before_become_support_visits(team):
    """Migration 0002: a visit of the old shape (an analyst, its work order)
    is a support visit afterwards, and satisfies the new check."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    from posventa.workorders.models import WorkOrderKind
    from posventa.workorders.services import workorder_create

    company = CompanyFactory(executive=team[Role.EXECUTIVE])
    order = workorder_create(
        kind=WorkOrderKind.VISIT, company=company, address="L", user=team[Role.TEAM_LEAD]
    )
    before = ("visits", "0001_visits_engineering_services")
    executor = MigrationExecutor(connection)
    try:
        executor.migrate([before])
        old = executor.loader.project_state([before]).apps.get_model("visits", "Visit")
        pk = old.objects.create(
            analyst_id=team[Role.TECHNICAL_ANALYST].pk,
            company_id=company.pk,
            work_order_id=order.pk,
            starts_at=at(25, 10),
            ends_at=at(25, 11),
            person="P",
            location="L",
        ).pk
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
    visit = Visit.objects.get(pk=pk)
    assert (visit.kind, visit.analyst, visit.executive) == (
        VisitKind.SUPPORT,
        team[Role.TECHNICAL_ANALYST],
        None,
    )


@pytest.mark.parametrize("role", [Role.EXECUTIVE, Role.TEAM_LEAD, Role.TECHNICAL_ANALYST])
def test_odd_query_strings_on_the_new_pages_are_no_server_error(client, team, role):
    client.force_login(team[role])
    odd = ["\x00", "2026-02-30", "9999-12-31", "0001-01-01", "²", "9" * 30, "x" * 5000]
    for value in odd:
        for url, names in (
            (reverse("visits:support_schedule"), ("analyst", "start", "end")),
            (reverse("visits:schedule_form"), ("executive", "start", "end")),
            (reverse("visits:plan_commercial"), ("day",)),
        ):
            response = client.get(url, dict.fromkeys(names, value))
            assert response.status_code in (200, 302, 400, 403), (url, repr(value)[:20])
    response = client.get(reverse("visits:plan_commercial"))
    assert response.status_code == (200 if role == Role.EXECUTIVE else 403)
