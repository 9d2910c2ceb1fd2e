"""The indicator grid: its header row(s), what each column means, and its rows.

A column's key comes from its printed label (`labels.fields_of`, the picked layout's
own wording first); `(长期)` / `(年度)` after a label, or a caption such as `中期指标`
over a group of columns, gives its period, so 中期 and 年度 side by side become two
indicators per printed row. A split sign / number / unit is joined into `value`
with `indicators.record.join_value`, the parts kept. A column no label places is
kept in each row's `note` as `标签：值` (and reported by the caller).

A person's choices come in as `overrides` (`{source key: choice}`). A column's source key
(`Column.source`) is its printed label normalised without the period suffix, `@long_term` /
`@annual` after it where the column holds one period, and `#2`, `#3` … on the second and later
columns of the same label and period: next year's file of the same shape has the same keys. A
choice is a record column key (`level3`), `header:<key>` / `budget:<key>` for a table-level
column of a multi-project sheet, `IN_NOTE` (kept in the note as `标签：值`, as confirmed) or
None (the column is ignored).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from indicators.record import (
    ANNUAL,
    LONG_TERM,
    join_value,
    read_core,
    read_direction,
    read_nature,
    read_period,
    read_value_type,
    read_weight,
    split_value,
)
from indicators.schemes import scheme_tree
from tables.imports.recognise.grid import Grid
from tables.imports.recognise.labels import fields_of, is_opinion, layout_labels, normalise, split_period
from tables.imports.text.words import LEVEL1_OF
from tables.layout_spec import HEADER_FIELDS
from tables.layouts import BUDGET_LABELS, COLUMN_LABELS

CATEGORY_KEYS = ("level1", "level2")
TEXT_KEYS = ("level1", "level2", "level3", "description", "basis", "note", "explanation", "scoring")
SPLIT_KEYS = ("comparator", "number", "unit")
_STOP_WORDS = (
    "填表人",
    "填报人",
    "联系人",
    "单位负责人",
    "部门负责人",
    "填报日期",
    "编报时间",
    "经办人",
    "注:",
    "附件",
)
_NUMBER = re.compile(r"^[+-]?[\d,]*\.?\d+$")


@dataclass
class Column:
    """One source column and the field it was mapped to (`key` None: no field; its cells go to the note)."""

    index: int
    label: str  # as printed
    place: str  # the header cell, for messages and the preview
    key: str | None
    section: str = "column"  # column / header / budget (a flat multi-project sheet) / ignored
    period: str | None = None
    used: bool = False  # an unplaced column that held something
    source: str = ""  # the key overrides and remembered mappings name it by (see the module docstring)
    chosen: bool = False  # its field was chosen by a person (an override), not read off its label

    def as_dict(self) -> dict:
        return {
            "label": self.label,
            "place": self.place,
            "key": self.key,
            "section": self.section,
            "period": self.period,
        }


@dataclass(frozen=True)
class HeaderFound:
    row: int  # the first header row
    height: int  # 1 or 2
    side_by_side: bool  # 中期 and 年度 columns in one grid
    caption: str | None = None  # the period a caption right above the header names (`长期绩效指标`)


def base_label(label: str) -> str:
    return split_period(normalise(label))[0]


def _column_fields(text: str, layout: dict | None) -> list[str]:
    base = base_label(text)
    return [key for section, key in fields_of(base, layout) if section == "column"] if base else []


def find_header(grid: Grid) -> HeaderFound | None:
    """The first row holding at least two indicator column labels, one of them a level."""
    for r in range(len(grid.rows)):
        if is_header_row(grid, r):
            height = 2 if _is_second_header(grid, r + 1) else 1
            if height == 1 and r > 0 and _is_upper_header(grid, r - 1, r):
                r, height = r - 1, 2  # `一级指标 | 长期 | | 年度` over `| 二级指标 | 三级指标 | 指标值 | 二级指标 …`
            periods = {split_period(normalise(cell.text))[1] for cell in grid.rows[r + height - 1]}
            periods |= {_caption_period(cell.text) for cell in grid.rows[r]}
            above = {cell.text for cell in grid.rows[r - 1] if cell.text} if r > 0 else set()
            caption = _caption_period(above.pop()) if len(above) == 1 else None
            return HeaderFound(r, height, side_by_side={ANNUAL, LONG_TERM} <= periods, caption=caption)
    return None


def is_header_row(grid: Grid, r: int) -> bool:
    """Row r holds at least two indicator column labels, one of them a level."""
    keys = {keys[0] for keys in (_column_fields(cell.text, None) for cell in grid.rows[r]) if keys}
    return len(keys) >= 2 and bool(keys & {"level1", "level2", "level3"})


def _is_second_header(grid: Grid, r: int) -> bool:
    if r >= len(grid.rows):
        return False
    texts = [cell.text for cell in grid.rows[r] if cell.text and not cell.merged]
    labels = [text for text in texts if _column_fields(text, None)]
    return bool(labels) and len(labels) * 2 >= len(texts)


def _is_upper_header(grid: Grid, upper: int, r: int) -> bool:
    """Row `upper` holds a column label over a blank (or the same, merged) cell of row r, and a period caption."""
    labelled = any(
        _column_fields(cell.text, None) and grid.text(r, c) in ("", cell.text)
        for c, cell in enumerate(grid.rows[upper])
    )
    return labelled and any(_caption_period(cell.text) for cell in grid.rows[upper])


_BARE_PERIODS = {"长期", "中期", "年度", "实施周期", "当年"}


def _caption_period(text: str) -> str | None:
    s = normalise(text)
    if s in _BARE_PERIODS:
        return read_period(s)
    if "指标" not in s or not re.search("中期|长期|年度|实施周期", s) or _column_fields(s, None):
        return None
    return read_period(s)


def header_keys(grid: Grid, found: HeaderFound, layout: dict | None) -> list[tuple[str | None, str | None]]:
    """(key, period) for every column of the header, before duplicates are settled."""
    out = []
    for c in range(grid.width):
        label, period = _label_at(grid, found, c)
        keys = _column_fields(label, layout)
        out.append((keys[0] if keys else None, period))
    return out


def _label_at(grid: Grid, found: HeaderFound, c: int) -> tuple[str, str | None]:
    top = grid.text(found.row, c)
    label, period = top, None
    if found.height == 2:
        bottom = grid.text(found.row + 1, c)
        if bottom and bottom != top and _column_fields(bottom, None):
            label, period = bottom, _caption_period(top or _caption_left_of(grid, found.row, c))
    own = split_period(normalise(label))[1]
    return label, own or period


def _caption_left_of(grid: Grid, r: int, c: int) -> str:
    """Copied text leaves a merged caption (`长期` over three columns) in its first cell only: the nearest
    text to the left in the caption row."""
    for left in range(c - 1, -1, -1):
        if text := grid.text(r, left):
            return text
    return ""


def map_columns(
    grid: Grid, found: HeaderFound, layout: dict | None, overrides: dict[str, str | None] | None = None
) -> list[Column]:
    columns: list[Column] = []
    own_labels = layout_labels(layout) if layout else {}
    for c in range(grid.width):
        label, period = _label_at(grid, found, c)
        row = found.row + found.height - 1
        place = grid.place(row, c)
        if c > 0 and _same_cell(grid, found, c):
            columns.append(Column(c, label, place, None, section="ignored", period=period))
            continue
        fields = fields_of(base_label(label), layout) if base_label(label) else []
        column_keys = [key for section, key in fields if section == "column"]
        if column_keys:
            columns.append(Column(c, label.strip(), place, column_keys[0], period=period))
        elif fields and fields[0][0] in ("header", "budget"):
            columns.append(Column(c, label.strip(), place, fields[0][1], section=fields[0][0]))
        elif not label.strip() and _is_caption(grid, found, Column(c, label, place, None), any_one=True):
            columns.append(Column(c, f"第{c + 1}列", place, None, section="ignored"))  # `年度绩效指标` down the side
        elif label.strip() and _is_caption(grid, found, Column(c, label, place, None)):
            columns.append(Column(c, label.strip(), place, None, section="ignored"))  # `绩效项目指标表` merged down
        else:
            columns.append(Column(c, label.strip() or f"第{c + 1}列", place, None, period=period))
    _settle_duplicates(grid, found, columns, own_labels)
    _apply_overrides(columns, overrides or {})
    keys = {column.key for column in columns if column.section == "column"}
    if "number" in keys and not keys & {"comparator", "unit"}:
        for column in columns:
            if column.key == "number":
                column.key = "value"
    return columns


IN_NOTE = "+note"  # a choice: keep the column in each row's note as `标签：值`, as a person confirmed
_CHOICE_KEYS = {"column": set(COLUMN_LABELS), "header": set(HEADER_FIELDS), "budget": set(BUDGET_LABELS)}


def _apply_overrides(columns: list[Column], overrides: dict[str, str | None]) -> None:
    """Number each column's source key, then put a person's choice in place of what its label said."""
    seen: dict[str, int] = {}
    for column in columns:
        base = base_label(column.label)
        key = f"{base}@{column.period}" if column.period else base
        seen[key] = seen.get(key, 0) + 1
        column.source = key if seen[key] == 1 else f"{key}#{seen[key]}"
        if column.source not in overrides:
            continue
        choice = overrides[column.source]
        section, _, field = (choice or "").rpartition(":")
        if choice is None:
            column.key, column.section = None, "ignored"
        elif choice == IN_NOTE:
            column.key, column.section = None, "column"
        elif field in _CHOICE_KEYS.get(section or "column", ()):
            column.key, column.section = field, section or "column"
        else:
            continue  # a choice this build no longer knows: the column keeps what its label says
        column.chosen = True


def _same_cell(grid: Grid, found: HeaderFound, c: int) -> bool:
    """Column c continues the merged header cell of column c-1 (one printed column over two grid columns)."""
    rows = range(found.row, found.row + found.height)
    return all(grid.merge_of(r, c) and grid.merge_of(r, c) == grid.merge_of(r, c - 1) for r in rows)


def _settle_duplicates(grid: Grid, found: HeaderFound, columns: list[Column], own_labels: dict) -> None:
    """Two columns for one key and period: a caption column (`绩效指标` down the side) is ignored; else the
    layout's own wording wins, then the first."""
    by_key: dict[tuple, list[Column]] = {}
    for column in columns:
        if column.section == "column" and column.key:
            by_key.setdefault((column.key, column.period), []).append(column)
    for same in by_key.values():
        if len(same) < 2:
            continue
        captions = [column for column in same if _is_caption(grid, found, column)]
        if len(captions) < len(same):  # `绩效指标` merged down the side beside a real 三级指标 column
            for column in captions:
                column.section, column.key = "ignored", None
            same = [column for column in same if column not in captions]
        same.sort(key=lambda col: (normalise(col.label) not in own_labels, _is_caption(grid, found, col), col.index))
        for column in same[1:]:
            column.section = "ignored" if _is_caption(grid, found, column) else "column"
            column.key = None


