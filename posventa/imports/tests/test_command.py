"""manage.py import_data: the dry run and the import in this process."""

from io import StringIO

import pytest
from auditlog.models import LogEntry
from django.core.management import CommandError, call_command

from posventa.customers.models import Company
from posventa.imports.models import ImportRun, ImportSource, ImportStatus
from posventa.imports.tests.files import import_media, write_csv, write_xlsx  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("import_media")]

HEADER = ["NIT", "Razón social", "Dirección", "Ejecutiva"]
GOOD = [["1020304050", "ACME S.R.L.", "Av. Ballivián 1", "ejecutiva"]]
BAD = [["12", "Mala", "Av. 1", "ejecutiva"]]


def run_command(*args) -> tuple[int, str, str]:
    out, err = StringIO(), StringIO()
    try:
        call_command("import_data", *map(str, args), stdout=out, stderr=err)
        code = 0
    except SystemExit as exit_:
        code = exit_.code
    return code, out.getvalue(), err.getvalue()


def test_the_command_imports_a_file_and_says_the_counts_and_the_report(
    tmp_path, executive, team_lead
):
    path = write_xlsx(tmp_path / "empresas.xlsx", HEADER, GOOD)

    code, out, err = run_command(path, "--user", "responsable")

    assert code == 0
    assert Company.objects.get().nit == "1020304050"
    run = ImportRun.objects.get()
    assert (run.source, run.status, run.confirmed_by) == (
        ImportSource.COMMAND,
        ImportStatus.DONE,
        team_lead,
    )
    assert run.report.path in out
    assert "1 / 1" in err  # the progress
    assert LogEntry.objects.get_for_object(Company.objects.get()).get().actor == team_lead


def test_the_dry_run_writes_nothing_and_a_refused_row_is_exit_status_1(tmp_path, executive):
    path = write_csv(tmp_path / "empresas.csv", HEADER, GOOD + BAD)

    code, out, _err = run_command(path, "--dry-run", "--entity", "companies")

    assert code == 1
    assert not Company.objects.exists()
    run = ImportRun.objects.get()
    assert run.status == ImportStatus.CHECKED
    assert run.checked_counts == {"created": 1, "updated": 0, "unchanged": 0, "refused": 1}
    assert run.report.path in out


def test_the_command_refuses_what_cannot_be_loaded(tmp_path):
    with pytest.raises(CommandError):
        call_command("import_data", str(tmp_path / "no-existe.csv"))
    bad = tmp_path / "datos.csv"
    bad.write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    with pytest.raises(CommandError):
        call_command("import_data", str(bad))
    path = write_csv(tmp_path / "empresas.csv", HEADER, GOOD)
    with pytest.raises(CommandError):
        call_command("import_data", str(path), "--user", "nadie")
    assert not ImportRun.objects.exists()


def test_a_file_with_unmapped_required_columns_waits_for_its_mapping(tmp_path):
    path = write_csv(
        tmp_path / "empresas.csv", ["Cód.", "Razón social", "Dirección", "Ejecutiva"], GOOD
    )

    code, _out, err = run_command(path, "--entity", "companies")

    assert code == 1
    assert "Cód." in err
    assert ImportRun.objects.get().status == ImportStatus.MAPPING
