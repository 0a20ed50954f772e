"""A backup holds the database and the documents; a restore puts back exactly
what was backed up, on SQLite and on PostgreSQL, and refuses — changing
nothing — a file that is not a sound backup of this installation."""

import hashlib
import io
import json
import tarfile
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import translation

from posventa.accounts.models import User
from posventa.accounts.roles import Role
from posventa.cases.models import Case, CaseDocument
from posventa.cases.services import case_open, document_add
from posventa.common.backup import (
    BackupError,
    backup_create,
    backup_restore,
    backups_list,
    backups_prune,
)
from posventa.common.jobs import backup_nightly
from posventa.engine import runtime
from posventa.factories import CompanyFactory, ProductFactory, UserFactory
from posventa.procedures.tests.fixtures import deploy_only

transactional = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def english():
    """The refusals are matched by their English text (the Spanish is in the
    catalogue, whose completeness web/tests/test_translations.py checks)."""
    with translation.override("en"):
        yield


def pdf(label: str) -> bytes:
    return (
        b"%PDF-1.4\n% " + label.encode() + b"\n1 0 obj << /Type /Catalog >> endobj\n"
        b"trailer << /Root 1 0 R >>\n%%EOF\n"
    )


def row_counts() -> dict[str, int]:
    with connection.cursor() as cursor:
        counts = {}
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")
            counts[table] = cursor.fetchone()[0]
    return counts


@pytest.fixture
def backup_dir(settings, tmp_path, media):
    settings.POSVENTA_BACKUP_DIR = tmp_path / "backups"
    return settings.POSVENTA_BACKUP_DIR


@pytest.fixture
def media_root(settings, media) -> Path:
    return Path(settings.MEDIA_ROOT)


@pytest.fixture
def cases(reference_data, backup_dir, team, internet_plans):
    """Three plan changes with their documents: a received letter each, and a
    generated order request on one."""
    deploy_only("b_plan_change.bpmn")
    company = CompanyFactory(executive=team[Role.EXECUTIVE])
    opened = []
    for n in range(3):
        case = case_open(
            company=company,
            procedure="B",
            channel="email",
            subject=f"Cambio de plan {n}",
            product=ProductFactory(company=company, plan=internet_plans[0]),
            user=team[Role.EXECUTIVE],
            documents=[("request_letter", SimpleUploadedFile(f"carta-{n}.pdf", pdf(f"carta {n}")))],
        )
        opened.append(case)
    document_add(
        case=opened[0],
        kind="order_request",
        file=ContentFile(pdf("pedido") * 300, name="solicitud-de-pedido.pdf"),
        generated=True,
    )
    yield opened
    runtime.specs.clear()


def document_bytes() -> dict[str, bytes]:
    return {
        document.file.name: Path(document.file.path).read_bytes()
        for document in CaseDocument.objects.exclude(file="")
    }


# --- the round trip -----------------------------------------------------------


@transactional
def test_a_restore_puts_back_every_row_and_every_document_byte_for_byte(cases, media_root):
    before = row_counts()
    documents = document_bytes()
    assert len(documents) == 4 and before["cases_casedocument"] == 4

    path = backup_create()

    # Afterwards: rows deleted and added, a document overwritten, one deleted,
    # a new file.
    letter, order = (
        CaseDocument.objects.get(case=cases[1]),
        CaseDocument.objects.get(kind="order_request"),
    )
    Path(letter.file.path).write_bytes(b"otra cosa")
    Path(order.file.path).unlink()
    CaseDocument.objects.filter(case=cases[2]).delete()
    UserFactory(username="llego_despues")
    (media_root / "cases" / "nuevo.pdf").write_bytes(pdf("nuevo"))
    assert row_counts() != before

    report = backup_restore(path=path)

    assert row_counts() == before == report.manifest["tables"]
    assert report.count_mismatches == {}
    assert document_bytes() == documents
    on_disk = {p.relative_to(media_root).as_posix() for p in media_root.rglob("*") if p.is_file()}
    assert on_disk == {name.removeprefix("media/") for name in report.manifest["media"]["files"]}
    assert not (media_root / "cases" / "nuevo.pdf").exists()
    assert not User.objects.filter(username="llego_despues").exists()
    assert [p.name for p in media_root.parent.iterdir() if "restore" in p.name] == []
    # The restored database works as before: the case opens its documents.
    assert Case.objects.get(pk=cases[2].pk).documents.count() == 1