def _is_caption(grid: Grid, found: HeaderFound, column: Column, any_one: bool = False) -> bool:
    """A column that only repeats its heading (or, unlabelled, holds one caption) down the grid."""
    texts = set()
    for r in range(found.row + found.height, len(grid.rows)):
        if _is_stop({c: cell.text for c, cell in enumerate(grid.rows[r])}):
            break  # the footer and 审核意见 rows under the grid are not the column's
        texts.add(grid.text(r, column.index))
    texts -= {""}
    if any_one:
        return len(texts) <= 1 and all("指标" in text for text in texts)
    return texts <= {grid.text(found.row, column.index)}


# ---------------------------------------------------------------- rows


def read_rows(grid: Grid, found: HeaderFound, columns: list[Column], layout, problems: list[str]):
    """Indicators in printed order, each with the table-level cells of its row, and the row the grid ends at."""
    out: list[tuple[dict, dict]] = []
    groups = _groups(columns)
    tree = _tree(layout)
    carried: dict = {}
    head: dict = {}
    caption = found.caption
    for r in range(found.row + found.height, len(grid.rows)):
        cells = _row_cells(grid, r, found, columns)
        if not any(cells.values()) or _repeats_header(cells):
            continue
        if _is_stop(cells):
            return out, r
        if (period := _row_caption(cells)) is not None:
            caption = period
            continue
        _carry_head(head, cells, columns)
        for group, members in groups:
            indicator = _indicator(grid, r, members, cells, carried.setdefault(group, {}), tree, problems)
            if indicator is not None:
                _core_mark(indicator, layout)
                if group or caption:
                    indicator["period"] = group or caption
                out.append((indicator, dict(head), grid.row_place(r)))
    return out, len(grid.rows)


