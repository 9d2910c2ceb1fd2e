"""The keys `target-table/2` adds (tests/data/seeds/SCHEMA.md), read from a document and written back.

A table gains 主管部门 (`department`), more of `project`, `long_term_goal`, `schedule`
rows and the `footer`; an indicator row gains the full record (`indicators/record.py`).
Every key is optional: null or absent when the form has no such column or line, and
export writes null where nothing is stored, so a table of the seeds' forms exports
its version-1 keys and nothing else that is not null.

`value` and its split parts (`comparator`, `number`, `unit`, `value_type`): a row
giving both must have them agree (`parts_agree`); a row giving only the parts gets
`value` joined from them; a row giving only `value` gets the parts split from it.
The parts stored are always the ones the value grammar reads from `value`, as the
editor and the migration store them.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from indicators import record
from indicators.models import Indicator
from tables.imports.exchange.base import _max_length, _Reader, _shown
from tables.models import Layout, TargetTable

PROJECT_KEYS = ("attribute", "category", "start", "end", "manager", "phone")
FOOTER_KEYS = {"filler": "filled_by", "phone": "filler_phone", "date": "filled_on", "responsible": "responsible"}
SPLIT_COLUMNS = frozenset(("comparator", "number", "unit"))
_WEIGHT = Indicator._meta.get_field("weight")
_UNIT_LENGTH = _max_length(Indicator, "unit")
_PART_NAMES = {"comparator": "计算符号", "number": "目标值", "unit": "计量单位", "value_type": "指标值类型"}


# ---------------------------------------------------------------- import: the table


def read_table_keys(data: dict, kind: str, layout: Layout, reader: _Reader, p) -> tuple[dict, list[dict]]:
    """The TargetTable fields of the version-2 table keys, and the schedule rows."""
    fields = {"long_term_goal": _text(reader, data, "long_term_goal", p(""))}
    department = data.get("department")
    if department is not None:
        department = reader.obj(department, p("department"))
        fields["department_code"] = _text(reader, department, "code", p("department")) or ""
        fields["department_name"] = _text(reader, department, "name", p("department")) or ""
    if kind == TargetTable.Kind.PROJECT:
        project = data.get("project") or {}
        for key in PROJECT_KEYS:
            fields[f"project_{key}"] = _text(reader, project, key, p("project")) or ""
    fields |= _read_footer(data, reader, p)
    for name, value in fields.items():
        if isinstance(value, str):
            reader.limit(value, _max_length(TargetTable, name), _place(name, p))
    return fields, _read_schedule(data, layout, reader, p)


def _place(field_name: str, p) -> str:
    """The document key of a TargetTable field, for a message."""
    if field_name.startswith(("department_", "project_")):
        return p(field_name.replace("_", ".", 1))
    footer = {field: key for key, field in FOOTER_KEYS.items()}
    return p(f"footer.{footer[field_name]}") if field_name in footer else p(field_name)


def _read_footer(data: dict, reader: _Reader, p) -> dict:
    footer = data.get("footer")
    if footer is None:
        return {}
    footer = reader.obj(footer, p("footer"))
    fields = {field: _text(reader, footer, key, p("footer")) or "" for key, field in FOOTER_KEYS.items()}
    opinions = footer.get("opinions") or []
    if not isinstance(opinions, list):
        raise reader.fail(p("footer.opinions"), "应为列表")
    fields["opinions"] = []
    for i, row in enumerate(opinions, start=1):
        where = p(f"footer.opinions[{i}]")
        row = reader.obj(row, where)
        fields["opinions"].append({"by": _text(reader, row, "by", where), "text": _text(reader, row, "text", where)})
    return fields


def _read_schedule(data: dict, layout: Layout, reader: _Reader, p) -> list[dict]:
    """项目实施进度计划 rows; only a form that prints the block has them (as only a project table has `project`)."""
    rows = data.get("schedule") or []
    if not isinstance(rows, list):
        raise reader.fail(p("schedule"), "应为列表")
    if rows and not layout.has("schedule"):
        raise reader.fail(p("schedule"), f"表样“{layout.name}”没有项目实施进度计划，不能导入进度计划")
    schedule = []
    for i, row in enumerate(rows, start=1):
        where = p(f"schedule[{i}]")
        row = reader.obj(row, where)
        item = {
            "content": reader.text(row, "content", where),
            "start": _text(reader, row, "start", where) or "",
            "end": _text(reader, row, "end", where) or "",
        }
        for key in ("start", "end"):
            reader.limit(item[key], 40, f"{where}.{key}")
        schedule.append(item)
    return schedule


def _text(reader: _Reader, data: dict, key: str, path: str) -> str | None:
    return reader.text(data, key, path.rstrip("."), required=False, nullable=True)


# ---------------------------------------------------------------- import: an indicator row


def read_indicator_record(row: dict, where: str, reader: _Reader, *, version2: bool) -> dict:
    """`value`, its parts and the record's other fields of one row, as the Indicator stores them."""
    given = {
        "comparator": _comparator(row, where, reader),
        "number": _number(row, where, reader),
        "unit": reader.text(row, "unit", where, required=False, nullable=True),
        "value_type": _choice(row, "value_type", record.VALUE_TYPES, where, reader),
    }
    given = {name: part for name, part in given.items() if part not in (None, "")}
    # Version 1 requires the printed cell; version 2 may give it as its parts, or leave it empty.
    value = reader.text(row, "value", where, required=not version2, nullable=version2)
    if value is None and given.keys() - {"value_type"}:
        value = record.reconcile({}, {name: given.get(name) for name in ("comparator", "number", "unit")})["value"]
    parts = _storable_parts(value or "")
    if value is not None and given and not record.parts_agree(value, given):
        parts = _printed_apart(value, given)
        if parts is None:
            shown = "、".join(f"{_PART_NAMES[name]}“{part}”" for name, part in given.items())
            raise reader.fail(where, f"指标值“{value}”与分列填写的{shown}不一致")
    value = value or ""
    reader.limit(value, _max_length(Indicator, "value"), f"{where}.value")
    return {
        "value": value,
        **parts,
        "direction": _choice(row, "direction", record.DIRECTIONS, where, reader) or "",
        "weight": _weight(row, where, reader),
        "explanation": reader.text(row, "explanation", where, required=False, nullable=True),
        "scoring": reader.text(row, "scoring", where, required=False, nullable=True),
        "core": _core(row, where, reader),
        "period": _choice(row, "period", tuple(record.PERIODS), where, reader) or record.ANNUAL,
    }


