"""Ship the province layout families (issue 13) and give the seeds' layouts their header lines.

Each file of tables/layout_data/ named in FILES is checked by `tables.layout_spec.validate` and stored
by update_or_create, as `manage.py layouts import` does (here on the historical model, so a later
change to Layout does not break this migration). The files are listed, not globbed: a file added to
the folder later comes with its own migration.

The three layouts of 0002 get the header lines their checks required before layouts had header
lines (部门（单位）名称, 年度总体目标 / 年度履职目标 / 项目编码, 项目名称, 绩效目标), so their tables keep
exactly the findings they had.
"""

import json
from pathlib import Path

from django.db import migrations

from tables.layout_spec import FORMAT, validate

FOLDER = Path(__file__).resolve().parent.parent / "layout_data"
FILES = [
    "hubei-88-project-midterm.json",
    "hubei-88-project-midterm-content.json",
    "transfer-content-2level.json",
    "hunan-project-longterm-annual-blocks.json",
    "hunan-special-fund-blocks.json",
    "ezhou-project-standard-expected.json",
    "hunan-project-annual-3level.json",
    "hunan-project-annual-note-signoff.json",
    "transfer-regional-unit.json",
    "chongqing-dept-flat-weight.json",
    "chongqing-project-split-unit-sign.json",
    "tianjin-project-bundle.json",
    "ndrc-central-investment.json",
    "guangdong-special-fund-cycle.json",
    "anhui-project-source-period.json",
    "anhui-project-plain.json",
    "project-88-annual.json",
    "sichuan-project-funding-sources.json",
    "hebei-graded-targets.json",
    "jiangxi-dept-split-sign-target-unit.json",
    "fujian-multi-target-columns.json",
    "shaanxi-transfer-finance-depts.json",
    "flat-multi-project-weight.json",
    "dept-overall-explanation-scoring.json",
    "national2021-project-score.json",
]

# The record's fields as of this migration (tables.layout_spec's _LIST_KEYS / _DICT_KEYS).
LIST_KEYS = ("blocks", "budget_keys", "columns", "header", "periods", "footer", "opinion_rows")
DICT_KEYS = ("options", "column_labels", "checks")

_ORGANIZATION = {"key": "organization", "label": "部门（单位）名称", "required": True}
SEED_HEADERS = {
    "xinjiang-2022-dept": [_ORGANIZATION, {"key": "goal", "label": "年度总体目标", "required": True}],
    "henan-2023-dept": [_ORGANIZATION, {"key": "mission", "label": "年度履职目标", "required": True}],
    "hebei-2023-project": [
        _ORGANIZATION,
        {"key": "project_code", "label": "项目编码", "required": True},
        {"key": "project_name", "label": "项目名称", "required": True},
        {"key": "goal", "label": "绩效目标", "required": True},
    ],
}


def _records() -> list[dict]:
    return [json.loads((FOLDER / name).read_text(encoding="utf-8")) for name in FILES]


def load(apps, schema_editor):
    Layout = apps.get_model("tables", "Layout")
    Scheme = apps.get_model("indicators", "Scheme")
    schemes = set(Scheme.objects.values_list("code", flat=True))
    for data in _records():
        problems = validate(data, schemes=schemes) if data.get("format") == FORMAT else [f"format ≠ {FORMAT}"]
        if problems:
            raise ValueError(f"{data.get('code')}: {'；'.join(problems)}")
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
    for code, header in SEED_HEADERS.items():
        Layout.objects.filter(code=code).update(header=header)


def unload(apps, schema_editor):
    Layout = apps.get_model("tables", "Layout")
    Layout.objects.filter(code__in=[data["code"] for data in _records()]).delete()
    Layout.objects.filter(code__in=list(SEED_HEADERS)).update(header=[])


class Migration(migrations.Migration):
    dependencies = [("tables", "0011_layout_record"), ("indicators", "0010_province_schemes")]
    operations = [migrations.RunPython(load, unload)]