def _core_mark(indicator: dict, layout: dict | None) -> None:
    """A form that marks core indicators before the name (`*受益人数`): the mark becomes `core`."""
    mark = ((layout or {}).get("options") or {}).get("core_mark")
    if mark and indicator.get("level3"):
        core = indicator["level3"].startswith(mark)
        indicator["level3"] = indicator["level3"].removeprefix(mark).strip() if core else indicator["level3"]
        indicator["core"] = indicator.get("core") or core


def _row_cells(grid: Grid, r: int, found: HeaderFound, columns: list[Column]) -> dict[int, str]:
    """Row r's text under each source column (`{column index: text}`), a short text row lined up on the right."""
    shift = _missing_on_the_left(grid, r, found, columns)
    return {
        column.index: grid.text(r, column.index - shift) if column.index >= shift else ""
        for column in columns
        if column.section != "ignored"
    }


def _carry_head(head: dict, cells: dict[int, str], columns: list[Column]) -> None:
    """The table-level columns of a multi-project sheet (项目名称, 预算数 …), carried down when blank."""
    for column in columns:
        if column.section in ("header", "budget"):
            head[(column.section, column.key)] = cells[column.index] or head.get((column.section, column.key))


def _missing_on_the_left(grid: Grid, r: int, found: HeaderFound, columns: list[Column]) -> int:
    """Text copied one cell per line leaves merged category cells out: a short row lines up on the right."""
    if grid.merges or not grid.lengths:
        return 0
    header = max(c.index for c in columns if c.key or c.section == "ignored") + 1
    length = grid.lengths[r]
    if grid.lengths[found.row] < header or not 1 < length < header:
        return 0  # a lone cell (a category whose row was cut off, a caption) stays where it is
    return header - length


