"""Read any province's form off a grid: `recognise(grid, layouts) -> Recognised`.

What it finds, in order:
1. the indicator header row (one or two rows of column labels; `二级指标(长期)`
   beside `二级指标(年度)`, or a caption `中期指标` over its columns, gives each
   column its period), and each column's record key (`columns.py`);
2. the kind (项目名称 / 项目编码 → project; 部门（单位）名称, 年度主要任务 or 整体 in
   the title → department) and the closest shipped layout by label overlap;
3. above the grid: the title and its year (`2023年度…`, `(2020年度)` under it, or a
   预算年度 cell), 金额单位, and every header / budget line by its label (a label
   followed by its value on the right, several pairs per row, or its value below
   when the right-hand cell is another label);
4. the indicator rows, 一级/二级 carried down over merged or blank cells, until a
   footer, 审核意见 or signature row; a caption `长期绩效指标` / `年度绩效指标`
   between two grids switches the period;
5. below the grid: the footer lines and the 审核意见 rows.

A sheet whose grid carries 项目名称 (and 单位名称, 预算数, 年度目标) as columns lists
many projects: each project becomes its own table.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path

from tables.imports.recognise import columns as cols
from tables.imports.recognise.grid import Grid, split_forms
from tables.imports.recognise.labels import Field, all_labels, fields_of, is_label, is_opinion, layout_labels, normalise
from tables.imports.recognise.tasks import read_tasks
from tables.layouts import LAYOUTS

LAYOUT_DATA = Path(__file__).resolve().parents[2] / "layout_data"

# Where a header key lands in a target-table/2 dict.
HEADER_PATHS: dict[str, tuple[str, ...]] = {
    "organization": ("organization", "name"),
    "organization_code": ("organization", "code"),
    "department_name": ("department", "name"),
    "department_code": ("department", "code"),
    "project_name": ("project", "name"),
    "project_code": ("project", "code"),
    "project_purpose": ("project", "purpose"),
    "project_attribute": ("project", "attribute"),
    "project_category": ("project", "category"),
    "project_start": ("project", "start"),
    "project_end": ("project", "end"),
    "project_manager": ("project", "manager"),
    "project_phone": ("project", "phone"),
    "mission": ("mission",),
    "goal": ("goal",),
    "long_term_goal": ("long_term_goal",),
}
FOOTER_KEYS = {"filled_by": "filler", "filler_phone": "phone", "filled_on": "date", "responsible": "responsible"}
_YEAR = re.compile(r"(20\d{2}|19\d{2})\s*年")
_AMOUNT_UNIT = re.compile(r"(金额)?单位:(万元|元)")
_AMOUNT = re.compile(r"^(-?[\d,]+(?:\.\d+)?)(万元|万|元)?$")


@dataclass
class Recognised:
    """What a grid was read as: the tables, how each column was placed, and what went wrong where."""

    tables: list[dict]
    layout: str | None  # code of the closest shipped layout
    score: float  # its label overlap, 0..1
    columns: list[cols.Column]
    problems: list[str] = field(default_factory=list)
    # per table: where each of its exchange keys was read (`indicators[3]` → its row's first cell,
    # `organization.name` → the value's cell), so a refusal of the stored table can name the cell
    places: list[dict[str, str]] = field(default_factory=list)


# The layout a table no shipped form fits is stored under when a person confirms it (never picked by labels).
GENERIC_LAYOUT = "generic-project"


@cache
def _shipped() -> tuple[str, ...]:
    return tuple(path.read_text(encoding="utf-8") for path in sorted(LAYOUT_DATA.glob("*.json")))


def shipped_layouts() -> list[dict]:
    """The layout records the product ships: the seeds' three and the provinces' JSON files."""
    return [*LAYOUTS, *(record for text in _shipped() if (record := json.loads(text))["code"] != GENERIC_LAYOUT)]


def generic_layout() -> dict:
    return json.loads((LAYOUT_DATA / f"{GENERIC_LAYOUT}.json").read_text(encoding="utf-8"))


def recognise(
    grid: Grid, layouts: list[dict] | None = None, overrides: dict[str, str | None] | None = None
) -> Recognised:
    """A grid read as tables; `overrides` are a person's choices per source column (`columns.py`)."""
    layouts = shipped_layouts() if layouts is None else layouts
    problems: list[str] = []
    found = cols.find_header(grid)
    if found is None:
        problems.append(
            f"{grid.name}：找不到指标表头：应有一行写着“一级指标”“二级指标”“三级指标”“指标值”等列名，"
            "没有找到这样的一行。"
        )
        return Recognised(tables=[], layout=None, score=0.0, columns=[], problems=problems)
    kind = _kind(grid, found.row)
    layout, score = pick_layout(grid, layouts, kind, found)
    columns = cols.map_columns(grid, found, layout, overrides)
    table, head_places = _table_head(grid, found.row, kind or (layout or {}).get("kind"), layout, problems)
    rows, end = cols.read_rows(grid, found, columns, layout, problems)
    _read_footer(grid, end, layout, table, problems)
    for column in columns:
        if column.key is None and column.used and not column.chosen:
            problems.append(
                f"{column.place}：列“{column.label}”对应不到指标的任何一项，"
                f"它的内容已按“{column.label}：值”记入该行指标的备注（指标值说明），请确认。"
            )
    if layout is None:
        problems.append(f"{grid.name}：没有相近的已有表样，已按通用表样读入全部列，请确认每列的含义。")
    tables, row_places = _split_projects(table, rows, columns)
    places = [
        {**head_places, **{f"indicators[{i}]": place for i, place in enumerate(each, start=1)}} for each in row_places
    ]
    return Recognised(
        tables=tables,
        layout=layout["code"] if layout else None,
        score=score,
        columns=columns,
        problems=problems,
        places=places,
    )