def _storable_parts(value: str) -> dict:
    """The parts the grammar reads from `value`; none when the unit is longer than its column (the value keeps it)."""
    parts = record.split_value(value)
    if len(parts.unit) > _UNIT_LENGTH:
        parts = record.ValueParts()
    return parts.as_dict()


def _printed_apart(value: str, given: dict) -> dict | None:
    """The given parts, when `value` is exactly their join; else None.

    The grammar reads one cell alone and may read it otherwise than the form's columns
    say (`≤10月` is a date to it, October; the columns say ≤ 10 months): the columns win.
    """
    comparator, number, unit = given.get("comparator"), given.get("number"), given.get("unit")
    if number is None or record.join_value(comparator, number, unit) != value:
        return None
    parts = record.ValueParts(comparator or "", number, unit or "", given.get("value_type") or record.QUANTITATIVE)
    return parts.as_dict() if len(parts.unit) <= _UNIT_LENGTH else None


def _comparator(row: dict, where: str, reader: _Reader) -> str | None:
    text = reader.text(row, "comparator", where, required=False, nullable=True)
    if text in (None, ""):
        return None
    sign = record.read_comparator(text)
    if not sign:
        allowed = "、".join(record.COMPARATORS)
        raise reader.fail(f"{where}.comparator", f"计算符号应为 {allowed} 之一，实际为 {_shown(text)}")
    return sign


def _number(row: dict, where: str, reader: _Reader) -> Decimal | None:
    raw = row.get("number")
    if raw is None or raw == "":
        return None
    number = _decimal(raw)
    if number is None:
        raise reader.fail(f"{where}.number", f'应为数字文本（如 "95"），实际为 {_shown(raw)}')
    return number


def _weight(row: dict, where: str, reader: _Reader) -> Decimal | None:
    raw = row.get("weight")
    if raw is None or raw == "":
        return None
    weight = _decimal(raw)
    if weight is None:
        raise reader.fail(f"{where}.weight", f'应为数字文本（如 "10"），实际为 {_shown(raw)}')
    whole = _WEIGHT.max_digits - _WEIGHT.decimal_places
    if weight != weight.quantize(Decimal(1).scaleb(-_WEIGHT.decimal_places)) or abs(weight) >= 10**whole:
        raise reader.fail(
            f"{where}.weight", f"分值最多 {whole} 位整数、{_WEIGHT.decimal_places} 位小数，实际为 {_shown(raw)}"
        )
    return weight


