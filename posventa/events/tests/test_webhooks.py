"""Business events reach their subscribers signed, once, retried on their
schedule — against a real HTTP listener on 127.0.0.1 (tests/receiver.py)."""

import json
import threading
from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from posventa.accounts.roles import Role
from posventa.cases.services import case_cancel, case_open
from posventa.engine import runtime
from posventa.engine.models import HumanTask
from posventa.events import delivery as sender
from posventa.events.delivery import BACKOFF, MAX_ATTEMPTS, signature_verify
from posventa.events.jobs import deliver, deliver_pending
from posventa.events.models import Delivery, DeliveryStatus, Event, EventKind
from posventa.events.services import event_publish, query_matches, subscription_create
from posventa.events.tests.receiver import start
from posventa.factories import CompanyFactory, ProductFactory, UserFactory
from posventa.inventory.services import product_change_plan
from posventa.procedures.tests.fixtures import deploy_only
from posventa.workorders.models import FieldUnit, WorkOrderKind, WorkOrderState
from posventa.workorders.services import workorder_assign, workorder_close, workorder_create


@pytest.fixture
def procedures(db, media):
    """Only plan change (B): what these tests open."""
    yield deploy_only("b_plan_change.bpmn")
    runtime.specs.clear()


@pytest.fixture
def receiver(settings):
    settings.POSVENTA_WEBHOOK_ALLOW_PRIVATE = True  # the listener is on 127.0.0.1
    listener, server = start()
    yield listener
    server.shutdown()
    server.server_close()


@pytest.fixture
def executive(team):
    return team[Role.EXECUTIVE]


def subscribe(owner, url, query="", api="posventa"):
    return subscription_create(api=api, callback=url, query=query, owner=owner)


def open_plan_change(product, user):
    return case_open(
        company=product.company,
        procedure="B",
        channel="email",
        subject="Cambio de plan",
        product=product,
        user=user,
    )


def test_a_case_opened_reaches_the_listener_signed_with_its_number(
    procedures, customer_product, executive, receiver, django_capture_on_commit_callbacks
):
    subscription, secret = subscribe(executive, receiver.url, "eventType=case.created")
    with django_capture_on_commit_callbacks(execute=True):
        case = open_plan_change(customer_product, executive)

    assert len(receiver.requests) == 1  # the case's first task and state: not asked for
    got = receiver.requests[0]
    assert got.path == "/hooks/posventa"
    assert got.headers["Content-Type"] == "application/json"
    assert got.headers["X-Posventa-Event"] == "case.created"
    delivery = Delivery.objects.get(subscription=subscription)
    assert got.headers["X-Posventa-Delivery"] == str(delivery.pk)
    assert signature_verify(secret, got.headers["X-Posventa-Signature"], got.body)
    assert not signature_verify("whsec_other", got.headers["X-Posventa-Signature"], got.body)
    body = json.loads(got.body)
    assert body["kind"] == "case.created"
    assert body["data"]["case_number"] == case.number
    assert body["data"]["procedure"] == "B"
    assert body["id"] == str(Event.objects.get(kind="case.created", case=case).pk)
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (
        DeliveryStatus.DELIVERED,
        1,
        200,
    )
    assert bytes(delivery.body) == got.body


def test_the_case_s_steps_publish_their_task_and_its_cancellation_closes_it(
    procedures, customer_product, team, executive
):
    case = open_plan_change(customer_product, executive)
    task = HumanTask.objects.get(instance=case.instance)
    created = Event.objects.get(kind=EventKind.TASK_CREATED, case=case)
    assert created.data["task_name"] == task.name and created.data["role"] == task.role
    assert str(created.task_id) == str(task.task_id)

    case_cancel(case=case, user=team[Role.TEAM_LEAD], reason="Pedido por error.")
    changed = Event.objects.get(kind=EventKind.CASE_STATE_CHANGED, case=case)
    assert (changed.data["status_before"], changed.data["status_after"]) == ("open", "closed")
    closed = Event.objects.get(kind=EventKind.CASE_CLOSED, case=case)
    assert closed.data["outcome"] == "cancelled"


def test_a_change_rolled_back_leaves_no_event_and_sends_nothing(
    customer_product, executive, receiver, django_capture_on_commit_callbacks
):
    subscribe(executive, receiver.url)
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        event_publish(kind=EventKind.PRODUCT_CHANGED, product=customer_product, data={})
        raise RuntimeError("the change fails after publishing")
    assert not Event.objects.exists() and not Delivery.objects.exists()
    assert receiver.requests == []