def forms_of(grid: Grid) -> list[Grid]:
    """The forms a sheet or page holds back to back (Anhui prints two projects on one sheet), one grid each;
    a flat multi-project sheet is one form (`recognise` splits it by its 项目名称 column)."""
    return split_forms(grid, _is_title, lambda r: cols.is_header_row(grid, r))


def _is_title(text: str) -> bool:
    s = normalise(text)
    return "绩效目标" in s and not is_label(text) and len(s) <= 60


# ---------------------------------------------------------------- kind and layout


def _kind(grid: Grid, header_row: int) -> str | None:
    texts = {normalise(cell.text) for row in grid.rows for cell in row if cell.text}
    title = next((t for t in texts if "绩效目标" in t and t.endswith("表")), "")
    if "整体" in title:
        return "department"
    if texts & {"项目名称", "项目编码", "项目(专项)名称", "专项名称", "专项(项目)名称", "申报项目名称"}:
        return "project"
    if texts & {"部门(单位)名称", "部门名称", "部门编码", "年度主要任务"}:
        return "department"
    return "project" if "项目" in title else None


def grid_labels(grid: Grid) -> set[str]:
    found = set()
    for row in grid.rows:
        for cell in row:
            if cell.merged or not cell.text:
                continue
            label = normalise(cell.text)
            found.add(label)
            found.add(normalise(cell.text.split(":")[0].split("：")[0]))
            found.add(cols.base_label(label))
    return found


def pick_layout(grid: Grid, layouts: list[dict], kind: str | None, found) -> tuple[dict | None, float]:
    """The shipped layout whose printed labels overlap the grid's most (F1 of the two label sets)."""
    labels = grid_labels(grid)
    column_keys = {key for key, _ in cols.header_keys(grid, found, None)} - {None}
    known = len(labels & _known(layouts))
    best, best_score, best_rank = None, 0.0, -1.0
    for layout in layouts:
        if kind and layout.get("kind") != kind:
            continue
        own = set(layout_labels(layout))
        if not own:
            continue
        matched = len(own & labels)
        f1 = 2 * matched / (len(own) + known or 1)
        rank = f1 + 0.1 * (set(layout.get("columns") or []) == column_keys) + 0.05 * _periods_fit(layout, found)
        if rank > best_rank:
            best, best_score, best_rank = layout, round(f1, 3), rank
    if best is not None and best_score < 0.2:
        return None, best_score
    return best, best_score


def _periods_fit(layout: dict, found) -> bool:
    side_by_side = (
        len(layout.get("periods") or []) > 1 and (layout.get("options") or {}).get("period_grids") != "stacked"
    )
    return side_by_side == found.side_by_side