def _tree(layout: dict | None) -> dict[str, list[str]]:
    try:
        return scheme_tree(layout["scheme"]) if layout and layout.get("scheme") else {}
    except KeyError:  # a layout naming a scheme this build does not ship: categories carried down only
        return {}


def _groups(columns: list[Column]) -> list[tuple[str | None, list[Column]]]:
    """Columns per period: shared columns (no period) join every group."""
    periods = []
    for column in columns:
        if column.section == "column" and column.period and column.period not in periods:
            periods.append(column.period)
    shared = [c for c in columns if c.section == "column" and (c.period is None or not periods)]
    if not periods:
        return [(None, shared)]
    return [(p, [c for c in columns if c.section == "column" and c.period in (None, p)]) for p in periods]


def _is_stop(cells: dict) -> bool:
    first = next((text for text in cells.values() if text), "")
    s = normalise(first)
    return s.startswith(_STOP_WORDS) or is_opinion(first) or "盖章" in s or "签字" in s


def _repeats_header(cells: dict) -> bool:
    return sum(bool(_column_fields(text, None)) for text in set(cells.values()) if text) >= 2


def _row_caption(cells: dict) -> str | None:
    texts = {text for text in cells.values() if text}
    return _caption_period(texts.pop()) if len(texts) == 1 else None


