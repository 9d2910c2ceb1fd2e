"""The indicator block: header, label lines, rows fitted and their blank 一级/二级 filled in.

One row parser behind both entry points: `parse_indicator_rows` (rows pasted
into the grid) and the indicator part of `parse_table_text`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tables.imports.text.fitting import Presence, _Fit, _fit_indicator_row
from tables.imports.text.rows import Row, _bounded, split_rows
from tables.imports.text.words import (
    _FOOTER,
    _FOOTER_REASON,
    INDICATOR_FIELDS,
    Problem,
    _affinity,
    _Categories,
    _header_field,
    _is_section_label,
    _key,
    _too_long,
)


@dataclass
class RowsResult:
    """Indicator rows (dicts with every key of `INDICATOR_FIELDS`) and the lines not placed."""

    rows: list[dict[str, str | None]]
    problems: list[Problem] = field(default_factory=list)
    header: bool = False  # whether the text carried its own header row


@dataclass
class _Item:
    """An indicator row on its way to the result."""

    row: Row
    values: dict[str, str | None]
    presence1: Presence
    presence2: Presence
    inherited2: bool = False  # 二级 copied from the row above (may move to a label printed below)
    fallback2: str | None = None  # 二级 to use if the awaited label never comes


def _header_columns(row: Row) -> tuple[list[str | None], int, list[str]]:
    """Columns named by a header row, the number of leading cells before them, and unknown labels.

    A header that names 二级 but not 一级 still has a 一级 column: its label was
    printed on the row above (merged), so a blank cell just before 二级指标 is it.
    """
    cells = list(row.cells)
    while cells and not cells[-1]:
        cells.pop()
    first = next((i for i, c in enumerate(cells) if _header_field(c)), len(cells))
    columns: list[str | None] = []
    unknown: list[str] = []
    for cell in cells[first:]:
        name = _header_field(cell)
        if name is None and cell:
            unknown.append(cell)
        columns.append(name if name not in columns else None)
    if "level2" in columns and "level1" not in columns:
        columns.insert(0, "level1")
        if first and not cells[first - 1]:
            first -= 1
    return columns, first, unknown


def _unknown_columns_reason(labels: list[str]) -> str:
    return f"表头中的列「{'、'.join(labels)}」不在此版式中，该列内容未导入"


def _is_header(row: Row) -> bool:
    return sum(1 for c in row.filled if _header_field(c)) >= 2


def _is_footer(row: Row) -> bool:
    return bool(row.filled) and bool(_FOOTER.match(_key(row.filled[0])))


def _label_names(row: Row, cats: _Categories) -> list[str] | None:
    """The category names of a row that holds only block labels and 一级/二级 names; else None."""
    names = [c for c in row.filled if not _is_section_label(c)]
    if len(names) <= 2 and all(cats.is_category(n) for n in names):
        return names
    return None


class _Filler:
    """Fills blank and missing 一级/二级 cells, in printed order.

    * explicit cell → it starts (or repeats) a merged group;
    * blank cell → same as the row above, unless a new 一级 group just began:
      then the 二级 label is printed further down (centred in the merged cell),
      and the row waits for it;
    * missing column (the row was shifted) → the row waits for the next label
      printed below, falling back to the row above;
    * blank 一级 → the row above's 一级 if it owns the 二级, else `LEVEL1_OF`.
    """

    def __init__(self, cats: _Categories, previous: dict | None):
        self.cats = cats
        self.cur1: str | None = (previous or {}).get("level1") or None
        self.cur2: str | None = (previous or {}).get("level2") or None
        self.items: list[_Item] = []
        self.wait1: list[_Item] = []
        self.wait2: list[_Item] = []
        self.inherited_run: list[_Item] = []  # rows since the last 二级 label that copied it

    # -- labels on lines of their own

    def labels(self, names: list[str]) -> None:
        """One or two category names printed on a line of their own."""
        if len(names) == 2 and self.cats.is_level1(names[0]) and self.cats.is_level2(names[1]):
            self.level1_label(names[0])
            self.level2_label(names[1])
            return
        for name in names:
            if self._reads_as_level2(name):
                self.level2_label(name)
            else:
                self.level1_label(name)

    def _reads_as_level2(self, name: str) -> bool:
        """满意度指标 and (2015) 成本指标 are both 一级 and 二级: a 二级 only inside a 一级 that holds it."""
        if not self.cats.is_level2(name):
            return False
        if not self.cats.is_level1(name):
            return True
        return self.cur1 is not None and self.cur1 in self.cats.owners.get(name, set())

    def level1_label(self, name: str) -> None:
        if name != self.cur1:
            self.cur2 = None
            self.inherited_run = []
        self.cur1 = name
        self._resolve_level1(name)

    def level2_label(self, name: str) -> None:
        owner = self.cats.level1_of.get(name)
        self._move_trailing_rows(name, owner)
        self._resolve_level2(name, owner)
        self.cur2 = name
        self.inherited_run = []
        if owner and (self.cur1 is None or not self.cats.owns(self.cur1, name)):
            self.cur1 = owner

    def _move_trailing_rows(self, name: str, owner: str | None) -> None:
        """A label printed between two page fragments belongs to a merged cell that straddles the break.

        The layout does not say how many of the previous fragment's last rows it
        covers, so take back, from the end, the rows that copied their 二级 from
        above and whose name is closer to this label than to the one they copied
        (绩效监控完成率 → 绩效管理 rather than 预算和财务管理).
        """
        for item in reversed(self.inherited_run):
            current = item.values["level2"] or ""
            level3 = item.values["level3"] or ""
            if owner and item.values["level1"] not in (None, owner):
                break
            if _affinity(level3, name) <= _affinity(level3, current):
                break
            item.values["level2"] = name

    # -- rows

    def add(self, item: _Item) -> None:
        values = item.values
        if item.presence1 == "explicit":
            if values["level1"] != self.cur1:
                self.cur2 = None  # 二级 cells never merge across 一级 groups
                self.inherited_run = []
            self.cur1 = values["level1"]
        self._fill_level2(item)
        self._fill_level1(item)
        if item.presence1 == "explicit":
            self._resolve_level1(values["level1"])
        if item.presence2 == "explicit":
            self._resolve_level2(values["level2"], values["level1"])
        self.items.append(item)

    def _fill_level2(self, item: _Item) -> None:
        values = item.values
        if item.presence2 == "explicit":
            self.cur2 = values["level2"]
            self.inherited_run = []
        elif item.presence2 == "blank" and self.cur2 is not None:
            self._flush_wait2()  # a row that continues the group above: earlier waiters won't get a label
            values["level2"] = self.cur2
            item.inherited2 = True
            self.inherited_run.append(item)
        else:
            item.fallback2 = self.cur2
            self.wait2.append(item)

    def _fill_level1(self, item: _Item) -> None:
        values = item.values
        if item.presence1 == "explicit":
            return
        level2 = values["level2"]
        level1 = self.cur1
        if level2 and (level1 is None or not self.cats.owns(level1, level2)):
            level1 = self.cats.level1_of.get(level2, level1)
        if level1 is None:
            self.wait1.append(item)
            return
        if level1 != self.cur1:
            self.cur1 = level1
        values["level1"] = level1

    def _resolve_level1(self, name: str | None) -> None:
        for item in self.wait1:
            item.values["level1"] = name
        self.wait1 = []

    def _resolve_level2(self, name: str | None, level1: str | None) -> None:
        for item in self.wait2:
            own1 = item.values["level1"]
            if own1 is None or level1 is None or own1 == level1:
                item.values["level2"] = name
                if own1 is None and level1 is not None:
                    item.values["level1"] = level1
            else:
                item.values["level2"] = item.fallback2
        self.wait2 = []

    def _flush_wait2(self) -> None:
        for item in self.wait2:
            item.values["level2"] = item.fallback2
        self.wait2 = []

    def finish(self) -> list[_Item]:
        self._flush_wait2()
        self.wait1 = []
        return self.items


def _parse_indicator_block(
    rows: list[Row],
    columns: list[str | None],
    cats: _Categories,
    previous: dict | None,
    hint: tuple[int, str | None] | None = None,
) -> RowsResult:
    """The shared row parser behind both entry points. `rows` may start with a header row."""
    problems: list[Problem] = []
    filler = _Filler(cats, previous)
    saw_header = False
    for row in rows:
        if row.blank:
            continue
        if _is_header(row):
            columns, hint = _read_header(row, problems)
            saw_header = True
            continue
        if _is_footer(row):
            problems.append((row.line, row.text, _FOOTER_REASON))
            continue
        names = _label_names(row, cats)
        if names is not None:
            filler.labels(names)
            continue
        if len(row.filled) == 1:
            problems.append((row.line, row.text, "只有一个单元格，无法确定它属于哪一行哪一列"))
            continue
        fit = _fit_indicator_row(row.cells, columns, cats, hint)
        hint = fit.first_column
        if not fit.values.get("level3"):
            problems.append((row.line, row.text, "找不到三级指标（指标名称），未导入"))
            continue
        if fit.extra:
            problems.append((row.line, row.text, f"多出的单元格未导入：{'、'.join(fit.extra)}"))
        filler.add(_item_from_fit(row, fit))
    return RowsResult(_rows_that_fit(filler.finish(), problems), sorted(problems), saw_header)


def _read_header(row: Row, problems: list[Problem]) -> tuple[list[str | None], tuple[int, str | None]]:
    """The columns a header row names and the alignment hint they give; unknown labels are reported."""
    columns, skip, unknown = _header_columns(row)
    if unknown:
        problems.append((row.line, row.text, _unknown_columns_reason(unknown)))
    return columns, (skip, next((c for c in columns if c), None))


def _rows_that_fit(items: list[_Item], problems: list[Problem]) -> list[dict[str, str | None]]:
    """The finished rows; a row with a cell too long for its column is reported instead."""
    rows = []
    for item in items:
        reason = next(filter(None, (_too_long(name, item.values.get(name)) for name in _LIMITED)), None)
        if reason:
            problems.append((item.row.line, item.row.text, reason))
        else:
            rows.append(_finish_values(item.values))
    return rows


_LIMITED = ("level1", "level2", "level3", "value", "basis")


def _item_from_fit(row: Row, fit: _Fit) -> _Item:
    values: dict[str, str | None] = {name: (fit.values.get(name) or None) for name in INDICATOR_FIELDS}

    def presence(name: str) -> Presence:
        if name in fit.absent or name not in fit.values:
            return "absent"
        return "explicit" if fit.values[name] else "blank"

    return _Item(row, values, presence("level1"), presence("level2"))


def _finish_values(values: dict[str, str | None]) -> dict[str, str | None]:
    return {name: (values.get(name) or None) for name in INDICATOR_FIELDS}


def parse_indicator_rows(
    text: str,
    *,
    columns: list[str],
    tree: dict[str, list[str]] | None = None,
    previous: dict | None = None,
) -> RowsResult:
    """Parse indicator rows pasted into the grid.

    `columns` is the layout's column order (used when the text has no header
    row of its own); `tree` the layout's scheme (一级 → 二级 list), added to the
    shipped schemes; `previous` the grid row above the paste point, whose
    一级/二级 fill blank cells at the top of the paste.
    """
    unknown = [c for c in columns if c not in INDICATOR_FIELDS]
    if unknown:
        raise ValueError(f"unknown indicator columns: {unknown}")
    text, cut = _bounded(text)
    rows = split_rows(text, split_spaces=True)
    result = _parse_indicator_block(rows, list(columns), _Categories(tree), previous)
    result.problems += cut
    return result
