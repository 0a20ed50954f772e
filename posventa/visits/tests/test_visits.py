"""The visit calendar: procedure L's support visits (never two visits of one
analyst at once), moving, the engineering service closing the work order,
the quality-control call, the iCalendar feed and the support schedule sheet;
the executives' commercial visits and their Annex 1 form; a visit is one or
the other, in the database."""

import icalendar
import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from posventa.accounts.roles import Role
from posventa.factories import CompanyFactory, UserFactory
from posventa.visits import services
from posventa.visits.models import EngineeringService, QualityResult, Visit, VisitState
from posventa.visits.tests.helpers import at, pdf_text
from posventa.workorders.models import WorkOrder, WorkOrderKind, WorkOrderState


@pytest.fixture
def company(team):
    return CompanyFactory(executive=team[Role.EXECUTIVE], legal_name="Minera Andina S.A.")


@pytest.fixture
def visit(team, company):
    return services.visit_schedule(
        company=company,
        analyst=team[Role.TECHNICAL_ANALYST],
        starts_at=at(25, 10),
        ends_at=at(25, 12),
        person="Ing. Rocío Mamani",
        location="Av. Blanco Galindo km 4",
        reason="Revisión de la red interna",
        observations="Llevar credencial",
        user=team[Role.TEAM_LEAD],
    )


def test_scheduling_puts_the_visit_in_the_calendar_with_its_work_order(visit, team):
    order = visit.work_order
    assert order.kind == WorkOrderKind.VISIT
    order.refresh_from_db()
    assert order.state == WorkOrderState.ASSIGNED
    assert order.scheduled_at == at(25, 10)
    analyst = team[Role.TECHNICAL_ANALYST]
    assert order.technician == (analyst.get_full_name() or analyst.username)
    assert order.address == "Av. Blanco Galindo km 4"
    assert visit.state == VisitState.SCHEDULED


def test_the_calendar_refuses_a_double_booking_of_an_analyst(visit, team, company):
    with pytest.raises(ValidationError, match="ya tiene una visita"):
        services.visit_schedule(
            company=company,
            analyst=team[Role.TECHNICAL_ANALYST],
            starts_at=at(25, 11),
            ends_at=at(25, 13),
            person="Otra persona",
            location="Otra dirección",
            user=team[Role.TECHNICAL_MANAGER],
        )
    assert Visit.objects.count() == 1
    assert WorkOrder.objects.count() == 1


def test_back_to_back_visits_and_other_analysts_are_fine(visit, team, company):
    other = UserFactory(role=Role.TECHNICAL_ANALYST, username="analista2")
    services.visit_schedule(
        company=company,
        analyst=team[Role.TECHNICAL_ANALYST],
        starts_at=at(25, 12),
        ends_at=at(25, 13),
        person="P",
        location="L",
        user=team[Role.TEAM_LEAD],
    )
    services.visit_schedule(
        company=company,
        analyst=other,
        starts_at=at(25, 10),
        ends_at=at(25, 12),
        person="P",
        location="L",
        user=team[Role.TEAM_LEAD],
    )
    assert Visit.objects.count() == 3


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"person": " "}, "person"),
        ({"location": ""}, "location"),
        ({"ends_at": at(25, 9)}, "ends_at"),
        ({"starts_at": None}, "starts_at"),
    ],
)
def test_bad_input_is_refused_and_nothing_changes(team, company, changes, field):
    data = dict(
        company=company,
        analyst=team[Role.TECHNICAL_ANALYST],
        starts_at=at(25, 10),
        ends_at=at(25, 12),
        person="P",
        location="L",
        user=team[Role.TEAM_LEAD],
    )
    data.update(changes)
    with pytest.raises(ValidationError) as error:
        services.visit_schedule(**data)
    assert field in error.value.message_dict
    assert not Visit.objects.exists() and not WorkOrder.objects.exists()


