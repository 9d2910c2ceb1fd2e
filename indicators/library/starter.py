"""The starter library (起步指标库) written for this project, and how it is loaded.

The data are two reviewable CSV files in `indicators/library_data/` (open them in a spreadsheet):

- `starter_fields.csv` — the 行业/领域 tree: 政府收支分类 功能分类 类 and 款 (`205` 教育支出 →
  `20502` 普通教育), plus named fields where the classification has no code (共性指标 for the
  部门整体 and 项目支出 common indicators, 机关运转 and 信息化建设 under 一般公共服务支出).
- `starter_entries.csv` — one row per indicator: 领域, 一级/二级 of the 2015/2020 framework (产出:
  数量/质量/时效/成本; 效益: 经济/社会/生态/可持续影响; 满意度), the 三级 name, 参考指标值 as the
  value grammar writes it, and 指标解释, 计算公式/统计口径, 数据来源, 采集频率, 绩效标准, 关键词.

What the rows leave out follows from the value, by the rules below, so that a domain person
reviews the few columns that carry judgement: the sign, number, unit and value type come from
the value grammar (`record.split_value`); 指标方向 is written only where the sign does not say it
(`≥` 正向, `≤` 反向, `=0…` 反向, else 正向); 累计方式 only for stocks such as 人数 or 面积
(a rate, a duration, a per-unit cost, a grade and every 满意度 are 时点型, other quantities 累计型);
共性/个性 is the field's (共性 under 共性指标); the 评分标准 is one of `SCORING_RULES`.

The entries are the project's own work (origin `starter`, edition `EDITION_NAME`), not a
province's published library. The 26 examples migration 0005 shipped are among them under the
same names, so loading adopts those rows instead of duplicating them.
"""

from __future__ import annotations

import csv
from dataclasses import asdict, dataclass
from pathlib import Path

from django.apps import apps as global_apps
from django.db import transaction
from django.utils import timezone

from indicators.record import BACKWARD, FORWARD, QUALITATIVE, QUANTITATIVE, split_value
from indicators.schemes import SCHEMES
from indicators.values import parse_value

EDITION_NAME = "本系统起步指标库（项目组编写）"
DATA_DIR = Path(__file__).resolve().parent.parent / "library_data"
FIELDS_FILE = DATA_DIR / "starter_fields.csv"
ENTRIES_FILE = DATA_DIR / "starter_entries.csv"
SCHEME_CODE = "fin2015"
COMMON_FIELD = "共性指标"  # the top field whose entries are 共性; every other field's are 个性

FIELD_COLUMNS = ["编码", "名称", "上级领域"]
ENTRY_COLUMNS = [
    "行业/领域", "一级指标", "二级指标", "三级指标", "参考指标值", "指标方向", "指标解释",
    "计算公式/统计口径", "数据来源", "采集频率", "绩效标准", "关键词", "累计方式",
]  # fmt: skip
FREQUENCIES = ("年度", "半年", "季度", "月度", "一次性")
BASES = ("计划标准", "行业标准", "历史标准", "预算支出标准", "其他标准")
SATISFACTION_LEVEL1 = "满意度指标"

# The 评分标准 every entry gets, chosen by `scoring_rule` from its value type and direction.
SCORING_RULES = {
    "rate_up": "实际值达到或超过目标值得满分；每低于目标值1个百分点扣该项分值的10%，扣完为止。",
    "rate_down": "实际值不高于目标值得满分；每高于目标值1个百分点扣该项分值的10%，扣完为止。",
    "satisfaction": "满意度达到目标值得满分；每低于目标值1个百分点扣该项分值的10%；低于60%不得分。",
    "count_up": "完成目标值得满分；未完成的按“实际完成值 ÷ 目标值 × 该项分值”计分。",
    "limit_down": "实际值不超过目标值得满分；每超出目标值10%扣该项分值的20%，扣完为止。",
    "none_happened": "未发生得满分；每发生1次（起、人）扣该项分值的50%，扣完为止。",
    "deadline": "在目标时限内完成得满分；每逾期1个月扣该项分值的20%，扣完为止。",
    "grade": "达到目标所述程度得满分；部分达到的按达到程度得该项分值的50%～80%；未达到不得分。",
}


@dataclass(frozen=True)
class StarterField:
    code: str
    name: str
    parent: str  # the parent field's name, "" for a top field


@dataclass(frozen=True)
class StarterEntry:
    """One entry as loaded: the CatalogEntry columns, `field` as the field's name."""

    field: str
    level1: str
    level2: str
    level3: str
    value: str
    comparator: str
    unit: str
    direction: str
    value_type: str
    definition: str
    formula: str
    data_source: str
    frequency: str
    basis: str
    scoring: str
    keywords: str
    nature: str
    accumulation: str

    def columns(self) -> dict:
        """The CatalogEntry columns this entry sets (all but the field)."""
        data = asdict(self)
        del data["field"]
        return data