@transactional
def test_a_backup_records_the_vendor_the_migrations_and_each_files_checksum(cases):
    path = backup_create()
    assert [backup.path for backup in backups_list()] == [path]
    with tarfile.open(path) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))
        names = tar.getnames()
    assert manifest["vendor"] == connection.vendor
    assert manifest["migrations"]["cases"].startswith("00")
    assert manifest["tables"]["cases_case"] == 3
    assert manifest["media"]["count"] == 4 == len(manifest["media"]["files"])
    assert set(names) == {"manifest.json", manifest["database"]["member"]} | set(
        manifest["media"]["files"]
    )
    assert not [p for p in path.parent.iterdir() if p.name.startswith(".")]
    assert (path.stat().st_mode & 0o777, path.parent.stat().st_mode & 0o777) == (0o600, 0o700)


# --- refusals: nothing changed ------------------------------------------------


def rewritten(path: Path, *, manifest=None, rename=None, replace=None, extra=None) -> Path:
    """A copy of a backup with its manifest edited, members renamed or their
    content replaced, or extra members (TarInfo, bytes) appended."""
    target = path.with_name("other.tar")
    with tarfile.open(path) as source, tarfile.open(target, "w") as out:
        for member in source.getmembers():
            data = (replace or {}).get(member.name) or source.extractfile(member).read()
            if member.name == "manifest.json" and manifest:
                loaded = json.loads(data)
                manifest(loaded)
                data = json.dumps(loaded).encode()
            copy = tarfile.TarInfo((rename or {}).get(member.name, member.name))
            copy.size = len(data)
            out.addfile(copy, io.BytesIO(data))
        for info, data in extra or []:
            info.size = len(data)
            out.addfile(info, io.BytesIO(data))
    return target


@pytest.fixture
def backed_up(reference_data, backup_dir, media_root):
    """A backup of one user and one document file; then the user is renamed and
    the file changed, so that a restore that ran would show."""
    UserFactory(username="antes")
    (media_root / "cases").mkdir(parents=True)
    (media_root / "cases" / "carta.pdf").write_bytes(pdf("carta"))
    path = backup_create()
    User.objects.filter(username="antes").update(username="despues")
    (media_root / "cases" / "carta.pdf").write_bytes(b"cambiado")
    return path


def assert_nothing_changed(media_root: Path):
    assert User.objects.filter(username="despues").exists()
    assert not User.objects.filter(username="antes").exists()
    assert (media_root / "cases" / "carta.pdf").read_bytes() == b"cambiado"
    assert [p.name for p in media_root.parent.iterdir() if "restore" in p.name] == []


OTHER = {"sqlite": "postgresql", "postgresql": "sqlite"}
MEMBER = {"sqlite": "database.sqlite3", "postgresql": "database.dump"}


@transactional
def test_a_backup_of_the_other_database_vendor_is_refused(backed_up, media_root):
    other = OTHER[connection.vendor]

    def switch(manifest):
        manifest["vendor"] = other
        manifest["database"]["member"] = MEMBER[other]

    foreign = rewritten(
        backed_up, manifest=switch, rename={MEMBER[connection.vendor]: MEMBER[other]}
    )
    with pytest.raises(BackupError, match="SQLite") as refusal:
        backup_restore(path=foreign)
    assert "PostgreSQL" in str(refusal.value)
    assert_nothing_changed(media_root)


@transactional
def test_a_backup_from_newer_code_is_refused(backed_up, media_root):
    def future(manifest):
        manifest["migrations"]["cases"] = "9999_from_the_future"

    with pytest.raises(BackupError, match="9999_from_the_future"):
        backup_restore(path=rewritten(backed_up, manifest=future))
    assert_nothing_changed(media_root)


def symlink(name: str, target: str) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type, info.linkname = tarfile.SYMTYPE, target
    return info


@transactional
@pytest.mark.parametrize(
    "member",
    [
        tarfile.TarInfo("media/../../evil.txt"),
        tarfile.TarInfo("../evil.txt"),
        tarfile.TarInfo("/tmp/posventa-backup-evil.txt"),
        tarfile.TarInfo("settings.py"),
        symlink("media/passwd", "/etc/passwd"),
    ],
    ids=["dotdot-in-media", "dotdot", "absolute", "foreign-name", "symlink"],
)
def test_a_tampered_backup_is_refused_and_nothing_is_written(backed_up, media_root, member):
    tampered = rewritten(backed_up, extra=[(member, b"owned")])
    with pytest.raises(BackupError, match="unexpected or unsafe entry"):
        backup_restore(path=tampered)
    assert_nothing_changed(media_root)
    assert not (media_root.parent.parent / "evil.txt").exists()
    assert not (media_root.parent / "evil.txt").exists()
    assert not Path("/tmp/posventa-backup-evil.txt").exists()


