"""A trigram (pg_trgm) GIN index on the 三级指标 name for the search (tables/search.py), on
PostgreSQL only: the expression Django's `icontains` compares, `UPPER(level3::text)`."""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

NAME = "indicators_indicator_level3_trgm"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        expression = 'UPPER("level3"::text) gin_trgm_ops'
        schema_editor.execute(f'CREATE INDEX IF NOT EXISTS "{NAME}" ON "indicators_indicator" USING gin ({expression})')


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f'DROP INDEX IF EXISTS "{NAME}"')


class Migration(migrations.Migration):
    dependencies = [("indicators", "0010_province_schemes")]

    operations = [TrigramExtension(), migrations.RunPython(create, drop)]