# What a re-load may change on an entry it loaded before (never `active` of one an admin switched off).
UPDATED_COLUMNS = [
    *(name for name in StarterEntry.__dataclass_fields__ if name != "field"),
    *("field", "edition", "scheme", "active", "retired_at"),
]


class StarterDataError(ValueError):
    """The starter data files hold a row the loader cannot take; the message names the row."""


def read_fields(path: Path = FIELDS_FILE) -> list[StarterField]:
    """The 行业/领域 tree in file order, parents before their children."""
    fields: list[StarterField] = []
    names: set[str] = set()
    for line, row in _rows(path, FIELD_COLUMNS):
        field = StarterField(row["编码"], row["名称"], row["上级领域"])
        if not field.name:
            raise StarterDataError(f"{path.name} 第{line}行：领域名称为空")
        if field.name in names:
            raise StarterDataError(f"{path.name} 第{line}行：领域“{field.name}”重复")
        if field.parent and field.parent not in names:
            raise StarterDataError(f"{path.name} 第{line}行：上级领域“{field.parent}”须在前面列出")
        names.add(field.name)
        fields.append(field)
    return fields


def read_entries(path: Path = ENTRIES_FILE, fields: list[StarterField] | None = None) -> list[StarterEntry]:
    """Every entry of the data file with the columns the rules derive filled in."""
    fields = read_fields() if fields is None else fields
    top = _top_fields(fields)
    tree = next(s["tree"] for s in SCHEMES if s["code"] == SCHEME_CODE)
    entries = []
    for line, row in _rows(path, ENTRY_COLUMNS):
        place = f"{path.name} 第{line}行（{row['三级指标'] or '无名称'}）"
        if row["行业/领域"] not in top:
            raise StarterDataError(f"{place}：领域“{row['行业/领域']}”不在领域表中")
        if row["二级指标"] not in tree.get(row["一级指标"], []):
            raise StarterDataError(f"{place}：二级指标“{row['二级指标']}”不属于一级指标“{row['一级指标']}”")
        entries.append(_entry(row, place, nature="共性" if top[row["行业/领域"]] == COMMON_FIELD else "个性"))
    return entries


def _entry(row: dict, place: str, *, nature: str) -> StarterEntry:
    value = row["参考指标值"]
    parsed = parse_value(value)
    parts = split_value(value)
    if parts.value_type not in (QUANTITATIVE, QUALITATIVE):
        raise StarterDataError(f"{place}：参考指标值“{value}”无法识别")
    if parsed.is_quantitative and not parsed.unit:
        raise StarterDataError(f"{place}：参考指标值“{value}”缺少计量单位")
    for column in ("三级指标", "指标解释", "计算公式/统计口径", "数据来源", "绩效标准"):
        if not row[column]:
            raise StarterDataError(f"{place}：{column}为空")
    if row["采集频率"] not in FREQUENCIES:
        raise StarterDataError(f"{place}：采集频率应为{'/'.join(FREQUENCIES)}之一")
    if row["绩效标准"] not in BASES:
        raise StarterDataError(f"{place}：绩效标准应为{'/'.join(BASES)}之一")
    direction = row["指标方向"] or direction_for(value)
    return StarterEntry(
        field=row["行业/领域"],
        level1=row["一级指标"],
        level2=row["二级指标"],
        level3=row["三级指标"],
        value=value,
        comparator=parts.comparator,
        unit=parts.unit,
        direction=direction,
        value_type=parts.value_type,
        definition=row["指标解释"],
        formula=row["计算公式/统计口径"],
        data_source=row["数据来源"],
        frequency=row["采集频率"],
        basis=row["绩效标准"],
        scoring=SCORING_RULES[scoring_rule(value, direction, row["一级指标"])],
        keywords=row["关键词"],
        nature=nature,
        accumulation=row["累计方式"] or accumulation_for(value, row["一级指标"]),
    )


def direction_for(value: str) -> str:
    """正向/反向 from the sign: `≥`/`>` want more, `≤`/`<` and `=0` want less; others want it reached."""
    parsed = parse_value(value)
    if parsed.comparator in ("≤", "<") and parsed.kind != "date":
        return BACKWARD
    if parsed.comparator == "=" and parsed.number == 0:
        return BACKWARD
    return FORWARD


def accumulation_for(value: str, level1: str) -> str:
    """累计型 for flows (counts done, money spent); 时点型 for rates, durations, per-unit costs, grades."""
    parsed = parse_value(value)
    if level1 == SATISFACTION_LEVEL1 or not parsed.is_quantitative:
        return "时点型"
    if parsed.is_percent or parsed.is_duration or parsed.unit == "‰" or "/" in parsed.unit:
        return "时点型"
    return "累计型"


