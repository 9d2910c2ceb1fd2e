"""Trigram (pg_trgm) GIN indexes for the search (tables/search.py), on PostgreSQL only.

Each index is on the expression Django's `icontains` compares on PostgreSQL, `UPPER(column::text)`,
so `LIKE '%term%'` finds a rare term through the index. On SQLite nothing is created: the search
there reads the rows (a city's size). Creating the extension needs a role allowed to (the
database's owner on PostgreSQL ≥ 13, pg_trgm being a trusted extension).
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

INDEXES = [
    ("tables_table_title_trgm", "tables_targettable", "title"),
    ("tables_table_project_name_trgm", "tables_targettable", "project_name"),
    ("tables_table_project_code_trgm", "tables_targettable", "project_code"),
    ("tables_organisation_name_trgm", "tables_organisation", "name"),
    ("tables_organisation_code_trgm", "tables_organisation", "code"),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, table, column in INDEXES:
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" USING gin (UPPER("{column}"::text) gin_trgm_ops)'
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table, _column in INDEXES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):
    dependencies = [("tables", "0017_scale_indexes")]

    operations = [TrigramExtension(), migrations.RunPython(create, drop)]
