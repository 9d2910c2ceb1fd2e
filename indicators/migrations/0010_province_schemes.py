"""Load the schemes the province layouts need (issue 13): the Hubei/Hunan 2015 variant, Sichuan's
项目完成/项目效益 tree, the NDRC 实施效果指标 tree, the graded 产出/效果 tree and the flat (no category) one.

The codes are listed here, so a scheme added to indicators/schemes.py later does not change what this
migration does. On a fresh database 0003 has loaded them already; update_or_create leaves them as they are.
"""

from django.db import migrations

from indicators.schemes import SCHEMES

CODES = ["fin2015-hubei-hunan", "sichuan2021", "ndrc", "pre2015-graded", "flat"]


def load(apps, schema_editor):
    Scheme = apps.get_model("indicators", "Scheme")
    Category = apps.get_model("indicators", "Category")
    for spec in (s for s in SCHEMES if s["code"] in CODES):
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
    apps.get_model("indicators", "Scheme").objects.filter(code__in=CODES).delete()


class Migration(migrations.Migration):
    dependencies = [("indicators", "0009_split_stored_values")]
    operations = [migrations.RunPython(load, unload)]
