"""pg_trgm GIN indexes for the library's search (indicators/library/search.py), on PostgreSQL only: the
expressions Django's `icontains` compares, `UPPER(column::text)`, for the name, keywords, definition and
formula of an entry. The extension itself comes with 0011."""

from django.db import migrations

COLUMNS = ("level3", "keywords", "definition", "formula")


def _name(column: str) -> str:
    return f"indicators_catalog_{column}_trgm"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for column in COLUMNS:
            expression = f'UPPER("{column}"::text) gin_trgm_ops'
            schema_editor.execute(
                f'CREATE INDEX IF NOT EXISTS "{_name(column)}" ON "indicators_catalogentry" USING gin ({expression})'
            )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for column in COLUMNS:
            schema_editor.execute(f'DROP INDEX IF EXISTS "{_name(column)}"')


class Migration(migrations.Migration):
    dependencies = [("indicators", "0014_indicator_accumulation")]

    operations = [migrations.RunPython(create, drop)]
