"""The import page's forms: the upload (a file, what it holds, its sheet) and
the column mapping of a file whose headers were not all known."""

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from posventa.common.forms import BoundedForm
from posventa.common.uploads import _shown_name, _size_text
from posventa.imports.models import Entity

# The browser's file chooser hint; the content is judged by `import_open`.
IMPORT_ACCEPT = ".xlsx,.csv"
SHEET_MAX_LENGTH = 100  # ImportRun.sheet
# A person maps the columns of one file: a real export has a few dozen.
MAX_MAPPED_COLUMNS = 500


class ImportUploadForm(BoundedForm):
    """A file exported from the commercial system. What it holds is told by
    its columns unless the person says so; the sheet is the first unless
    named. The kind of file (.xlsx or CSV, by its content) and its rows are
    judged by `import_open`; here only what needs no reading: a file was
    sent, it is not empty and not over the import's size limit — which is
    not the case documents' (an extract of the whole portfolio is large)."""

    file = forms.FileField(
        label=_("File (.xlsx or .csv)"),
        allow_empty_file=True,  # refused below, with its name
        widget=forms.ClearableFileInput(attrs={"accept": IMPORT_ACCEPT}),
    )
    entity = forms.ChoiceField(
        label=_("Records"),
        choices=[("", _("Detect from the columns")), *Entity.choices],
        required=False,
    )
    sheet = forms.CharField(
        label=_("Sheet"),
        max_length=SHEET_MAX_LENGTH,
        required=False,
        help_text=_("Only for an Excel book with several sheets; the first one if left blank."),
    )

    def clean_file(self):
        file = self.cleaned_data["file"]
        name = _shown_name(getattr(file, "name", ""))
        size = file.size or 0
        if size == 0:
            raise ValidationError(
                _("The file “%(name)s” is empty."), code="empty", params={"name": name}
            )
        limit = settings.POSVENTA_IMPORT_MAX_BYTES
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
        return file

    def clean_sheet(self):
        return self.cleaned_data["sheet"].strip()


class ColumnMappingForm(BoundedForm):
    """One choice per header of the file: the field of the records it fills,
    or "do not import". The choices are the entity's fields only; a code no
    list offers is that column's error. Whether the required fields are all
    there, each once, is `import_map_columns`'s rule, shown on the form."""

    def __init__(self, data=None, *, headers=(), fields=(), mapping=None, **kwargs):
        super().__init__(data, **kwargs)
        mapping = mapping or {}
        self.headers = list(headers)[:MAX_MAPPED_COLUMNS]
        self.required_fields = [(name, label) for name, label, required in fields if required]
        choices = [("", _("— do not import —"))] + [
            (name, f"{label} *" if required else label) for name, label, required in fields
        ]
        known = {name for name, _label, _required in fields}
        for index, header in enumerate(self.headers):
            preset = mapping.get(header, "")
            self.fields[self.field_name(index)] = forms.ChoiceField(
                label=header,
                choices=choices,
                required=False,
                initial=preset if preset in known else "",
            )

    @staticmethod
    def field_name(index: int) -> str:
        return f"column_{index}"

    def rows(self):
        """(header, bound field) in the file's order, for the template."""
        return [(header, self[self.field_name(i)]) for i, header in enumerate(self.headers)]

    def mapping(self) -> dict[str, str]:
        """{header: field or ""}, once valid."""
        return {
            header: self.cleaned_data.get(self.field_name(index), "")
            for index, header in enumerate(self.headers)
        }
