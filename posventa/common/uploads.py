"""What the team may upload, judged by what the file is, and the name it is kept under.

Every upload goes through `accept_upload`: the intake's documents and each
requirement's attachment (through `UploadField` / `MultipleUploadField`), the
admin's file fields (the same field, by `formfield_overrides`), and the
`cases.services.document_add` service for any caller that skips a form.

The kind is judged by the content — magic bytes read by `filetype`, and for a
zip the parts that make it an Office document — never by the name nor by the
content type the browser sent, both of which the sender chooses. An HTML page
renamed `carta.pdf` is refused; a real PDF named `carta.exe` is kept as
`carta.pdf`. The stored name's extension is the detected kind's, so the
download's content type can be read back from it (`content_type_for`)
without a column of its own and without guessing from what the sender typed.
"""

import math
import re
import unicodedata
import zipfile
from dataclasses import dataclass

import filetype
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Kind:
    """A kind of file the team may keep: its extension and its content type."""

    extension: str
    content_type: str


PDF = Kind("pdf", "application/pdf")
JPEG = Kind("jpg", "image/jpeg")
PNG = Kind("png", "image/png")
GIF = Kind("gif", "image/gif")
WEBP = Kind("webp", "image/webp")
TIFF = Kind("tif", "image/tiff")
DOC = Kind("doc", "application/msword")
XLS = Kind("xls", "application/vnd.ms-excel")
PPT = Kind("ppt", "application/vnd.ms-powerpoint")
DOCX = Kind("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
XLSX = Kind("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
PPTX = Kind("pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation")
ODT = Kind("odt", "application/vnd.oasis.opendocument.text")
ODS = Kind("ods", "application/vnd.oasis.opendocument.spreadsheet")
ODP = Kind("odp", "application/vnd.oasis.opendocument.presentation")

ALLOWED_KINDS = (PDF, JPEG, PNG, GIF, WEBP, TIFF, DOC, XLS, PPT, DOCX, XLSX, PPTX, ODT, ODS, ODP)

# The kinds `filetype` tells by their first bytes, by the extension it names
# them with. Everything else it recognises (HTML is not even among them,
# executables, archives, fonts, audio, video, RTF…) is refused. An animated
# PNG is a PNG.
_BY_MAGIC = {
    "pdf": PDF,
    "jpg": JPEG,
    "png": PNG,
    "apng": PNG,
    "gif": GIF,
    "webp": WEBP,
    "tif": TIFF,
    "doc": DOC,
    "xls": XLS,
    "ppt": PPT,
}

# What a stored name's extension says the file is, for the download. Our
# own extensions, plus the spellings of files kept before this module.
_BY_EXTENSION = {kind.extension: kind for kind in ALLOWED_KINDS} | {"jpeg": JPEG, "tiff": TIFF}

# Office Open XML: the main part's content type in [Content_Types].xml says
# which application the zip belongs to.
_OOXML_MAIN = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml": DOCX,
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml": XLSX,
    "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml": PPTX,
}
# OpenDocument: the first entry, `mimetype`, holds the content type itself.
_ODF = {kind.content_type: kind for kind in (ODT, ODS, ODP)}

# A browser's hint for the file chooser; the server judges the content anyway.
ACCEPT = ",".join(sorted(f".{extension}" for extension in _BY_EXTENSION))

HEAD_BYTES = 8192  # what `filetype` reads
ZIP_MAX_ENTRIES = 10_000  # a real document has hundreds at most
ZIP_MAX_MANIFEST = 1024 * 1024  # [Content_Types].xml is a few KB; never inflate more
MAX_STEM = 60  # "cases/PV-2026-000123/" + stem + ".xlsx" + storage's "_AbC1234" ≤ 100

_OVERRIDE = re.compile(rb"<Override\b([^>]*)>")
_ATTRIBUTE = re.compile(rb'(PartName|ContentType)\s*=\s*["\']([^"\']*)["\']')
_SAFE = re.compile(r"[^\w-]+")  # \w keeps the letters of any alphabet: ñ, á stay readable


class Macros(Exception):
    """An Office document that carries macros (code run when opened)."""


def max_upload_bytes() -> int:
    return settings.POSVENTA_UPLOAD_MAX_BYTES


def detect_kind(file) -> Kind | None:
    """The allowed kind this file's content is, or None. Raises `Macros` for
    an Office document with macros. Reads the head, and for a zip its
    directory and manifest only; leaves the file at its start."""
    stream = getattr(file, "file", None) or file
    try:
        stream.seek(0)
        head = stream.read(HEAD_BYTES)
        if head.startswith(b"PK\x03\x04"):
            return _office_zip(stream)
        guess = filetype.guess(head) if head else None
        return _BY_MAGIC.get(guess.extension) if guess else None
    finally:
        stream.seek(0)


def _office_zip(stream) -> Kind | None:
    """A zip is an Office document only if it has the parts one has;
    any other zip (an archive, an e-book, a jar) is refused."""
    stream.seek(0)
    try:
        with zipfile.ZipFile(stream) as archive:
            entries = archive.infolist()
            if len(entries) > ZIP_MAX_ENTRIES:
                return None
            names = {entry.filename for entry in entries}
            if "[Content_Types].xml" in names:
                return _ooxml(archive, names)
            if "mimetype" in names:
                return _opendocument(archive, names)
            return None
    except (zipfile.BadZipFile, zipfile.LargeZipFile, RuntimeError, ValueError, OSError, EOFError):
        return None  # damaged, encrypted or otherwise unreadable: not a document we can keep


def _read_small(archive: zipfile.ZipFile, name: str) -> bytes | None:
    entry = archive.getinfo(name)
    if entry.file_size > ZIP_MAX_MANIFEST:
        return None
    with archive.open(entry) as handle:
        content = handle.read(ZIP_MAX_MANIFEST + 1)  # the size in the header may lie
    return content if len(content) <= ZIP_MAX_MANIFEST else None


def _ooxml(archive: zipfile.ZipFile, names: set[str]) -> Kind | None:
    if any(name.lower().endswith("vbaproject.bin") for name in names):
        raise Macros
    manifest = _read_small(archive, "[Content_Types].xml")
    if manifest is None:
        return None
    if b"macroenabled" in manifest.lower():
        raise Macros
    for override in _OVERRIDE.findall(manifest):
        attributes = dict(_ATTRIBUTE.findall(override))
        kind = _OOXML_MAIN.get(attributes.get(b"ContentType", b"").decode("ascii", "replace"))
        part = attributes.get(b"PartName", b"").decode("utf-8", "replace").lstrip("/")
        if kind is not None and part in names:  # the declared main part is really there
            return kind
    return None


def _opendocument(archive: zipfile.ZipFile, names: set[str]) -> Kind | None:
    if any(name.startswith(("Basic/", "Scripts/")) for name in names):
        raise Macros
    mimetype = _read_small(archive, "mimetype")
    if mimetype is None or "content.xml" not in names:
        return None
    return _ODF.get(mimetype.decode("ascii", "replace").strip())


def _size_text(size: int, *, up: bool) -> str:
    """12,3 MB: one decimal at most, rounded up for a file's size and down
    for the limit, so a file one byte too big never reads as the limit."""
    for unit, factor in (("MB", 1024 * 1024), ("KB", 1024)):
        if size >= factor:
            value = (math.ceil if up else math.floor)(size * 10 / factor) / 10
            places = 0 if value == int(value) else 1
            return f"{number_format(value, decimal_pos=places)} {unit}"
    return f"{size} bytes"


def _shown_name(name: str) -> str:
    """The name as the person chose it, for the refusal: no folders, no
    control characters, not endless."""
    base = re.split(r"[\\/]", name or "")[-1]
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C")
    return base if len(base) <= 80 else f"{base[:77]}…"


def accept_upload(file):
    """Refuse what may not be kept (empty, over the size limit, not a PDF,
    image or Office document by its content, an Office document with
    macros) with a Spanish message naming the rule; otherwise give the file
    its safe name with the detected kind's extension and content type.
    Returns the same file."""
    name = _shown_name(getattr(file, "name", ""))
    size = file.size or 0
    if size == 0:
        raise ValidationError(
            _("The file “%(name)s” is empty."), code="empty", params={"name": name}
        )
    limit = max_upload_bytes()
    if size > limit:
        raise ValidationError(
            _("The file “%(name)s” weighs %(size)s; the maximum is %(limit)s."),
            code="too_big",
            params={
                "name": name,
                "size": _size_text(size, up=True),
                "limit": _size_text(limit, up=False),
            },
        )
    try:
        kind = detect_kind(file)
    except Macros:
        raise ValidationError(
            _(
                "The file “%(name)s” contains macros: save it without macros "
                "(.docx, .xlsx, .pptx) and attach it again."
            ),
            code="macros",
            params={"name": name},
        ) from None
    if kind is None:
        raise ValidationError(
            _(
                "The file “%(name)s” is not of an allowed type: only PDF, images (JPG, PNG, "
                "GIF, WebP, TIFF) and Office documents (Word, Excel, PowerPoint, OpenDocument)."
            ),
            code="file_type",
            params={"name": name},
        )
    file.name = safe_filename(file.name, extension=kind.extension)
    file.content_type = kind.content_type
    return file


def safe_filename(name: str, *, extension: str | None = None) -> str:
    """A name fit to store and to send back: no folders, no control or
    invisible characters, no leading dot, only letters (Spanish ones kept),
    digits, `_` and `-` before one extension, at most MAX_STEM characters.
    `extension` replaces the one in the name (the detected kind's); without
    it the name's own is kept, cleaned."""
    base = unicodedata.normalize("NFKC", name or "")  # fullwidth ／ and ． become / and .
    base = re.split(r"[\\/]", base)[-1]
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C")
    stem, dot, own_extension = base.rpartition(".")
    if not dot:
        stem, own_extension = base, ""
    if extension is None:
        extension = re.sub(r"[^a-z0-9]", "", own_extension.lower())[:8]
    stem = _SAFE.sub("_", stem).strip("_-")
    stem = stem[:MAX_STEM].rstrip("_-") or "documento"
    return f"{stem}.{extension}" if extension else stem


def content_type_for(name: str) -> str:
    """The content type to send a stored file with, from its extension —
    which `accept_upload` made the detected kind's. Anything else is sent
    as bytes to save, never as something a browser would run."""
    extension = name.rpartition(".")[2].lower() if "." in name else ""
    kind = _BY_EXTENSION.get(extension)
    return kind.content_type if kind else "application/octet-stream"


class UploadField(forms.FileField):
    """A file field that keeps only what `accept_upload` accepts."""

    def __init__(self, **kwargs):
        # An empty file is refused by accept_upload, with its name; a long
        # name is shortened by safe_filename rather than refused.
        kwargs.setdefault("allow_empty_file", True)
        kwargs.pop("max_length", None)
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("accept", ACCEPT)

    def clean(self, data, initial=None):
        file = super().clean(data, initial)
        if isinstance(file, UploadedFile):  # a new upload: not the stored one, not "clear"
            accept_upload(file)
        return file


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleUploadField(UploadField):
    """Several files at once; each refused one is named."""

    widget = MultipleFileInput

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data] if data else []
        if not files:
            super().clean(None, initial)  # says so when the field is required
            return []
        accepted, errors = [], []
        for file in files:
            try:
                accepted.append(super().clean(file, initial))
            except ValidationError as error:
                errors.extend(error.error_list)
        if errors:
            raise ValidationError(errors)
        return accepted