def _known(layouts: list[dict]) -> set[str]:
    known = set(all_labels())
    for layout in layouts:
        known |= set(layout_labels(layout))
    return known


# ---------------------------------------------------------------- above the grid


def _empty_table(kind: str | None) -> dict:
    return {
        "format": "target-table/2",
        "kind": kind,
        "year": None,
        "title": None,
        "organization": {"code": None, "name": None},
        "department": None,
        "project": None,
        "mission": None,
        "goal": None,
        "long_term_goal": None,
        "budget": {},
        "spending_plan": None,
        "tasks": [],
        "schedule": None,
        "footer": None,
        "indicators": [],
    }


def _table_head(
    grid: Grid, header_row: int, kind: str | None, layout: dict | None, problems: list[str]
) -> tuple[dict, dict[str, str]]:
    table = _empty_table(kind)
    if kind == "project":
        table["project"] = dict.fromkeys(
            ("code", "name", "purpose", "attribute", "category", "start", "end", "manager", "phone")
        )
    unit = _amount_unit(grid)
    title_row = _title(grid, header_row, table)
    _year(grid, header_row, title_row, table, problems)
    tasks, task_rows = read_tasks(grid, range(title_row + 1, header_row))
    table["tasks"] = tasks
    head_rows = [r for r in range(title_row + 1, header_row) if r not in task_rows]
    pairs = _pairs(grid, head_rows, layout)
    places = {"title": grid.row_place(title_row), "year": grid.row_place(title_row)} if title_row >= 0 else {}
    for fields, value, label, place in pairs:
        _put(table, fields, value, label, place, unit, problems)
        for section, key in fields:
            path = f"budget.{key}" if section == "budget" else ".".join(HEADER_PATHS.get(key, ()))
            if path:
                places.setdefault(path, place)
    return table, places


def _title(grid: Grid, header_row: int, table: dict) -> int:
    for r in range(min(header_row, 6)):
        texts = {cell.text for cell in grid.rows[r] if cell.text}
        if len(texts) == 1:
            text = texts.pop()
            if not is_label(text) and ("表" in text or "绩效目标" in text):
                # a markdown heading's `#`, and a `（2022年）` line kept in the same cell, are not the title
                table["title"] = text.split("\n")[0].strip().lstrip("#").strip()
                return r
    return -1


def _year(grid: Grid, header_row: int, title_row: int, table: dict, problems: list[str]) -> None:
    title_cell = next((cell.text for cell in grid.rows[title_row] if cell.text), "") if title_row >= 0 else ""
    candidates = [title_cell or table["title"] or ""]
    candidates += [cell.text for r in range(title_row + 1, min(title_row + 3, header_row)) for cell in grid.rows[r]]
    for text in candidates:
        if text and (found := _YEAR.search(text)) and (text is candidates[0] or len(normalise(text)) <= 12):
            table["year"] = int(found.group(1))
            return
    for r in range(header_row):
        for c, cell in enumerate(grid.rows[r]):
            if normalise(cell.text) in {"预算年度", "年度"} and (
                found := re.search(r"(19|20)\d{2}", grid.text(r, c + 1))
            ):
                table["year"] = int(found.group(0))
                return
    problems.append(
        f"{grid.name}：找不到预算年度：标题里应写有“2023年度”一类的字样，或有一格“预算年度”；"
        f"找到的标题是“{table['title'] or '（没有标题）'}”。"
    )


def _amount_unit(grid: Grid) -> str:
    for row in grid.rows[:12]:
        for cell in row:
            if found := _AMOUNT_UNIT.search(normalise(cell.text)):
                return found.group(2)
    return "万元"


_HEAD_SECTIONS = ("header", "budget", "footer")


