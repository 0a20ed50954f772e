"""No existence oracle on the web: another executive's company, case, step,
complaint, work order, visit, campaign… answers exactly as one that does not
exist — the same status, the same page — so an id typed in the address bar
tells nothing about the rest of the team's work."""

import uuid
from types import SimpleNamespace

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from posventa.web.tests.hostile import same_page

FAR_ID = 2**40  # a valid id no row has

MISSING = {
    "company": SimpleNamespace(pk=FAR_ID),
    "product": SimpleNamespace(pk=FAR_ID),
    "case": SimpleNamespace(number="PV-2099-999999"),
    "document": SimpleNamespace(pk=FAR_ID),
    "task": SimpleNamespace(task_id=uuid.UUID("0f0f0f0f-0000-4000-8000-000000000000")),
    "alert": SimpleNamespace(pk=FAR_ID),
    "complaint": SimpleNamespace(pk=FAR_ID),
    "work_order": SimpleNamespace(number="OT-2099-999999"),
    "visit": SimpleNamespace(pk=FAR_ID),
    "campaign": SimpleNamespace(pk=FAR_ID),
    "campaign_item": SimpleNamespace(pk=FAR_ID),
    "review_item": SimpleNamespace(pk=FAR_ID),
    "executive": SimpleNamespace(pk=FAR_ID),
}

# (what, method, address of the object `o` — `mine` is the asker's own
# portfolio, for an object reached through one of hers —, body)
KINDS = [
    (
        "company page",
        "get",
        lambda o, mine: reverse("customers:detail", args=[o["company"].pk]),
        None,
    ),
    (
        "interaction on a company",
        "post",
        lambda o, mine: reverse("customers:interaction_add", args=[o["company"].pk]),
        {"channel": "phone", "direction": "outbound", "summary": "Llamada"},
    ),
    ("new case form", "get", lambda o, mine: reverse("cases:new", args=[o["company"].pk]), None),
    (
        "new case",
        "post",
        lambda o, mine: reverse("cases:new", args=[o["company"].pk]),
        {"procedure": "B", "channel": "email", "subject": "x"},
    ),
    (
        "product chosen for a new case",
        "post",
        lambda o, mine: reverse("cases:new", args=[mine["company"].pk]),
        lambda o: {
            "procedure": "B",
            "channel": "email",
            "subject": "x",
            "product": o["product"].pk,
        },
    ),
    ("case page", "get", lambda o, mine: reverse("cases:detail", args=[o["case"].number]), None),
    (
        "case document",
        "get",
        lambda o, mine: reverse("cases:document", args=[o["case"].number, o["document"].pk]),
        None,
    ),
    (
        "another case's document through my case",
        "get",
        lambda o, mine: reverse("cases:document", args=[mine["case"].number, o["document"].pk]),
        None,
    ),
    ("step page", "get", lambda o, mine: reverse("cases:task", args=[o["task"].task_id]), None),
    (
        "step completed",
        "post",
        lambda o, mine: reverse("cases:task", args=[o["task"].task_id]),
        {"new_plan": "1"},
    ),
    (
        "step taken",
        "post",
        lambda o, mine: reverse("cases:task_claim", args=[o["task"].task_id]),
        {},
    ),
    (
        "step released",
        "post",
        lambda o, mine: reverse("cases:task_release", args=[o["task"].task_id]),
        {},
    ),
    ("alert read", "post", lambda o, mine: reverse("cases:alert_read", args=[o["alert"].pk]), {}),
    (
        "inbox filtered by company",
        "get",
        lambda o, mine: f"{reverse('cases:inbox')}?company={o['company'].pk}",
        None,
    ),
    (
        "complaint page",
        "get",
        lambda o, mine: reverse("claims:detail", args=[o["complaint"].pk]),
        None,
    ),
    (
        "complaint answer",
        "post",
        lambda o, mine: reverse("claims:answer", args=[o["complaint"].pk]),
        {"state": "assigned"},
    ),
    (
        "work order page",
        "get",
        lambda o, mine: reverse("workorders:detail", args=[o["work_order"].number]),
        None,
    ),
    (
        "work order closed",
        "post",
        lambda o, mine: reverse("workorders:close", args=[o["work_order"].number]),
        {"state": "closed_resolved", "result": "x"},
    ),
    (
        "visit moved",
        "post",
        lambda o, mine: reverse("visits:move", args=[o["visit"].pk]),
        {"starts_at": "2026-11-27T16:00"},
    ),
    (
        "visit cancelled",
        "post",
        lambda o, mine: reverse("visits:cancel", args=[o["visit"].pk]),
        {"reason": "x"},
    ),
    (
        "visit's engineering service",
        "post",
        lambda o, mine: reverse("visits:engineering_service", args=[o["visit"].pk]),
        {"work_done": "x"},
    ),
    (
        "visit's quality call",
        "post",
        lambda o, mine: reverse("visits:quality_call", args=[o["visit"].pk]),
        {"result": "good"},
    ),
    (
        "Annex 1 of an executive",
        "get",
        lambda o, mine: (
            f"{reverse('visits:schedule_form')}?executive={o['executive'].pk}"
            "&start=2026-11-23&end=2026-11-29"
        ),
        None,
    ),
    (
        "campaign page",
        "get",
        lambda o, mine: reverse("campaigns:detail", args=[o["campaign"].pk]),
        None,
    ),
    (
        "campaign call",
        "post",
        lambda o, mine: reverse("campaigns:call", args=[o["campaign_item"].pk]),
        {},
    ),
    (
        "review started",
        "post",
        lambda o, mine: reverse("reviews:start", args=[o["review_item"].pk]),
        {},
    ),
    (
        "debtor called",
        "post",
        lambda o, mine: reverse("collections:call", args=[o["company"].pk]),
        {},
    ),
]


@pytest.mark.parametrize(("what", "method", "address", "body"), KINDS, ids=[k[0] for k in KINDS])
def test_another_portfolios_object_answers_as_a_missing_one(
    client, settings, world, what, method, address, body
):
    settings.DEBUG = False  # the pages a person sees, not Django's debugging pages
    mine = world["mine"]
    client.force_login(mine["executive"])
    answers = []
    with time_machine.travel(timezone.now(), tick=False):  # the same clocks on both pages
        for target in (world["theirs"], MISSING):
            data = body(target) if callable(body) else (body or {})
            response = getattr(client, method)(address(target, mine), data, follow=True)
            answers.append(
                (
                    response.status_code,
                    [url for url, _status in response.redirect_chain],
                    response.content.decode(errors="replace"),
                )
            )
    (foreign_status, foreign_chain, foreign_page), (missing_status, missing_chain, missing_page) = (
        answers
    )
    assert foreign_status == missing_status, what
    assert foreign_chain == missing_chain, what
    assert same_page(foreign_page, missing_page), what
    assert foreign_status < 500


def test_the_objects_of_the_asker_are_found(client, world):
    """The comparison above means something: the asker's own objects are
    there to be found (so a 404 for the others is the scoping, not a broken
    address)."""
    mine = world["mine"]
    client.force_login(mine["executive"])
    for url in (
        reverse("customers:detail", args=[mine["company"].pk]),
        reverse("cases:detail", args=[mine["case"].number]),
        reverse("cases:task", args=[mine["task"].task_id]),
        reverse("claims:detail", args=[mine["complaint"].pk]),
        reverse("campaigns:detail", args=[mine["campaign"].pk]),
    ):
        assert client.get(url).status_code == 200, url
    theirs = world["theirs"]
    assert client.get(reverse("customers:detail", args=[theirs["company"].pk])).status_code == 404