def test_a_product_s_plan_change_and_a_work_order_closed_are_published(
    customer_product, internet_plans, team
):
    product_change_plan(product=customer_product, plan=internet_plans[1])
    event = Event.objects.get(kind=EventKind.PRODUCT_CHANGED, product=customer_product)
    assert event.data["change"] == "plan" and event.data["plan_id"] == internet_plans[1].pk

    manager = team[Role.TECHNICAL_MANAGER]
    order = workorder_create(
        kind=WorkOrderKind.INSTALLATION,
        company=customer_product.company,
        product=customer_product,
        user=manager,
    )
    workorder_assign(
        work_order=order,
        unit=FieldUnit.RESOURCES,
        technician="Téc. Juan Pérez",
        scheduled_at=timezone.now() + timedelta(days=1),
        user=manager,
    )
    workorder_close(
        work_order=order, state=WorkOrderState.CLOSED_RESOLVED, result="Instalado.", user=manager
    )
    closed = Event.objects.get(kind=EventKind.WORKORDER_CLOSED, work_order=order)
    assert closed.data["work_order_number"] == order.number
    assert closed.data["state"] == WorkOrderState.CLOSED_RESOLVED


def test_a_subscriber_receives_only_the_customers_it_may_see(
    customer_product, team, receiver, django_capture_on_commit_callbacks
):
    other = UserFactory(role=Role.EXECUTIVE, username="otra")
    theirs = ProductFactory(company=CompanyFactory(executive=other), plan=customer_product.plan)
    subscribe(team[Role.EXECUTIVE], receiver.url, "eventType=product.changed")
    with django_capture_on_commit_callbacks(execute=True):
        event_publish(kind=EventKind.PRODUCT_CHANGED, product=theirs, data={"change": "plan"})
        event_publish(
            kind=EventKind.PRODUCT_CHANGED, product=customer_product, data={"change": "plan"}
        )
    assert len(receiver.requests) == 1
    assert json.loads(receiver.requests[0].body)["data"] == {"change": "plan"}
    assert Delivery.objects.count() == 1


def test_the_filter_picks_event_types_and_attributes():
    body = {"kind": "case.state_changed", "data": {"status_after": "closed", "procedure": "E"}}
    assert query_matches("", body, kind="case.state_changed")
    assert query_matches("eventType=case.created,case.state_changed", body, kind=body["kind"])
    assert not query_matches("eventType=case.created", body, kind=body["kind"])
    assert query_matches("eventType=case.state_changed&status_after=closed", body, kind="x")
    assert query_matches("data.procedure=E", body)
    assert not query_matches("procedure=B", body)
    tmf = {"eventType": "TroubleTicketStateChangeEvent", "event": {"troubleTicket": {"id": "7"}}}
    assert query_matches("eventType=TroubleTicketStateChangeEvent&event.troubleTicket.id=7", tmf)
    assert not query_matches("eventType=TroubleTicketCreateEvent", tmf)


# --- retries ----------------------------------------------------------------------------


def test_a_listener_answering_500_gets_the_same_body_again_after_a_minute(
    customer_product, executive, receiver, django_capture_on_commit_callbacks
):
    receiver.answers = [500]
    _subscription, secret = subscribe(executive, receiver.url)
    with time_machine.travel(timezone.now(), tick=False) as clock:
        with django_capture_on_commit_callbacks(execute=True):
            event_publish(
                kind=EventKind.PRODUCT_CHANGED, product=customer_product, data={"change": "plan"}
            )
        delivery = Delivery.objects.get()
        assert (delivery.status, delivery.attempts, delivery.last_status_code) == (
            DeliveryStatus.PENDING,
            1,
            500,
        )
        assert "500" in delivery.last_error
        assert delivery.next_attempt_at == timezone.now() + BACKOFF[0]
        assert deliver_pending() == 0 and len(receiver.requests) == 1  # not due yet

        clock.shift(BACKOFF[0])
        assert deliver_pending() == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_error) == (
        DeliveryStatus.DELIVERED,
        2,
        "",
    )
    first, second = receiver.requests
    assert first.body == second.body == bytes(delivery.body)
    # Signed afresh: each attempt carries its own timestamp, and verifies then.
    t1 = first.headers["X-Posventa-Signature"]
    t2 = second.headers["X-Posventa-Signature"]
    assert t1 != t2
    assert int(t2.split(",")[0][2:]) - int(t1.split(",")[0][2:]) == 60
    assert signature_verify(secret, t2, second.body, now=int(t2.split(",")[0][2:]))
    assert deliver_pending() == 0 and len(receiver.requests) == 2  # sent once