def _pairs(grid: Grid, rows, layout: dict | None, sections=_HEAD_SECTIONS) -> list[tuple[list[Field], str, str, str]]:
    """(fields, value, printed label, place) for every label cell in `rows` with its value beside or below it."""
    found = []
    used: set[tuple[int, int]] = set()
    for r in rows:
        for c in _distinct(grid, r):
            if (r, c) in used:
                continue
            text = grid.text(r, c)
            if _AMOUNT_UNIT.search(normalise(text)):  # `单位：万元` is the amount unit, not the 单位 line
                continue
            segments = _SEGMENT.split(text.strip())
            if len(segments) > 1 and all(re.search("[:：]", part) for part in segments):
                # `填表人：王媛    联系电话：138…    填报日期：…`: several lines printed in one cell
                for part in segments:
                    label, _, value = re.split("([:：])", part, maxsplit=1)
                    fields = [f for f in fields_of(label, layout) if f[0] in sections]
                    if fields:
                        found.append((fields, value.strip() or None, label.strip(), grid.place(r, c)))
                continue
            label, value, where = text, None, (r, c)
            fields = [f for f in fields_of(text, layout) if f[0] in sections]
            if not fields and (parts := re.split(r"[:：]|\s+", text.strip(), maxsplit=1))[1:]:
                # `填表人：王媛`, `部门（单位）名称 中共…办公室`: label and value in one cell
                fields = [f for f in fields_of(parts[0], layout) if f[0] in sections]
                label, value = parts[0], parts[1].strip() or None
            if not fields:
                continue
            if value is None:
                value, where = _value_of(grid, r, c, used)
            found.append((fields, value, label.strip(), grid.place(*where)))
    return found


_SEGMENT = re.compile(r"[ \t\u3000]+(?=[^\s:：]{2,12}[:：])")  # spaces before the next `label：`


def _distinct(grid: Grid, r: int) -> list[int]:
    """The columns of row r that start a cell (a merged cell counted once)."""
    out = []
    for c, cell in enumerate(grid.rows[r]):
        merge = grid.merge_of(r, c)
        if merge and (merge[1] != c and merge[0] <= r):
            continue  # covered from the left
        if not merge and c > 0 and cell.merged:
            continue
        out.append(c)
    return out


def _value_of(grid: Grid, r: int, c: int, used: set) -> tuple[str | None, tuple[int, int]]:
    """A label's value: the next filled cell on its right (blank cells between are a merged value copied out
    as text), or, when that is another label or there is none, the cell below it."""
    merge = grid.merge_of(r, c)
    right = (merge[3] + 1) if merge else c + 1
    width = len(grid.rows[r])
    while right < width and not grid.text(r, right):
        right += 1
    text = grid.text(r, right) if right < width else ""
    if text and not is_label(text):
        used.add((r, right))
        return text, (r, right)
    if text:  # another label follows: this one is blank, or its value stands below it
        below = (merge[2] + 1) if merge else r + 1
        text = grid.text(below, c)
        if text and not is_label(text) and grid.merge_of(below, c) != merge:
            used.add((below, c))
            return text, (below, c)
        return None, (r, c)
    below = (merge[2] + 1) if merge else r + 1
    under = grid.text(below, c)
    if c + 1 >= width and under and not is_label(under):
        used.add((below, c))
        return under, (below, c)
    return None, (r, c)


def _put(table: dict, fields: list[Field], value: str | None, label: str, place: str, unit: str, problems) -> None:
    section = fields[0][0]
    keys = [key for s, key in fields if s == section]
    if section == "budget":
        _put_amount(table, keys[0], value, label, place, unit, problems)
    elif section == "footer":
        footer = table["footer"] or {"filler": None, "phone": None, "date": None, "responsible": None, "opinions": []}
        footer[FOOTER_KEYS[keys[0]]] = value
        table["footer"] = footer
    else:
        value = _without_tags(value)
        for key, part in zip(keys, _split_combined(keys, value), strict=False):
            _set_path(table, HEADER_PATHS[key], part)


def _set_path(table: dict, path: tuple[str, ...], value: str | None) -> None:
    if value is None:
        return
    if len(path) == 1:
        table[path[0]] = table[path[0]] or value
        return
    outer, inner = path
    if table.get(outer) is None:
        table[outer] = {"code": None, "name": None} if outer in ("department", "organization") else {}
    table[outer][inner] = table[outer].get(inner) or value


_NAME_AND_CODE = ({"department_name", "department_code"}, {"organization", "organization_code"})


