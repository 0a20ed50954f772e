"""The import in a real browser: the team lead uploads a file of companies,
reads the dry run's report, confirms, and sees the bar reach 100 % and the
import's result; the companies are then in the executive's portfolio.

The live server runs the jobs inline (Q_CLUSTER sync), so each phase has
ended by the time its page is drawn: the bar is seen at its end, not moving."""

import pytest

from posventa.accounts.roles import Role
from posventa.customers.models import Company
from posventa.factories import UserFactory
from posventa.imports.models import ImportRun, ImportStatus
from posventa.imports.tests.files import write_xlsx
from posventa.web.tests.browser import log_in, serious_violations

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),
]

HEADER = ["NIT", "Razón social", "Dirección", "Zona", "Ejecutiva"]


@pytest.fixture
def setting(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    executive = UserFactory(
        username="rmamani", role=Role.EXECUTIVE, first_name="Rocío", last_name="Mamani"
    )
    UserFactory(username="responsable", role=Role.TEAM_LEAD)
    path = write_xlsx(
        tmp_path / "empresas_marzo.xlsx",
        HEADER,
        [
            ["1020304015", "Hotel Muyurina S.R.L.", "Av. Ballivián 123", "Centro", "rmamani"],
            ["3012345012", "Transportes Illimani S.A.", "Calle Jordán 45", "Sur", "Rocío Mamani"],
            ["4055501019", "Sin Ejecutiva Ltda.", "Av. América 9", "Norte", "Nadie Nunca"],
        ],
    )
    return {"executive": executive, "file": path}


def test_the_team_lead_imports_companies_from_upload_to_result(page, setting):
    log_in(page, "responsable")
    page.get_by_role("link", name="Importaciones").click()
    page.wait_for_url("**/importaciones/")
    assert serious_violations(page) == []
    page.set_input_files("#id_file", str(setting["file"]))
    page.locator("#import-upload button[type=submit]").click()
    page.wait_for_url("**/importaciones/*/")
    run = ImportRun.objects.get()

    # The dry run's report: what would be created, the refused row first with its reason.
    assert run.status == ImportStatus.CHECKED
    counts = page.locator("#checked-counts")
    assert counts.locator('[data-count="created"] [data-value]').inner_text() == "2"
    assert counts.locator('[data-count="refused"] [data-value]').inner_text() == "1"
    first = page.locator("#run-notes tbody tr").first
    assert first.get_attribute("data-outcome") == "refused"
    assert "4055501019" in first.inner_text()
    assert page.locator("#report-link").is_visible()
    assert serious_violations(page) == []
    assert not Company.objects.exists()

    page.locator("#confirm-button").click()
    page.wait_for_url(f"**/importaciones/{run.pk}/")
    bar = page.locator("#run-progress")
    bar.wait_for()
    assert bar.get_attribute("data-run-status") == "done"
    assert bar.get_attribute("data-percent") == "100"
    assert page.locator("#run-progress .progress").get_attribute("aria-valuenow") == "100"
    assert "100 %" in bar.inner_text()
    assert "Importado" in page.locator("#run-status").inner_text()
    done = page.locator("#done-counts")
    assert done.locator('[data-count="created"] [data-value]').inner_text() == "2"
    assert done.locator('[data-count="refused"] [data-value]').inner_text() == "1"
    assert page.locator("#confirm-button").count() == 0
    assert serious_violations(page) == []

    companies = Company.objects.filter(executive=setting["executive"])
    assert sorted(companies.values_list("nit", flat=True)) == ["1020304015", "3012345012"]

    # The report downloads as a file.
    with page.expect_download() as download:
        page.locator("#report-link").click()
    assert download.value.suggested_filename.endswith(".xlsx")


def test_the_bar_follows_a_running_import_and_the_page_shows_its_end(page, setting):
    """A run the worker is writing: the bar moves as its rows are done, and
    the page is drawn again with the result once it ends."""
    from django.core.files.base import ContentFile
    from django.utils import timezone

    from posventa.imports.models import Entity

    run = ImportRun.objects.create(
        entity=Entity.COMPANIES,
        status=ImportStatus.IMPORTING,
        file=ContentFile(b"NIT\n1\n", name="grande.csv"),
        original_name="grande.csv",
        checksum="1" * 64,
        rows_total=2000,
        rows_done=500,
        checked_counts={"created": 2000, "updated": 0, "unchanged": 0, "refused": 0},
    )
    log_in(page, "responsable")
    page.goto(f"/importaciones/{run.pk}/")
    bar = page.locator("#run-progress .progress")
    assert bar.get_attribute("aria-valuenow") == "25"
    ImportRun.objects.filter(pk=run.pk).update(rows_done=1500)
    page.locator('#run-progress .progress[aria-valuenow="75"]').wait_for()
    ImportRun.objects.filter(pk=run.pk).update(
        status=ImportStatus.DONE, rows_done=2000, created=2000, finished_at=timezone.now()
    )
    page.locator('#run-status[data-run-status="done"]').wait_for()
    assert "Importado" in page.locator("#run-status").inner_text()
    page.locator("#done-counts").wait_for()
    assert page.locator("#run-progress").get_attribute("data-percent") == "100"
    assert page.locator("#run-progress").get_attribute("hx-get") is None  # polling stopped