def test_only_an_analyst_goes_and_only_planners_plan(team, company):
    with pytest.raises(ValidationError):
        services.visit_schedule(
            company=company,
            analyst=team[Role.EXECUTIVE],
            starts_at=at(25, 10),
            ends_at=at(25, 12),
            person="P",
            location="L",
            user=team[Role.TEAM_LEAD],
        )
    with pytest.raises(PermissionDenied):
        services.visit_schedule(
            company=company,
            analyst=team[Role.TECHNICAL_ANALYST],
            starts_at=at(25, 10),
            ends_at=at(25, 12),
            person="P",
            location="L",
            user=team[Role.EXECUTIVE],
        )


def test_the_database_refuses_a_visit_that_ends_before_it_starts(visit):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Visit.objects.filter(pk=visit.pk).update(ends_at=at(25, 9))


def test_moving_a_visit_keeps_its_length_and_reschedules_its_order(visit, team, company):
    services.visit_move(visit=visit, starts_at=at(26, 15), user=team[Role.TECHNICAL_MANAGER])
    visit.refresh_from_db()
    assert (visit.starts_at, visit.ends_at) == (at(26, 15), at(26, 17))
    visit.work_order.refresh_from_db()
    assert visit.work_order.scheduled_at == at(26, 15)


def test_moving_onto_another_visit_is_refused(visit, team, company):
    other = services.visit_schedule(
        company=company,
        analyst=team[Role.TECHNICAL_ANALYST],
        starts_at=at(26, 9),
        ends_at=at(26, 10),
        person="P",
        location="L",
        user=team[Role.TEAM_LEAD],
    )
    with pytest.raises(ValidationError, match="ya tiene una visita"):
        services.visit_move(visit=visit, starts_at=at(26, 9, 30), user=team[Role.TEAM_LEAD])
    visit.refresh_from_db()
    assert visit.starts_at == at(25, 10)
    assert other.starts_at == at(26, 9)


def test_the_engineering_service_closes_the_work_order(visit, team):
    with time_machine.travel(at(25, 12, 30)):
        record = services.engineering_service_record(
            visit=visit,
            work_done="Cambio de switch y prueba de enlace",
            user=team[Role.TECHNICAL_ANALYST],
        )
    visit.refresh_from_db()
    assert visit.state == VisitState.DONE
    assert record.work_done == "Cambio de switch y prueba de enlace"
    order = visit.work_order
    order.refresh_from_db()
    assert order.state == WorkOrderState.CLOSED_RESOLVED
    assert order.result == "Cambio de switch y prueba de enlace"
    assert order.closed_by == team[Role.TECHNICAL_ANALYST]


def test_the_orders_history_tells_the_planning_and_the_closing(visit, team):
    services.visit_move(visit=visit, starts_at=at(26, 15), user=team[Role.TEAM_LEAD])
    with time_machine.travel(at(26, 17, 30)):
        services.engineering_service_record(
            visit=visit, work_done="Enlace probado", user=team[Role.TECHNICAL_ANALYST]
        )
    changes = list(visit.work_order.changes.order_by("at", "pk"))
    assert [(c.state, c.by) for c in changes] == [
        (WorkOrderState.REGISTERED, team[Role.TEAM_LEAD]),
        (WorkOrderState.ASSIGNED, team[Role.TEAM_LEAD]),
        (WorkOrderState.ASSIGNED, team[Role.TEAM_LEAD]),
        (WorkOrderState.CLOSED_RESOLVED, team[Role.TECHNICAL_ANALYST]),
    ]
    assert "26/11/2026 15:00" in changes[2].note and changes[3].note == "Enlace probado"


def test_a_visits_order_is_not_assigned_or_closed_outside_the_calendar(visit, team, client):
    from posventa.workorders.services import workorder_assign, workorder_close

    manager = team[Role.TECHNICAL_MANAGER]
    with time_machine.travel(at(25, 13)):
        with pytest.raises(ValidationError, match="calendario de visitas"):
            workorder_close(
                work_order=visit.work_order, state="closed_resolved", result="x", user=manager
            )
        with pytest.raises(ValidationError, match="calendario de visitas"):
            workorder_assign(
                work_order=visit.work_order,
                unit="pas",
                technician="Otro",
                scheduled_at=at(27, 9),
                user=manager,
            )
    visit.work_order.refresh_from_db()
    assert visit.work_order.state == WorkOrderState.ASSIGNED
    assert visit.work_order.scheduled_at == at(25, 10)
    client.force_login(manager)
    page = client.get(reverse("workorders:detail", args=[visit.work_order.number])).text
    assert 'data-testid="calendar-visit"' in page and 'data-form="close"' not in page


