"""Load the common indicators of indicators/catalog.py into the catalog (editable afterwards)."""

from django.db import migrations

from indicators.catalog import COMMON_INDICATORS


def load(apps, schema_editor):
    CatalogEntry = apps.get_model("indicators", "CatalogEntry")
    Scheme = apps.get_model("indicators", "Scheme")
    scheme = Scheme.objects.filter(code="fin2015").first()
    for level1, level2, level3, value, basis in COMMON_INDICATORS:
        CatalogEntry.objects.get_or_create(
            level2=level2,
            level3=level3,
            defaults={"level1": level1, "value": value, "basis": basis, "scheme": scheme},
        )


def unload(apps, schema_editor):
    CatalogEntry = apps.get_model("indicators", "CatalogEntry")
    for _, level2, level3, _, _ in COMMON_INDICATORS:
        CatalogEntry.objects.filter(level2=level2, level3=level3, source_table__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("indicators", "0004_catalog_entry")]
    operations = [migrations.RunPython(load, unload)]