def test_a_listener_that_keeps_failing_is_given_up_after_the_backoff(
    customer_product, executive, receiver, django_capture_on_commit_callbacks
):
    receiver.answers = [503] * 10
    subscribe(executive, receiver.url)
    with time_machine.travel(timezone.now(), tick=False) as clock:
        with django_capture_on_commit_callbacks(execute=True):
            event_publish(kind=EventKind.PRODUCT_CHANGED, product=customer_product, data={})
        waits = []
        for _attempt in range(MAX_ATTEMPTS - 1):
            delivery = Delivery.objects.get()
            waits.append(delivery.next_attempt_at - timezone.now())
            clock.shift(waits[-1])
            deliver_pending()
    delivery = Delivery.objects.get()
    assert waits == list(BACKOFF)  # 1 min, 5 min, 30 min, 2 h, 12 h
    assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == (
        DeliveryStatus.FAILED,
        MAX_ATTEMPTS,
        None,
    )
    assert len(receiver.requests) == MAX_ATTEMPTS


def test_a_redirect_is_not_followed(
    customer_product, executive, receiver, django_capture_on_commit_callbacks
):
    receiver.answers = [302]
    subscribe(executive, receiver.url)
    with django_capture_on_commit_callbacks(execute=True):
        event_publish(kind=EventKind.PRODUCT_CHANGED, product=customer_product, data={})
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.last_status_code) == (DeliveryStatus.PENDING, 302)
    assert [r.path for r in receiver.requests] == ["/hooks/posventa"]


# --- the signature ---------------------------------------------------------------------


def test_the_signature_refuses_a_replay_outside_the_window_and_a_changed_body():
    body = b'{"kind":"case.created"}'
    header = sender.signature_header("whsec_s", body, timestamp=1_800_000_000)
    assert signature_verify("whsec_s", header, body, now=1_800_000_000 + 299)
    assert not signature_verify("whsec_s", header, body, now=1_800_000_000 + 301)  # replayed
    assert not signature_verify("whsec_s", header, body, now=1_800_000_000 - 301)  # future
    assert signature_verify("whsec_s", header, body, now=1_800_000_000 + 3000, tolerance=3600)
    assert not signature_verify("whsec_s", header, body + b" ", now=1_800_000_000)
    assert not signature_verify("whsec_x", header, body, now=1_800_000_000)
    # The timestamp is signed: moving it to look fresh breaks the signature.
    moved = header.replace("t=1800000000", "t=1800000500")
    assert not signature_verify("whsec_s", moved, body, now=1_800_000_500)
    for broken in ("", "v1=abc", "t=x,v1=abc", "t=1800000000"):
        assert not signature_verify("whsec_s", broken, body, now=1_800_000_000)


# --- where a callback may point --------------------------------------------------------------


def test_a_name_that_now_resolves_to_a_private_address_is_not_sent_to(
    customer_product, executive, receiver, settings, django_capture_on_commit_callbacks
):
    subscribe(executive, receiver.url)  # allowed while the setting was on
    settings.POSVENTA_WEBHOOK_ALLOW_PRIVATE = False
    with django_capture_on_commit_callbacks(execute=True):
        event_publish(kind=EventKind.PRODUCT_CHANGED, product=customer_product, data={})
    delivery = Delivery.objects.get()
    assert receiver.requests == []
    assert delivery.status == DeliveryStatus.PENDING and delivery.attempts == 1
    assert "dirección de red privada" in delivery.last_error


# --- the admin ---------------------------------------------------------------------------------