def test_the_technical_manager_records_an_unresolved_visit(visit, team):
    with time_machine.travel(at(25, 13)):
        services.engineering_service_record(
            visit=visit,
            work_done="Falta repuesto",
            resolved=False,
            user=team[Role.TECHNICAL_MANAGER],
        )
    visit.work_order.refresh_from_db()
    assert visit.work_order.state == WorkOrderState.ATTENDED_WITHOUT_SOLUTION
    assert visit.work_order.closed_by == team[Role.TECHNICAL_MANAGER]


def test_no_engineering_service_before_the_visit_twice_or_by_others(visit, team):
    with pytest.raises(ValidationError, match="todavía no se realizó"):
        services.engineering_service_record(
            visit=visit, work_done="x", user=team[Role.TECHNICAL_ANALYST]
        )
    with pytest.raises(PermissionDenied):
        services.engineering_service_record(visit=visit, work_done="x", user=team[Role.EXECUTIVE])
    with time_machine.travel(at(25, 13)):
        with pytest.raises(ValidationError):
            services.engineering_service_record(
                visit=visit, work_done=" ", user=team[Role.TECHNICAL_ANALYST]
            )
        services.engineering_service_record(
            visit=visit, work_done="ok", user=team[Role.TECHNICAL_ANALYST]
        )
        with pytest.raises(ValidationError):
            services.engineering_service_record(
                visit=visit, work_done="ok", user=team[Role.TECHNICAL_ANALYST]
            )
    assert EngineeringService.objects.count() == 1


def test_a_cancelled_visit_frees_the_slot_and_closes_its_order(visit, team, company):
    services.visit_cancel(
        visit=visit, reason="Resuelto por diagnóstico remoto", user=team[Role.TEAM_LEAD]
    )
    visit.work_order.refresh_from_db()
    assert visit.work_order.state == WorkOrderState.ATTENDED_WITHOUT_SOLUTION
    services.visit_schedule(
        company=company,
        analyst=team[Role.TECHNICAL_ANALYST],
        starts_at=at(25, 10),
        ends_at=at(25, 12),
        person="P",
        location="L",
        user=team[Role.TEAM_LEAD],
    )
    with pytest.raises(ValidationError):
        services.visit_move(visit=visit, starts_at=at(27, 10), user=team[Role.TEAM_LEAD])


def test_the_quality_control_call_after_the_visit(visit, team):
    with pytest.raises(ValidationError, match="después de realizada la visita"):
        services.quality_call_record(
            visit=visit, result=QualityResult.SATISFIED, user=team[Role.TEAM_LEAD]
        )
    with time_machine.travel(at(25, 13)):
        services.engineering_service_record(
            visit=visit, work_done="ok", user=team[Role.TECHNICAL_ANALYST]
        )
    with pytest.raises(ValidationError):
        services.quality_call_record(visit=visit, result="meh", user=team[Role.TEAM_LEAD])
    services.quality_call_record(
        visit=visit, result=QualityResult.SATISFIED, notes="Conforme", user=team[Role.TEAM_LEAD]
    )
    visit.refresh_from_db()
    assert visit.quality_result == QualityResult.SATISFIED
    assert visit.quality_called_at is not None


def test_the_calendar_page_week_and_month(client, visit, team):
    client.force_login(team[Role.TEAM_LEAD])
    week = client.get(reverse("visits:calendar"), {"day": "2026-11-25"})
    assert week.status_code == 200
    assert "Minera Andina" in week.text and "Mover visita" in week.text
    month = client.get(reverse("visits:calendar"), {"view": "month", "day": "2026-11-02"})
    assert month.status_code == 200 and "Minera Andina" in month.text
    other_week = client.get(reverse("visits:calendar"), {"day": "2026-12-09"})
    assert "Minera Andina" not in other_week.text


