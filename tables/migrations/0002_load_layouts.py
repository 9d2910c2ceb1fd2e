"""Load the official layouts of tables/layouts.py (editable in the admin afterwards)."""

from django.db import migrations

from tables.layouts import LAYOUTS


def load(apps, schema_editor):
    Layout = apps.get_model("tables", "Layout")
    Scheme = apps.get_model("indicators", "Scheme")
    for spec in LAYOUTS:
        Layout.objects.update_or_create(
            code=spec["code"],
            defaults={
                "name": spec["name"],
                "kind": spec["kind"],
                "scheme": Scheme.objects.get(code=spec["scheme"]),
                "title": spec["title"],
                "blocks": spec["blocks"],
                "budget_keys": spec["budget_keys"],
                "columns": spec["columns"],
                "options": spec["options"],
            },
        )


def unload(apps, schema_editor):
    apps.get_model("tables", "Layout").objects.filter(code__in=[s["code"] for s in LAYOUTS]).delete()


class Migration(migrations.Migration):
    dependencies = [("tables", "0001_initial"), ("indicators", "0003_load_schemes")]
    operations = [migrations.RunPython(load, unload)]
