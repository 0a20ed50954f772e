from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _reinstall_indexes(sender, using: str, **kwargs) -> None:
    """Put back what a later migration of another app removed (SQLite's
    table rebuild drops the triggers that keep the FTS tables in step)."""
    from django.db import connections
    from django.db.migrations.recorder import MigrationRecorder

    from posventa.search import index

    connection = connections[using]
    if ("search", "0001_indexes") not in MigrationRecorder(connection).applied_migrations():
        return
    index.install(connection)


class SearchConfig(AppConfig):
    name = "posventa.search"
    verbose_name = _("Search")

    def ready(self) -> None:
        post_migrate.connect(_reinstall_indexes, sender=self, dispatch_uid="search-indexes")
