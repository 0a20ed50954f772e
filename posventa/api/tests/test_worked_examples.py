"""The worked examples of docs/api.md run, as a reader would run them,
against a live server: they cannot rot without this failing."""

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from posventa.accounts.roles import Role
from posventa.api.services import token_create
from posventa.cases.models import Case, CaseStatus
from posventa.engine import services as engine
from posventa.engine.models import HumanTask
from posventa.events.models import Subscription

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("reference_data")]

EXAMPLES = Path(__file__).resolve().parents[3] / "docs" / "examples"
PDF = b"%PDF-1.4\n% carta\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def run(script: str, *args: str, env: dict, cwd: Path, timeout: int = 120):
    return subprocess.run(
        [sys.executable, str(EXAMPLES / script), *args],
        env={**os.environ, **env},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_the_plan_change_script_drives_procedure_b_to_its_end(
    live_server, procedures, team, customer_product, tmp_path
):
    letter = tmp_path / "carta.pdf"
    letter.write_bytes(PDF)
    tokens = {
        "EXECUTIVE_TOKEN": token_create(user=team[Role.EXECUTIVE], name="script")[1],
        "COMMERCIAL_MANAGER_TOKEN": token_create(user=team[Role.COMMERCIAL_MANAGER], name="script")[
            1
        ],
    }
    done = run(
        "plan_change.py",
        customer_product.company.nit,
        str(customer_product.pk),
        str(letter),
        env={"POSVENTA_URL": live_server.url, **tokens},
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    case = Case.objects.get()
    assert case.status == CaseStatus.CLOSED and case.outcome == "fulfilled"
    customer_product.refresh_from_db()
    assert customer_product.plan.code != "INT-10"
    assert f"Caso {case.number}: closed, fulfilled" in done.stdout
    # The signed letter is kept with the case; the order request came back as a PDF.
    assert case.documents.filter(generated=False).exists()
    saved = [p for p in tmp_path.iterdir() if p.suffix == ".pdf" and p != letter]
    assert saved and all(p.read_bytes().startswith(b"%PDF") for p in saved)


def test_the_oss_script_opens_a_ticket_and_receives_its_signed_events(
    live_server, procedures, team, customer_product, tmp_path, settings
):
    # The receiver runs on this machine: the SSRF rule must let loopback through.
    settings.POSVENTA_WEBHOOK_ALLOW_PRIVATE = True
    with socket.socket() as probe:  # a free port for the script's receiver
        probe.bind(("127.0.0.1", 0))
        listen = f"127.0.0.1:{probe.getsockname()[1]}"
    script = subprocess.Popen(
        [
            sys.executable,
            str(EXAMPLES / "oss_trouble_tickets.py"),
            customer_product.company.nit,
            customer_product.service_number,
            "Sin servicio desde ayer en la sucursal central",
        ],
        env={
            **os.environ,
            "POSVENTA_URL": live_server.url,
            "PYTHONUNBUFFERED": "1",
            "OSS_TOKEN": token_create(user=team[Role.TEAM_LEAD], name="oss")[1],
            "LISTEN": listen,
            "CALLBACK": f"http://{listen}/events",
            "WAIT": "60",
            # Created; its first step ready; after that step, the next one ready.
            "EVENTS": "3",
        },
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        # The ticket is a damage case; once the script has it, the executive
        # takes its first step and the ticket moves on: the script hears that
        # too. (The script's output, not the database, says when: on SQLite
        # the live server's thread shares the test's connection.)
        lines = []
        while not any(line.startswith("Ticket ") for line in lines):
            line = script.stdout.readline()
            assert line, "".join(lines)
            lines.append(line)
        case = Case.objects.get()
        assert case.procedure == "E" and case.product == customer_product
        [task] = HumanTask.objects.filter(instance_id=case.instance_id)
        engine.task_complete(
            task_id=task.task_id,
            user=team[Role.EXECUTIVE],
            data={"damaged_service": "internet", "cause": "no_service", "problem": "No navega."},
        )
        output = "".join(lines) + script.stdout.read()  # to its end (WAIT bounds it)
        script.wait(timeout=30)
    finally:
        script.kill()
    assert script.returncode == 0, output
    assert f"TroubleTicketCreateEvent: {case.number} acknowledged" in output
    # The first step moves the ticket on (a step of the technical manager is
    # ready): the event carries the ticket's new status.
    assert f"TroubleTicketAttributeValueChangeEvent: {case.number} inProgress" in output
    # The listener is gone when the script ends.
    assert not Subscription.objects.filter(active=True).exists()
