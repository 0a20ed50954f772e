"""Back-office view of the imports: each run read-only with its noted rows
(the runs are the record: who, when, the file, the counts; what they wrote
is audited row by row), and the saved column mappings, which an
administrator may correct."""

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from posventa.common.admin import AuditedAdmin, ReadOnlyInline
from posventa.common.forms import BoundedModelForm
from posventa.imports.entities import spec_for
from posventa.imports.headers import header_key
from posventa.imports.models import ColumnMapping, ImportRowNote, ImportRun


class ImportRowNoteInline(ReadOnlyInline):
    model = ImportRowNote
    fields = ("line", "key", "outcome", "reason", "applied")
    show_change_link = False


@admin.register(ImportRun)
class ImportRunAdmin(admin.ModelAdmin):
    list_display = (
        "original_name",
        "entity",
        "source",
        "status",
        "rows_total",
        "created",
        "updated",
        "unchanged",
        "refused",
        "created_at",
    )
    list_filter = ("status", "entity", "source")
    search_fields = ("original_name", "checksum")
    inlines = [ImportRowNoteInline]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ColumnMappingForm(BoundedModelForm):
    class Meta:
        model = ColumnMapping
        fields = ("entity", "header", "field")

    def clean(self):
        cleaned = super().clean()
        entity, field = cleaned.get("entity"), cleaned.get("field", "")
        if entity and field:
            names = [f.name for f in spec_for(entity).fields]
            if field not in names:
                raise ValidationError(
                    {
                        "field": _("Not a field of these records; one of: %(fields)s.")
                        % {"fields": ", ".join(names)}
                    }
                )
        if cleaned.get("header"):
            self.instance.header_key = header_key(cleaned["header"])
            if not self.instance.header_key:
                raise ValidationError({"header": _("The header has no letters or digits.")})
        return cleaned

    def validate_unique(self):
        # header_key is set in clean(), after the form's own unique check.
        try:
            self.instance.validate_unique()
            self.instance.validate_constraints()
        except ValidationError as error:
            self._update_errors(error)


@admin.register(ColumnMapping)
class ColumnMappingAdmin(AuditedAdmin, admin.ModelAdmin):
    form = ColumnMappingForm
    list_display = ("entity", "header", "field", "saved_by", "updated_at")
    list_filter = ("entity",)
    search_fields = ("header", "field")
    readonly_fields = ("header_key", "saved_by")
