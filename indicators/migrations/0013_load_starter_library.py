"""Load the starter library written for this project (indicators/library_data/, see indicators/library/starter.py).

The 26 examples of migration 0005 are among its entries and are adopted under their fields."""

from django.db import migrations

from indicators.library.starter import load_starter, read_fields


def load(apps, schema_editor):
    load_starter(apps)


def unload(apps, schema_editor):
    """Remove what the starter edition loaded, except the rows 0005 shipped (0005's own unload removes those)."""
    from indicators.catalog import COMMON_INDICATORS

    entry = apps.get_model("indicators", "CatalogEntry")
    shipped = {(level2, level3) for _, level2, level3, _, _ in COMMON_INDICATORS}
    loaded = entry.objects.filter(origin="starter", edition__source="starter")
    for row in loaded:
        if (row.level2, row.level3) in shipped:
            row.field_id = row.edition_id = None
            row.save(update_fields=["field", "edition"])
        else:
            row.delete()
    apps.get_model("indicators", "LibraryEdition").objects.filter(source="starter").delete()
    field = apps.get_model("indicators", "LibraryField")
    for starter_field in reversed(read_fields()):  # children first
        field.objects.filter(name=starter_field.name, entries__isnull=True, children__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("indicators", "0012_library")]
    operations = [migrations.RunPython(load, unload)]