def _indicator(grid: Grid, r: int, members: list[Column], cells: dict, carried: dict, tree, problems) -> dict | None:
    by_key = {column.key: cells.get(column.index, "") for column in members if column.key}
    if not (by_key.get("level3") or by_key.get("value") or by_key.get("number")):
        _carry(by_key, carried, tree)  # a pre-printed category row still names the category below it
        return None
    indicator: dict = {key: (by_key.get(key) or None) for key in ("level1", "level2", "level3", "description")}
    indicator.update(_carry(by_key, carried, tree))
    indicator.update(value=None, basis=by_key.get("basis") or None, note=by_key.get("note") or None)
    for key in ("explanation", "scoring"):
        if key in by_key:
            indicator[key] = by_key[key] or None
    _value(indicator, by_key)
    _extras(indicator, by_key)
    notes = [indicator.get("note")] if indicator.get("note") else []
    for column in members:
        if column.key is None and (text := cells.get(column.index)):
            column.used = True
            notes.append(f"{column.label}：{text}")
    if len(notes) > (1 if indicator.get("note") else 0):
        indicator["note"] = "；".join(notes)
    _check_dates(grid, r, members, problems)
    return indicator


def _carry(by_key: dict, carried: dict, tree: dict[str, list[str]]) -> dict:
    """一级/二级 from the row above when blank (a merged or copied-out cell); a 二级 the carried 一级 does not hold
    in the layout's scheme takes the 一级 that holds it (`社会公众或服务对象满意度指标` under a blank 一级)."""
    level1, level2 = by_key.get("level1") or None, by_key.get("level2") or None
    if "level1" in by_key:
        if level1 and level1 != carried.get("level1"):
            carried.pop("level2", None)
        if not level1 and level2:
            level1 = _level1_of(level2, carried.get("level1"), tree)
        level1 = level1 or carried.get("level1")
        carried["level1"] = level1
    if "level2" in by_key:
        level2 = level2 or carried.get("level2")
        carried["level2"] = level2
    return {key: value for key, value in (("level1", level1), ("level2", level2)) if key in by_key}


def _level1_of(level2: str, above: str | None, tree: dict[str, list[str]]) -> str | None:
    if above and (not tree or level2 in tree.get(above, ())):
        return above
    holders = [level1 for level1, level2s in tree.items() if level2 in level2s]
    if holders:
        return holders[0]
    return above or LEVEL1_OF.get(level2)


def _value(indicator: dict, by_key: dict) -> None:
    split = [key for key in SPLIT_KEYS if key in by_key]
    if not split:
        indicator["value"] = by_key.get("value") or None
        return
    nature = read_nature(by_key.get("comparator", ""))
    sign = nature.get("comparator", "")
    unit = by_key.get("unit", "").strip()
    number = (by_key.get("number") or by_key.get("value") or "").strip()
    if number and _NUMBER.match(number):
        value = join_value(sign, number, unit)
        indicator["comparator"], indicator["number"] = sign or None, number.replace(",", "")
    else:
        value = number or None
        parts = split_value(number) if number else None
        indicator["comparator"] = sign or (parts.comparator if parts and parts.number is not None else None) or None
        indicator["number"] = _text(parts.number) if parts and parts.number is not None else None
        unit = unit or (parts.unit if parts and parts.number is not None else "")
    indicator["value"] = value
    indicator["unit"] = unit or None
    for key, found in nature.items():
        if key != "comparator":
            indicator[key] = found


def _text(number) -> str:
    return format(number.normalize(), "f") if number is not None else None


def _extras(indicator: dict, by_key: dict) -> None:
    if "weight" in by_key:
        weight = read_weight(by_key["weight"])
        indicator["weight"] = _text(weight) if weight is not None else None
    if "direction" in by_key:
        indicator["direction"] = read_direction(by_key["direction"]) or None
    if "value_type" in by_key:
        indicator["value_type"] = read_value_type(by_key["value_type"]) or None
    if "core" in by_key:
        indicator["core"] = read_core(by_key["core"])


def _check_dates(grid: Grid, r: int, members: list[Column], problems: list[str]) -> None:
    for column in members:
        cell = grid.cell(r, column.index)
        if column.key in ("value", "number") and cell is not None and cell.serial is not None:
            problems.append(
                f"{cell.place}：“{column.label}”一格是日期（Excel 日期序号 {cell.serial}），读作“{cell.text}”；"
                "若原本是数字或文字，请在 Excel 中把这一格设为文本后重新输入。"
            )
