"""The proformas produced: listed per month and customer, a page at a time,
only those of the user's portfolio; downloaded as a PDF through the secure
download helper, another portfolio's answering as missing; and the run's row
that, once the run ends, stops polling and says what it made."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from posventa.accounts.roles import Role
from posventa.collections.models import Proforma, ProformaRun, RunStatus
from posventa.collections.services import (
    proforma_run_execute,
    proforma_run_start,
    proformas_for_company,
)
from posventa.collections.views import PAGE_SIZE
from posventa.factories import CompanyFactory, ContactFactory, ProductFactory, UserFactory

LIST = reverse("collections:proforma_list")


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(datetime(2026, 3, 2, 10, tzinfo=ZoneInfo("America/La_Paz"))):
        yield


@pytest.fixture
def produced(team, customer_product, media):
    """March and February proformas of the executive's customer (by e-mail),
    and March's of another executive's customer (on paper)."""
    mine = customer_product.company
    ContactFactory(company=mine, is_primary=True, email="pagos@cliente.bo")
    other_executive = UserFactory(username="otra", role=Role.EXECUTIVE)
    theirs = CompanyFactory(executive=other_executive, legal_name="Ajena S.A.")
    ProductFactory(company=theirs, plan=customer_product.plan, service_number="INT-9999")
    proformas_for_company(company=mine, period=date(2026, 2, 1))
    proformas_for_company(company=mine, period=date(2026, 3, 1))
    proformas_for_company(company=theirs, period=date(2026, 3, 1))
    return {"mine": mine, "theirs": theirs, "other_executive": other_executive}


def listed(response) -> list[tuple[str, str]]:
    return [
        (p.sending.company.legal_name, f"{p.sending.period:%Y-%m}")
        for p in response.context["page"].object_list
    ]


def test_an_executive_lists_only_her_portfolios_proformas_per_month(client, team, produced):
    client.force_login(team[Role.EXECUTIVE])
    name = produced["mine"].legal_name
    response = client.get(LIST)
    assert response.status_code == 200
    assert listed(response) == [(name, "2026-03"), (name, "2026-02")]
    assert "Ajena" not in response.content.decode()
    assert listed(client.get(LIST, {"month": "2026-02"})) == [(name, "2026-02")]
    # Her months only in the filter.
    assert [v for v, _ in response.context["form"].fields["month"].choices] == [
        "",
        "2026-03",
        "2026-02",
    ]


def test_the_team_lead_sees_every_portfolio_and_filters_by_customer(client, team, produced):
    client.force_login(team[Role.TEAM_LEAD])
    assert len(listed(client.get(LIST, {"month": "2026-03"}))) == 2
    assert listed(client.get(LIST, {"q": "Ajena"})) == [("Ajena S.A.", "2026-03")]
    assert listed(client.get(LIST, {"q": produced["theirs"].nit})) == [("Ajena S.A.", "2026-03")]
    assert listed(client.get(LIST, {"company": produced["mine"].pk, "month": "2026-03"})) == [
        (produced["mine"].legal_name, "2026-03")
    ]


@pytest.mark.parametrize(
    "query",
    [
        {"month": "2026-13"},
        {"month": "x" * 500},
        {"page": "²"},
        {"page": "-1"},
        {"company": "99999999999999999999999"},
        {"q": "x" * 101},
    ],
)
def test_a_filter_that_makes_no_sense_is_told_and_left_out(client, team, produced, query):
    client.force_login(team[Role.TEAM_LEAD])
    response = client.get(LIST, query)
    assert response.status_code == 200
    assert "data-filter-errors" in response.content.decode()
    assert len(listed(response)) == 3


def test_the_list_is_paginated(client, team, customer_product, media):
    for number in range(PAGE_SIZE + 1):
        ProductFactory(company=customer_product.company, service_number=f"INT-{number:04}")
    proformas_for_company(company=customer_product.company, period=date(2026, 3, 1))
    client.force_login(team[Role.EXECUTIVE])
    first = client.get(LIST)
    assert len(listed(first)) == PAGE_SIZE
    assert first.context["page"].paginator.count == PAGE_SIZE + 2
    assert len(listed(client.get(LIST, {"page": 2}))) == 2


def test_a_role_without_collections_cannot_list_or_download(client, team, produced):
    client.force_login(team[Role.TECHNICAL_ANALYST])
    assert client.get(LIST).status_code == 403
    proforma = Proforma.objects.first()
    url = reverse("collections:proforma_download", args=[proforma.pk])
    assert client.get(url).status_code == 403


def test_a_proforma_downloads_as_a_pdf_and_another_portfolios_answers_as_missing(
    client, team, produced
):
    client.force_login(team[Role.EXECUTIVE])
    mine = Proforma.objects.filter(sending__company=produced["mine"]).first()
    response = client.get(reverse("collections:proforma_download", args=[mine.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f'attachment; filename="proforma-{mine.product.service_number}-'
        f'{mine.sending.period:%Y-%m}.pdf"'
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    theirs = Proforma.objects.get(sending__company=produced["theirs"])
    assert client.get(reverse("collections:proforma_download", args=[theirs.pk])).status_code == 404
    assert client.get("/cobranza/proformas/archivo/999999/").status_code == 404


def test_a_proforma_whose_file_is_gone_answers_as_missing(client, team, produced):
    client.force_login(team[Role.EXECUTIVE])
    proforma = Proforma.objects.filter(sending__company=produced["mine"]).first()
    proforma.file.delete(save=False)
    response = client.get(reverse("collections:proforma_download", args=[proforma.pk]))
    assert response.status_code == 404


def test_a_finished_run_stops_polling_and_says_what_it_made(client, team, customer_product, media):
    ContactFactory(company=customer_product.company, is_primary=True, email="pagos@cliente.bo")
    silent = CompanyFactory(executive=team[Role.EXECUTIVE])  # no e-mail: on paper
    ProductFactory(company=silent, plan=customer_product.plan)
    run = proforma_run_start(period=date(2026, 3, 2), user=team[Role.TEAM_LEAD])
    client.force_login(team[Role.TEAM_LEAD])
    progress = reverse("collections:progress", args=[run.pk])
    running = client.get(progress).content.decode()
    assert 'hx-trigger="every 1s"' in running
    assert "Se están produciendo las proformas del mes" in running
    run = proforma_run_execute(run=run)
    assert run.status == RunStatus.DONE
    done = client.get(progress).content.decode()
    assert "hx-trigger" not in done  # the polling stops with this row
    assert "Se están produciendo" not in done
    assert "Terminado: 2 proformas, 1 enviadas por correo." in done
    assert "1 cliente las recibe en papel" in done
    assert f"{LIST}?month=2026-03" in done
    page = client.get(reverse("collections:proformas")).content.decode()
    assert "Terminado: 2 proformas" in page and "Se están produciendo" not in page
    # A second run of the month makes nothing, and says why.
    again = proforma_run_execute(run=proforma_run_start(period=date(2026, 3, 2)))
    text = client.get(reverse("collections:progress", args=[again.pk])).content.decode()
    assert "Terminado: 0 proformas" in text and "ya existían" in text
    assert ProformaRun.objects.count() == 2