def test_the_team_lead_cancels_a_visit_from_the_page(client, visit, team):
    client.force_login(team[Role.TEAM_LEAD])
    url = reverse("visits:cancel", args=[visit.pk])
    page = client.get(reverse("visits:calendar"), {"day": "2026-11-25"}).text
    assert url in page
    response = client.post(url, {"reason": " "}, follow=True)
    assert "Indique por qué se cancela" in response.text
    visit.refresh_from_db()
    assert visit.state == VisitState.SCHEDULED
    response = client.post(url, {"reason": "El cliente lo resolvió con su proveedor"}, follow=True)
    assert "Visita cancelada" in response.text
    visit.refresh_from_db()
    visit.work_order.refresh_from_db()
    assert visit.state == VisitState.CANCELLED
    assert visit.work_order.state == WorkOrderState.ATTENDED_WITHOUT_SOLUTION
    client.force_login(team[Role.EXECUTIVE])
    assert client.post(url, {"reason": "x"}).status_code == 403


def test_an_executive_sees_only_her_customers_visits(client, visit, team):
    other_executive = UserFactory(role=Role.EXECUTIVE, username="ejecutivo2")
    elsewhere = CompanyFactory(executive=other_executive, legal_name="Textiles del Valle S.A.")
    services.visit_schedule(
        company=elsewhere,
        analyst=team[Role.TECHNICAL_ANALYST],
        starts_at=at(26, 9),
        ends_at=at(26, 10),
        person="P",
        location="L",
        user=team[Role.TEAM_LEAD],
    )
    client.force_login(team[Role.EXECUTIVE])
    week = client.get(reverse("visits:calendar"), {"day": "2026-11-25"}).text
    assert "Minera Andina" in week and "Textiles del Valle" not in week
    assert (other_executive.get_full_name() or other_executive.username) not in week  # Annex 1
    feed = reverse("visits:feed", args=[team[Role.TECHNICAL_ANALYST].pk])
    assert client.get(feed).status_code == 403  # every portfolio's visits
    page = client.get(reverse("visits:calendar"), {"analyst": team[Role.TECHNICAL_ANALYST].pk})
    assert feed not in page.text
    client.force_login(team[Role.TEAM_LEAD])
    week = client.get(reverse("visits:calendar"), {"day": "2026-11-25"}).text
    assert "Minera Andina" in week and "Textiles del Valle" in week
    assert client.get(feed).status_code == 200


def test_moving_from_the_page_and_a_clash_is_a_message(client, visit, team, company):
    services.visit_schedule(
        company=company,
        analyst=team[Role.TECHNICAL_ANALYST],
        starts_at=at(26, 9),
        ends_at=at(26, 10),
        person="P",
        location="L",
        user=team[Role.TEAM_LEAD],
    )
    client.force_login(team[Role.TEAM_LEAD])
    url = reverse("visits:move", args=[visit.pk])
    response = client.post(url, {"starts_at": "2026-11-26T09:30"}, follow=True)
    assert response.status_code == 200 and "ya tiene una visita" in response.text
    for odd in ("2026-02-30T10:00", "mañana", ""):  # not a real moment: a message
        response = client.post(url, {"starts_at": odd}, follow=True)
        assert response.status_code == 200 and "Indique cuándo empieza" in response.text
    response = client.post(url, {"starts_at": "2026-11-27T16:00"}, follow=True)
    assert "Visita movida" in response.text
    visit.refresh_from_db()
    assert visit.starts_at == at(27, 16)
    client.force_login(team[Role.EXECUTIVE])
    assert client.post(url, {"starts_at": "2026-11-27T08:00"}).status_code == 403