@transactional
def test_a_document_that_does_not_match_its_checksum_is_refused(backed_up, media_root):
    target = backed_up.with_name("damaged.tar")
    with tarfile.open(backed_up) as source, tarfile.open(target, "w") as out:
        for member in source.getmembers():
            data = source.extractfile(member).read()
            if member.name == "media/cases/carta.pdf":
                data = data.replace(b"carta", b"CARTA")
            out.addfile(member, io.BytesIO(data))
    with pytest.raises(BackupError, match="checksum"):
        backup_restore(path=target)
    assert_nothing_changed(media_root)


def test_a_tar_that_is_not_a_backup_is_refused(tmp_path):
    plain = tmp_path / "posventa-20260101-000000.tar"
    with tarfile.open(plain, "w") as tar:
        letter = tarfile.TarInfo("media/carta.pdf")
        letter.size = 4
        tar.addfile(letter, io.BytesIO(b"%PDF"))
    with pytest.raises(BackupError, match="no manifest"):
        backup_restore(path=plain)
    (tmp_path / "notatar.tar").write_bytes(b"hola" * 200)
    with pytest.raises(BackupError, match="not a backup file"):
        backup_restore(path=tmp_path / "notatar.tar")


@transactional
def test_a_database_that_cannot_be_restored_leaves_the_old_database_and_files(
    backed_up, media_root
):
    member = MEMBER[connection.vendor]
    garbage = b"no es una base de datos " * 100
    digest = hashlib.sha256(garbage).hexdigest()

    def matching(manifest):
        manifest["database"]["sha256"] = digest

    target = rewritten(backed_up, manifest=matching, replace={member: garbage})
    with pytest.raises(BackupError, match="could not be restored"):
        backup_restore(path=target)
    assert_nothing_changed(media_root)


# --- the commands -------------------------------------------------------------


@transactional
def test_the_restore_command_refuses_without_yes_and_restores_with_it(backed_up, media_root):
    with pytest.raises(CommandError, match="--yes"):
        call_command("restore", str(backed_up))
    assert_nothing_changed(media_root)

    out = io.StringIO()
    call_command("restore", str(backed_up), "--yes", stdout=out)
    # Its summary of the backup, then the line saying it was restored.
    assert out.getvalue().count(backed_up.name) == 2
    assert User.objects.filter(username="antes").exists()
    assert (media_root / "cases" / "carta.pdf").read_bytes() == pdf("carta")


@transactional
def test_the_backup_command_prints_the_file_and_its_size(reference_data, media, tmp_path):
    out = io.StringIO()
    call_command("backup", "--dir", str(tmp_path / "elsewhere"), stdout=out)
    [written] = backups_list(directory=tmp_path / "elsewhere")
    assert out.getvalue().startswith(f"{written.path} {written.size} bytes")


# --- keeping the last N -------------------------------------------------------


def test_prune_keeps_the_newest_n_and_touches_nothing_else(tmp_path):
    names = [f"posventa-2026120{day}-020000.tar" for day in range(1, 6)]
    others = ["notas.txt", "posventa-ultima.tar", ".posventa-backup-x", "posventa-20261201.tar"]
    for name in names + others:
        (tmp_path / name).write_bytes(b"x")
    removed = backups_prune(keep=2, directory=tmp_path)
    assert sorted(p.name for p in removed) == names[:3]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(names[3:] + others)
    assert [b.path.name for b in backups_list(directory=tmp_path)] == names[:2:-1]
    with pytest.raises(BackupError):
        backups_prune(keep=0, directory=tmp_path)


@transactional
def test_the_nightly_job_backs_up_then_keeps_the_newest(reference_data, backup_dir, settings):
    settings.POSVENTA_BACKUP_KEEP = 2
    backup_dir.mkdir(parents=True)
    for day in (1, 2):
        (backup_dir / f"posventa-2026010{day}-020000.tar").write_bytes(b"old")
    name = backup_nightly()
    assert sorted(p.name for p in backup_dir.iterdir()) == ["posventa-20260102-020000.tar", name]
    assert (backup_dir / name).stat().st_size > 0