def _decimal(raw: object) -> Decimal | None:
    """A decimal string or an integer (not a JSON float, whose digits are not what was printed)."""
    if isinstance(raw, bool) or not isinstance(raw, (str, int)) or (isinstance(raw, str) and len(raw) > 40):
        return None
    try:
        number = Decimal(str(raw).strip().replace(",", ""))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _choice(row: dict, key: str, allowed: tuple[str, ...], where: str, reader: _Reader) -> str | None:
    text = reader.text(row, key, where, required=False, nullable=True)
    if text in (None, ""):
        return None
    if text not in allowed:
        raise reader.fail(f"{where}.{key}", f"应为 {'、'.join(allowed)} 之一，实际为 {_shown(text)}")
    return text


def _core(row: dict, where: str, reader: _Reader) -> bool | None:
    core = row.get("core")
    if core is not None and not isinstance(core, bool):
        raise reader.fail(f"{where}.core", f"应为 true 或 false，实际为 {_shown(core)}")
    return core


# ---------------------------------------------------------------- export


def table_keys(table: TargetTable) -> dict:
    """The version-2 table keys of a stored table (null where nothing is stored)."""
    # Only a form with a schedule block has rows (import refuses them elsewhere): the others cost no query.
    items = table.schedule.order_by("position") if table.layout.has("schedule") else []
    schedule = [{"content": item.content, "start": item.start or None, "end": item.end or None} for item in items]
    footer = {key: getattr(table, field) or None for key, field in FOOTER_KEYS.items()}
    has_footer = any(footer.values()) or table.opinions
    return {
        "department": (
            {"code": table.department_code or None, "name": table.department_name or None}
            if table.department_code or table.department_name
            else None
        ),
        "long_term_goal": table.long_term_goal,
        "schedule": schedule or None,
        "footer": {**footer, "opinions": list(table.opinions or [])} if has_footer else None,
    }


def project_keys(table: TargetTable) -> dict:
    return {key: getattr(table, f"project_{key}") or None for key in PROJECT_KEYS}


class IndicatorExport:
    """The exported rows of a table's stored indicators, with the record keys only where the form has them.

    A form without 计算符号 / 目标值 / 计量单位 columns writes its target in one cell, and
    one without a 指标值类型 column never says 定量 or 定性: the parts are still stored,
    but exporting (and so checking) them would state what the form never asked
    (a 定量 row with no unit on a form that has no unit column). What the layout decides is
    read once per table: a row save exports the whole table to check it.
    """

    # The stored fields a row is read from, in the order `row` unpacks them (`export.indicator_values`):
    # the id, the version-1 keys (`INDICATOR_KEYS`), the record's fields (`record.RECORD_FIELDS`).
    FIELDS = (
        "id", "level1", "level2", "level3", "description", "value", "basis", "note",
        "comparator", "number", "unit", "value_type", "direction", "weight", "explanation", "scoring", "core", "period",
    )  # fmt: skip

    def __init__(self, layout):
        columns = set(layout.columns or [])
        self.hidden_levels = {key for key in ("level1", "level2") if key not in columns}
        self.split = bool(columns & SPLIT_COLUMNS)
        self.value_type = "value_type" in columns
        self.two_periods = len(layout.periods or []) > 1

    def row(self, values: tuple, *, with_id: bool = False) -> dict:
        """One row's version-1 keys, then its record keys (and its id), from its `FIELDS` values.

        One dict built from the unpacked values: it runs for every row of the table on every
        autosave, and each step more (a merge, a lookup by name) showed in `make bench`.
        """
        (
            pk, level1, level2, level3, description, value, basis, note,
            comparator, number, unit, value_type, direction, weight, explanation, scoring, core, period,
        ) = values  # fmt: skip
        split, hidden = self.split, self.hidden_levels
        row = {
            # A level the form does not print is stored empty and written null (version 2 allows it).
            "level1": None if not level1 and "level1" in hidden else level1,
            "level2": None if not level2 and "level2" in hidden else level2,
            "level3": level3,
            "description": description,
            "value": value,
            "basis": basis,
            "note": note,
            "comparator": (comparator or None) if split else None,
            "number": (record.format_number(number) or None) if split else None,
            "unit": (unit or None) if split else None,
            "value_type": (value_type or None) if self.value_type else None,
            "direction": direction or None,
            "weight": None if weight is None else record.format_number(weight),
            "explanation": explanation or None,
            "scoring": scoring or None,
            "core": core,
            "period": period if self.two_periods or period != record.ANNUAL else None,
        }
        if with_id:
            row["id"] = pk
        return row