def test_the_analysts_icalendar_feed_parses(client, visit, team):
    client.force_login(team[Role.TECHNICAL_ANALYST])
    response = client.get(reverse("visits:feed", args=[team[Role.TECHNICAL_ANALYST].pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    calendar = icalendar.Calendar.from_ical(response.content)
    events = list(calendar.walk("VEVENT"))
    assert len(events) == 1
    event = events[0]
    assert event.decoded("DTSTART") == at(25, 10)
    assert event.decoded("DTEND") == at(25, 12)
    assert "Minera Andina" in str(event["SUMMARY"])
    assert str(event["LOCATION"]) == "Av. Blanco Galindo km 4"
    assert "Ing. Rocío Mamani" in str(event["DESCRIPTION"])


def test_a_calendar_app_subscribes_with_the_secret_address(client, visit, team):
    from posventa.visits.ical import feed_token

    analyst = team[Role.TECHNICAL_ANALYST]
    client.force_login(analyst)
    address = client.get(reverse("visits:calendar"), {"day": "2026-11-25"}).text
    token = feed_token(analyst)
    url = reverse("visits:subscribed_feed", args=[analyst.pk, token])
    assert url in address
    client.logout()
    calendar = icalendar.Calendar.from_ical(client.get(url).content)
    assert [str(e["SUMMARY"]) for e in calendar.walk("VEVENT")] == ["Visita: Minera Andina S.A."]
    wrong = reverse("visits:subscribed_feed", args=[analyst.pk, "0" * 32])
    assert client.get(wrong).status_code == 404
    analyst.set_password("otra-clave-segura-2026")
    analyst.save()
    assert client.get(url).status_code == 404  # a new password revokes the old address


def test_the_support_schedule_sheet_reads_back(client, visit, team):
    client.force_login(team[Role.TEAM_LEAD])
    text = pdf_text(
        client.get(
            reverse("visits:support_schedule"),
            {"start": "2026-11-23", "end": "2026-11-29"},
        )
    )
    analyst = team[Role.TECHNICAL_ANALYST]
    for expected in (
        "Cronograma de visitas de soporte técnico",
        "25/11/2026",
        "10:00",
        analyst.get_full_name() or analyst.username,
        "Minera Andina",
        "Ing. Rocío Mamani",
        "Av. Blanco Galindo km 4",
        visit.work_order.number,
        "Revisión de la red interna",
        "Llevar credencial",
    ):
        assert expected in text, expected
    assert "ofertas de servicio" not in text
    other = UserFactory(role=Role.TECHNICAL_ANALYST, username="analista2")
    text = pdf_text(
        client.get(
            reverse("visits:support_schedule"),
            {"analyst": other.pk, "start": "2026-11-23", "end": "2026-11-29"},
        )
    )
    assert "Minera Andina" not in text and "Sin visitas de soporte" in text


def test_the_annex1_form_needs_an_executive_and_a_period(client, visit, team):
    client.force_login(team[Role.TEAM_LEAD])
    response = client.get(reverse("visits:schedule_form"), {"start": "2026-11-23"}, follow=True)
    assert "Elija un(a) ejecutivo(a) y un periodo" in response.text


def test_the_menu_shows_the_calendar(client, team):
    client.force_login(team[Role.TEAM_LEAD])
    assert reverse("visits:calendar") in client.get(reverse("visits:calendar")).text


@pytest.mark.django_db(transaction=True)
def test_two_planners_booking_one_analyst_at_once_get_one_visit(team, company):
    """The analyst's row lock makes the second booking wait for the first and
    see it (PostgreSQL; SQLite serialises writers anyway)."""
    import threading

    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip("row locks are a PostgreSQL matter")
    barrier = threading.Barrier(2)
    results = []

    def book(user, person):
        try:
            barrier.wait()
            services.visit_schedule(
                company=company,
                analyst=team[Role.TECHNICAL_ANALYST],
                starts_at=at(25, 10),
                ends_at=at(25, 12),
                person=person,
                location="L",
                user=user,
            )
            results.append("booked")
        except ValidationError:
            results.append("refused")
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=book, args=(team[Role.TEAM_LEAD], "A")),
        threading.Thread(target=book, args=(team[Role.TECHNICAL_MANAGER], "B")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == ["booked", "refused"]
    assert Visit.objects.count() == 1
