"""The header search's indexes: pg_trgm GIN expression indexes on
PostgreSQL, FTS5 trigram tables kept by triggers on SQLite (search/index.py)."""

from django.db import migrations


def install(apps, schema_editor) -> None:
    from posventa.search import index

    index.install(schema_editor.connection)


def uninstall(apps, schema_editor) -> None:
    from posventa.search import index

    index.uninstall(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0002_interaction_case"),
        ("inventory", "0003_equipment_missing_parts"),
    ]

    operations = [migrations.RunPython(install, uninstall, elidable=False)]
