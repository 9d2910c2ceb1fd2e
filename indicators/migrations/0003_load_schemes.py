"""Load the indicator schemes of indicators/schemes.py (editable in the admin afterwards)."""

from django.db import migrations

from indicators.schemes import SCHEMES


def load(apps, schema_editor):
    Scheme = apps.get_model("indicators", "Scheme")
    Category = apps.get_model("indicators", "Category")
    for spec in SCHEMES:
        scheme, _ = Scheme.objects.update_or_create(
            code=spec["code"], defaults={"name": spec["name"], "params": spec["params"]}
        )
        position = 0
        for level1, level2s in spec["tree"].items():
            position += 1
            parent, _ = Category.objects.update_or_create(
                scheme=scheme, parent=None, name=level1, defaults={"position": position}
            )
            for name in level2s:
                position += 1
                Category.objects.update_or_create(
                    scheme=scheme, parent=parent, name=name, defaults={"position": position}
                )


def unload(apps, schema_editor):
    apps.get_model("indicators", "Scheme").objects.filter(code__in=[s["code"] for s in SCHEMES]).delete()


class Migration(migrations.Migration):
    dependencies = [("indicators", "0002_initial")]
    operations = [migrations.RunPython(load, unload)]