def scoring_rule(value: str, direction: str, level1: str) -> str:
    """The key of `SCORING_RULES` for a value: by kind (grade, deadline, rate, amount) and direction."""
    parsed = parse_value(value)
    if parsed.is_qualitative:
        return "grade"
    if parsed.kind == "date":
        return "deadline"
    if parsed.comparator == "=" and parsed.number == 0:
        return "none_happened"
    if level1 == SATISFACTION_LEVEL1 and parsed.is_percent:
        return "satisfaction"
    if parsed.is_percent or parsed.unit == "‰":
        return "rate_down" if direction == BACKWARD else "rate_up"
    return "limit_down" if direction == BACKWARD else "count_up"


def load_starter(apps=None) -> object:
    """Build the starter library's field tree and entries; run again, it brings them up to date.

    Entries are matched by (field, 二级, 三级); a starter row of migration 0005 with no field and
    the same 二级/三级 is adopted. Rows of other origins (an imported workbook, 纳入 from a table)
    are never changed: a starter entry whose place one of them holds is left out. Starter entries
    this edition loaded before and the data no longer hold are retired. Returns the edition with
    this run's counts. `apps` is a migration's historical registry, or None for the live models.
    """
    apps = apps or global_apps
    field_model = apps.get_model("indicators", "LibraryField")
    entry_model = apps.get_model("indicators", "CatalogEntry")
    edition_model = apps.get_model("indicators", "LibraryEdition")
    scheme = apps.get_model("indicators", "Scheme").objects.filter(code=SCHEME_CODE).first()
    fields = read_fields()
    entries = read_entries(fields=fields)
    with transaction.atomic():
        edition = edition_model.objects.filter(source="starter").order_by("pk").first()
        if edition is None:
            edition = edition_model.objects.create(name=EDITION_NAME, source="starter")
        field_ids = _load_fields(field_model, fields)
        counts = _load_entries(entry_model, entries, field_ids, edition=edition, scheme=scheme)
        edition.name = EDITION_NAME
        edition.added, edition.updated, edition.unchanged, edition.retired = counts
        edition.save()
    return edition


def _load_fields(field_model, fields: list[StarterField]) -> dict[str, int]:
    ids: dict[str, int] = {}
    for position, field in enumerate(fields):
        parent_id = ids[field.parent] if field.parent else None
        row, _ = field_model.objects.update_or_create(
            parent_id=parent_id, name=field.name, defaults={"code": field.code, "position": position}
        )
        ids[field.name] = row.pk
    return ids


def _load_entries(entry_model, entries, field_ids, *, edition, scheme) -> tuple[int, int, int, int]:
    starter = entry_model.objects.filter(origin="starter")
    mine = {(e.field_id, e.level2, e.level3): e for e in starter.filter(field__isnull=False)}
    shipped = {(e.level2, e.level3): e for e in starter.filter(field__isnull=True)}
    others = set(
        entry_model.objects.exclude(origin="starter")
        .filter(field_id__in=field_ids.values())
        .values_list("field_id", "level2", "level3")
    )
    new, changed, unchanged, kept = [], [], 0, set()
    for entry in entries:
        key = (field_ids[entry.field], entry.level2, entry.level3)
        wanted = {**entry.columns(), "field_id": key[0], "edition_id": edition.pk, "scheme_id": scheme and scheme.pk}
        row = mine.get(key) or shipped.pop((entry.level2, entry.level3), None)
        if row is None:
            if key not in others:
                new.append(entry_model(origin="starter", **wanted))
            continue
        kept.add(row.pk)
        if row.retired_at is not None:  # retired by an earlier edition of the data, back in this one
            wanted.update(active=True, retired_at=None)
        if all(getattr(row, name) == wanted_value for name, wanted_value in wanted.items()):
            unchanged += 1
            continue
        for name, wanted_value in wanted.items():
            setattr(row, name, wanted_value)
        changed.append(row)
    gone = starter.filter(edition=edition, retired_at__isnull=True).exclude(pk__in=kept)
    retired = gone.update(active=False, retired_at=timezone.now())
    entry_model.objects.bulk_create(new)
    entry_model.objects.bulk_update(changed, UPDATED_COLUMNS)
    return len(new), len(changed), unchanged, retired


def _top_fields(fields: list[StarterField]) -> dict[str, str]:
    """{field name: the name of its top field}."""
    parents = {f.name: f.parent for f in fields}
    top = {}
    for name in parents:
        root = name
        while parents[root]:
            root = parents[root]
        top[name] = root
    return top


def _rows(path: Path, columns: list[str]):
    """(line number, row with stripped cells) of a UTF-8 CSV whose header must be `columns`."""
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames != columns:
            raise StarterDataError(f"{path.name}：表头应为 {'，'.join(columns)}")
        for row in reader:
            yield reader.line_num, {name: (row[name] or "").strip() for name in columns}
