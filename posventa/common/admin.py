from django.contrib import admin


class ReadOnlyInline(admin.TabularInline):
    """Rows shown at a glance under their parent; each is entered or changed on
    its own page (or by its service), never from here. Subclasses set `fields`."""

    extra = 0
    can_delete = False
    show_change_link = True

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def has_add_permission(self, request, obj=None):
        return False