def test_the_admin_retries_a_delivery_given_up_on(
    client, customer_product, executive, receiver, django_capture_on_commit_callbacks
):
    subscribe(executive, receiver.url)
    event_publish(kind=EventKind.PRODUCT_CHANGED, product=customer_product, data={})
    delivery = Delivery.objects.get()
    Delivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.FAILED, attempts=MAX_ATTEMPTS, next_attempt_at=None, last_error="x"
    )
    admin = UserFactory(username="admin", is_staff=True, is_superuser=True)
    client.force_login(admin)
    url = reverse("admin:events_delivery_changelist")
    page = client.get(url)
    assert page.status_code == 200
    assert "Reintentar ahora" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(
            url, {"action": "retry_now", "_selected_action": [delivery.pk]}, follow=True
        )
    assert answer.status_code == 200
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.DELIVERED, 1)
    assert len(receiver.requests) == 1


def test_the_admin_never_shows_a_subscription_s_secret(client, executive, receiver):
    subscription, secret = subscribe(executive, receiver.url)
    admin = UserFactory(username="admin", is_staff=True, is_superuser=True)
    client.force_login(admin)
    for url in (
        reverse("admin:events_subscription_changelist"),
        reverse("admin:events_subscription_change", args=[subscription.pk]),
    ):
        html = client.get(url).content.decode()
        assert receiver.url in html and secret not in html


def test_a_staff_member_who_may_only_look_is_not_offered_the_retry(client, db):
    staff = UserFactory(username="staff", is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_delivery"))
    client.force_login(staff)
    page = client.get(reverse("admin:events_delivery_changelist"))
    assert page.status_code == 200 and "Reintentar ahora" not in page.content.decode()
    assert client.get(reverse("admin:events_subscription_changelist")).status_code == 403


# --- two workers ---------------------------------------------------------------------------------


def test_a_claimed_delivery_is_not_claimed_again(customer_product, executive, settings):
    settings.POSVENTA_WEBHOOK_ALLOW_PRIVATE = True
    subscribe(executive, "http://127.0.0.1:9/never")
    event_publish(kind=EventKind.PRODUCT_CHANGED, product=customer_product, data={})
    delivery = Delivery.objects.get()
    assert sender._claim(delivery.pk) is not None
    assert sender._claim(delivery.pk) is None  # the other worker finds it taken
    # A worker that died mid-send leaves it `sending`: taken over after the lease.
    with time_machine.travel(timezone.now() + sender.SEND_LEASE + timedelta(seconds=1)):
        assert sender._claim(delivery.pk).attempts == 2


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks between connections: PostgreSQL"
)
@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_send_a_delivery_once(reference_data, receiver):
    executive = UserFactory(role=Role.EXECUTIVE, username="ejecutiva")
    product = ProductFactory(company=CompanyFactory(executive=executive))
    subscribe(executive, receiver.url)
    with transaction.atomic():
        event_publish(kind=EventKind.PRODUCT_CHANGED, product=product, data={})
    ids = list(Delivery.objects.values_list("pk", flat=True))
    # The job that follows the commit ran already (sync): make them due again, many times.
    receiver.delay = 0.05
    rounds = 5
    for _round in range(rounds):
        Delivery.objects.update(status=DeliveryStatus.PENDING, next_attempt_at=timezone.now())
        barrier = threading.Barrier(4)
        results = []

        def worker(barrier=barrier, results=results):
            try:
                barrier.wait()
                results.append(deliver(ids))
            finally:
                connection.close()

        threads = [threading.Thread(target=worker) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        assert sorted(results) == [0, 0, 0, 1]
    assert len(receiver.requests) == 1 + rounds


def test_a_product_ordering_listener_gets_the_tmf622_event_of_a_plan_change(
    procedures, customer_product, executive, receiver, django_capture_on_commit_callbacks
):
    _subscription, secret = subscribe(
        executive, receiver.url, "eventType=ProductOrderCreateEvent", api="productOrdering"
    )
    trouble_tickets, _ = subscribe(executive, receiver.url, api="troubleTicket")
    with django_capture_on_commit_callbacks(execute=True):
        case = open_plan_change(customer_product, executive)
    assert len(receiver.requests) == 1  # a plan change is no trouble ticket
    got = receiver.requests[0]
    assert signature_verify(secret, got.headers["X-Posventa-Signature"], got.body)
    body = json.loads(got.body)
    assert body["eventType"] == "ProductOrderCreateEvent"
    assert body["eventId"] == str(Event.objects.get(kind="case.created", case=case).pk)
    assert body["event"]["productOrder"]["id"]
    assert not Delivery.objects.filter(subscription=trouble_tickets).exists()
