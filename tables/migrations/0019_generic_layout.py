"""Ship the generic layout (issue 14): what an imported table no shipped form fits is stored under, once a
person confirms it (`import_tables --confirm`). Its scheme is `flat` (no categories): the file's 一级 and
二级 are kept in each indicator's note. Loaded as 0012 loads the province layouts, on the historical model.
"""

import json
from pathlib import Path

from django.db import migrations

from tables.layout_spec import FORMAT, validate

FILE = Path(__file__).resolve().parent.parent / "layout_data" / "generic-project.json"
LIST_KEYS = ("blocks", "budget_keys", "columns", "header", "periods", "footer", "opinion_rows")
DICT_KEYS = ("options", "column_labels", "checks")


def load(apps, schema_editor):
    Layout = apps.get_model("tables", "Layout")
    Scheme = apps.get_model("indicators", "Scheme")
    data = json.loads(FILE.read_text(encoding="utf-8"))
    problems = validate(data, schemes=set(Scheme.objects.values_list("code", flat=True)))
    if data.get("format") != FORMAT or problems:
        raise ValueError(f"{data.get('code')}: {'；'.join(problems) or f'format ≠ {FORMAT}'}")
    Layout.objects.update_or_create(
        code=data["code"],
        defaults={
            "name": data["name"],
            "kind": data["kind"],
            "scheme": Scheme.objects.get(code=data["scheme"]),
            "title": data["title"],
            **{key: data.get(key, []) for key in LIST_KEYS},
            **{key: data.get(key, {}) for key in DICT_KEYS},
        },
    )


def unload(apps, schema_editor):
    apps.get_model("tables", "Layout").objects.filter(code="generic-project").delete()


class Migration(migrations.Migration):
    dependencies = [("tables", "0018_search_trigram")]
    operations = [migrations.RunPython(load, unload)]