def _split_combined(keys: list[str], value: str | None) -> list[str | None]:
    """One printed cell for two keys: `[015001]武汉市…`, `202001-202012`, `彭兵 13800000000`."""
    if value is None or len(keys) == 1:
        return [_ticked(value)] * len(keys)
    if set(keys[:2]) in _NAME_AND_CODE:
        found = re.match(r"^\s*[\[【(（]?\s*(\d+)\s*[\]】)）]?\s*(.+)$", value)
        parts = {"name": found.group(2).strip(), "code": found.group(1)} if found else {"name": value, "code": None}
        return [parts["code"] if key.endswith("_code") else parts["name"] for key in keys[:2]]
    if keys[:2] == ["project_start", "project_end"]:
        parts = re.split(r"\s*(?:至|~|～|—|–|－|-{1,2})\s*", value, maxsplit=1)
        return parts if len(parts) == 2 else [value, None]
    if keys[:2] == ["project_manager", "project_phone"]:
        found = re.search(r"[\d-]{7,}", value)
        if found:
            return [value[: found.start()].strip(" ,，/、") or None, found.group(0)]
    return [value, None]


def _without_tags(value: str | None) -> str | None:
    """Text copied from a web editor: `<p>一</p> <p>二</p>` → two lines, other tags dropped."""
    if value is None or "<" not in value:
        return value
    text = re.sub(r"</p>\s*<p[^>]*>|<br\s*/?>", "\n", value)
    return re.sub(r"<[^>]+>", "", text).strip()


def _ticked(value: str | None) -> str | None:
    """`新增项目□ 延续项目√` → `延续项目`: a line of tick boxes reads as the ticked one."""
    if value is None or "□" not in value:
        return value
    found = re.search(r"([^\s□√☑■]+)\s*[√☑■]", value)
    return found.group(1) if found else value


def _put_amount(table: dict, key: str, value: str | None, label: str, place: str, unit: str, problems) -> None:
    if value is None or key in table["budget"]:
        return
    text = re.sub(r"\s", "", value)
    found = _AMOUNT.match(text) or re.match(r"^(-?[\d,]+(?:\.\d+)?)(万元|万|元)", text)
    if not found:
        problems.append(f"{place}：“{label}”应为金额（万元），实际为“{value}”，没有读入。")
        table.setdefault("header_extra", []).append({"label": label, "value": value})
        return
    number = found.group(1).replace(",", "")
    if (found.group(2) or unit) == "元":
        try:
            number = format((Decimal(number) / 10000).normalize(), "f")
        except InvalidOperation:
            return
    table["budget"][key] = number
    if found.end() < len(text):
        table.setdefault("header_extra", []).append({"label": label, "value": value})
        problems.append(
            f"{place}：“{label}”读作 {number} 万元，格中其余文字“{text[found.end() :]}”另存在表头附加信息中。"
        )


# ---------------------------------------------------------------- below the grid


def _read_footer(grid: Grid, end: int, layout: dict | None, table: dict, problems) -> None:
    if end >= len(grid.rows):
        return
    rows = range(end, len(grid.rows))
    for fields, value, label, place in _pairs(grid, rows, layout, sections=("footer",)):
        _put(table, fields, value, label, place, "万元", problems)
    for r in rows:
        for c in _distinct(grid, r):
            text = grid.text(r, c)
            if is_opinion(text):
                value, _ = _value_of(grid, r, c, set())
                footer = table["footer"] or {"filler": None, "phone": None, "date": None, "responsible": None}
                footer.setdefault("opinions", []).append({"by": text.strip(), "text": value})
                table["footer"] = footer


# ---------------------------------------------------------------- many projects in one sheet


def _split_projects(table: dict, rows: list[tuple[dict, dict, str]], columns) -> tuple[list[dict], list[list[str]]]:
    """One table, or one per project where the grid carries 项目名称 as a column; and each table's row places."""
    if not any(column.section in ("header", "budget") for column in columns):
        table["indicators"] = [indicator for indicator, _, _ in rows]
        return [table], [[place for _, _, place in rows]]
    tables: list[dict] = []
    places: list[list[str]] = []
    current_name = object()
    for indicator, head, place in rows:
        name = head.get(("header", "project_name"))
        if name != current_name:
            current_name = name
            project = json.loads(json.dumps(table))
            for (section, key), value in head.items():
                _put(project, [(section, key)], value, key, "", "万元", [])
            tables.append(project)
            places.append([])
        tables[-1]["indicators"].append(indicator)
        places[-1].append(place)
    return tables, places
