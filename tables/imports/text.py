"""Read a performance target table (绩效目标表) from pasted or extracted text.

Two entry points share one row parser:

* `parse_table_text` takes a whole department table (部门（单位）整体绩效目标表) as it
  comes out of Excel/WPS/Word (tab-separated), a Markdown converter (pipe
  tables) or a PDF extractor (page breaks, lost merged cells, shifted rows) and
  returns a `target-table/1` dict plus the lines it could not place.
* `parse_indicator_rows` takes the indicator rows a user pastes into the grid.

What the text looks like in practice, and what the parser does about it:

* Merged cells arrive as blank cells. A blank 一级/二级 cell means "same as the
  row above"; at the top of a group it means "the category that owns the
  二级" (`LEVEL1_OF`).
* A PDF extractor prints a merged cell's label once, not necessarily on the
  first row of its span: on the first row of the next page's fragment, or on a
  line of its own between fragments. Rows whose label was printed further down
  wait for it (`_Filler`).
* Rows lose or gain leading columns (a fragment without the 一级 column; a row
  where the 二级 column vanished and everything moved one cell left; a leading
  「年度绩效指标」 label column). Each row is fitted to the columns by scoring the
  few possible alignments (`_fit_indicator_row`).
* Nothing is dropped silently: every non-blank line ends up in the data or in
  `problems` as `(line_number, line_text, reason)`. That includes what is too
  big to keep: text past `MAX_LINES`/`MAX_CHARS`, a cell longer than its
  column (`FIELD_LIMITS`), an amount that is not a plain number.

Pure Python; no Django imports, so it is usable from scripts and tests.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

from indicators.schemes import SCHEMES

__all__ = [
    "INDICATOR_FIELDS",
    "LEVEL1_OF",
    "ParseResult",
    "Problem",
    "Row",
    "RowsResult",
    "parse_indicator_rows",
    "parse_table_text",
    "split_rows",
]

Problem = tuple[int, str, str]
"""(1-based line number, the line as printed, reason in Chinese)."""

INDICATOR_FIELDS: tuple[str, ...] = ("level1", "level2", "level3", "description", "value", "basis", "note")


def _build_level1_of() -> dict[str, str]:
    """二级 → 一级 over all shipped schemes; the first scheme that names a 二级 wins.

    Order matters for 成本指标: a 二级 of 产出指标 in the 2015 scheme (listed first)
    and a 一级 of its own in 2021, where its 二级 are 经济成本指标 etc.
    """
    level1_of: dict[str, str] = {}
    for scheme in SCHEMES:
        for level1, level2s in scheme["tree"].items():
            for level2 in level2s:
                level1_of.setdefault(level2, level1)
    return level1_of


LEVEL1_OF: dict[str, str] = _build_level1_of()
"""二级指标 → the 一级指标 that owns it (数量指标 → 产出指标, 履职效益 → 效益指标, …)."""

_SCHEME_LEVEL1: frozenset[str] = frozenset(l1 for scheme in SCHEMES for l1 in scheme["tree"])
_SCHEME_OWNERS: dict[str, frozenset[str]] = {
    level2: frozenset(l1 for s in SCHEMES for l1, l2s in s["tree"].items() if level2 in l2s) for level2 in LEVEL1_OF
}

# Header labels of the indicator grid → field. Compared after `_key` normalisation.
_HEADER_FIELDS: dict[str, str] = {
    "一级指标": "level1",
    "二级指标": "level2",
    "三级指标": "level3",
    "指标名称": "level3",
    "三级指标名称": "level3",
    "指标值": "value",
    "目标值": "value",
    "年度指标值": "value",
    "绩效指标描述": "description",
    "指标描述": "description",
    "指标值确定依据": "basis",
    "确定依据": "basis",
    "指标值说明": "note",
    "说明": "note",
    "备注": "note",
}

# Labels of whole blocks, printed in a merged first column; they carry no data.
_SECTION_LABELS: frozenset[str] = frozenset(
    {"年度主要任务", "主要任务", "预算情况", "年度绩效指标", "绩效指标", "年度绩效目标", "单位:万元", "金额单位:万元"}
)
_GOAL_LABELS: frozenset[str] = frozenset({"年度总体目标", "总体目标", "整体绩效目标", "年度整体目标"})
_MISSION_LABELS: frozenset[str] = frozenset({"年度履职目标", "履职目标"})
_ORG_LABEL = re.compile(
    r"^(?:部门[(（]单位[)）]名称|部门名称|单位名称|预算单位名称|预算部门名称)\s*[:：]?\s*(.*)$", re.S
)

# Task amount columns under 预算金额（万元）.
_AMOUNT_FIELDS: dict[str, str] = {
    "总额": "total",
    "合计": "total",
    "小计": "total",
    "财政拨款": "fiscal",
    "财政资金": "fiscal",
    "财政拨款资金": "fiscal",
    "其他资金": "other",
}
_TASK_HEADER_LABELS: frozenset[str] = frozenset({"任务名称", "主要内容", "预算金额(万元)", "预算金额"})
_TASK_TOTAL_LABELS: frozenset[str] = frozenset({"金额合计", "合计", "总计"})

# Rows of the 预算情况 block → budget key (after the numbering prefix is removed).
_BUDGET_FIELDS: dict[str, str] = {
    "部门预算总额": "total",
    "预算总额": "total",
    "部门预算": "total",
    "政府预算资金": "fiscal",
    "财政拨款": "fiscal",
    "财政拨款资金": "fiscal",
    "财政专户管理资金": "special_account",
    "单位资金": "unit_funds",
    "其他资金": "other",
    "基本支出": "basic",
    "项目支出": "project",
}
_BUDGET_GROUP_LABELS: frozenset[str] = frozenset({"资金来源", "资金结构"})
_BUDGET_PREFIX = re.compile(r"^(?:\d+[、.]\s*)?(?:资金来源|资金结构)?\s*[:：]?\s*(?:[(]\d+[)])?\s*")
_UNIT_SUFFIX = re.compile(r"[(]万元[)]$|[:：]$")

_TITLE_WORDS = re.compile(r"绩效目标(?:申报)?表")
_YEAR_IN_PARENS = re.compile(r"[(（]\s*(\d{4})\s*年度?\s*[)）]")
_YEAR_LINE = re.compile(r"^[(（]?\s*(\d{4})\s*年度?\s*[)）]?$")
_YEAR_PREFIX = re.compile(r"^(\d{4})\s*年度?\s*")

_COMPARATOR = re.compile(r"^\s*(?:[≥≤＞＜＝=<>]|大于|小于|不低于|不少于|不超过|不高于|不大于|达到)")
_BARE_NUMBER = re.compile(r"^[\d.,]+\s*(?:%|[^\d\s]{0,4})$")
_DATE = re.compile(r"^\d{4}年(?:\d{1,2}月(?:\d{1,2}日)?)?(?:底|前|内|以前)?(?:完成)?$")
_NUMBER = re.compile(r"^-?\d+(?:\.\d+)?$")
_THOUSANDS = re.compile(r"^-?\d{1,3}(?:,\d{3})+(?:\.\d+)?$")

# The signature and review rows under a printed form: not table data, reported rather than guessed at.
_FOOTER = re.compile(
    r"^(?:填报单位|填报人|单位负责人|财务负责人|部门负责人|联系电话|填报日期|审核人|"
    r"主管部门审核意见|财政部门审核意见|审核意见)"
)
_FOOTER_REASON = "签署栏（填报人、联系电话、审核意见等）不是表格数据，未导入"

# The longest text each part may have: the max_length of the model field it is stored in
# (indicators.models.Indicator, tables.models.TargetTable/Task/Organisation; a test keeps
# them equal). PostgreSQL refuses longer text, so it is reported here, with its line.
FIELD_LIMITS: dict[str, int] = {
    "level1": 100,
    "level2": 100,
    "level3": 300,
    "value": 300,
    "basis": 300,
    "title": 300,
    "organization": 200,
    "task": 300,
}
_FIELD_NAMES = {
    "level1": "一级指标",
    "level2": "二级指标",
    "level3": "三级指标",
    "value": "指标值",
    "basis": "指标值确定依据",
    "title": "表名",
    "organization": "部门（单位）名称",
    "task": "任务名称",
}

# Pasted text is bounded: a whole table is a few hundred lines; a multi-megabyte paste is a
# mistake (or an attack) and would keep a worker busy for a minute. The rest is reported, not read.
MAX_LINES = 5000
MAX_CHARS = 1_000_000

_MD_ROW = re.compile(r"^\s*\|")
_MD_SEPARATOR = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(?:\|\s*:?-*:?\s*)*\|?\s*$")
_ZERO_WIDTH = re.compile(r"[\u200b\u200c\u200d\ufeff]")


# --------------------------------------------------------------------------- results


@dataclass
class RowsResult:
    """Indicator rows (dicts with every key of `INDICATOR_FIELDS`) and the lines not placed."""

    rows: list[dict[str, str | None]]
    problems: list[Problem] = field(default_factory=list)
    header: bool = False  # whether the text carried its own header row


@dataclass
class ParseResult:
    """A `target-table/1` dict, the lines not placed, and parts the text never stated."""

    data: dict
    problems: list[Problem] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # e.g. "预算年度" when no year was found


# --------------------------------------------------------------------------- splitting text into rows


@dataclass
class Row:
    """One logical row: its cells and where it was printed."""

    line: int  # 1-based number of the row's first physical line
    cells: list[str]
    text: str  # the physical line(s) as printed, for problem reports

    @property
    def filled(self) -> list[str]:
        return [c for c in self.cells if c]

    @property
    def blank(self) -> bool:
        return not any(self.cells)


def _too_long(field: str, text: str | None) -> str | None:
    """The reason a text is too long for its field, or None."""
    limit = FIELD_LIMITS[field]
    if text is None or len(text) <= limit:
        return None
    return f"“{_FIELD_NAMES[field]}”过长（{len(text)} 个字，最多 {limit} 个字），未导入"


def _clean_cell(cell: str) -> str:
    return _ZERO_WIDTH.sub("", cell).strip()


def _markdown_cells(line: str) -> list[str]:
    body = line.strip()
    body = body[1:] if body.startswith("|") else body
    body = body[:-1] if body.endswith("|") and not body.endswith("\\|") else body
    # A pipe escaped as \| is part of the cell.
    parts = re.split(r"(?<!\\)\|", body)
    return [_clean_cell(p.replace("\\|", "|")) for p in parts]


def _quoted_cell(lines: list[str], i: int, pos: int) -> tuple[str, int, int] | None:
    """Read an Excel-quoted cell starting at lines[i][pos] == '"'.

    Excel quotes a cell that holds a newline, tab or quote and doubles inner
    quotes. Returns (text, line index, position after the closing quote), or
    None when the quote is not closed properly — then it was a literal quote.
    """
    out: list[str] = []
    line, p = lines[i], pos + 1
    # A quoted cell may span lines, but not the rest of a long document.
    last = min(len(lines), i + 200)
    while True:
        if p >= len(line):
            i += 1
            if i >= last:
                return None
            out.append("\n")
            line, p = lines[i], 0
            continue
        ch = line[p]
        if ch != '"':
            out.append(ch)
            p += 1
        elif line[p + 1 : p + 2] == '"':
            out.append('"')
            p += 2
        elif p + 1 == len(line) or line[p + 1] == "\t":
            return "".join(out), i, p + 1
        else:
            return None


def _delimited_cells(lines: list[str], i: int, split_spaces: bool) -> tuple[list[str], int]:
    """Cells of the tab-separated row starting at lines[i]; returns (cells, index of its last line)."""
    line = lines[i]
    if "\t" not in line and '"' not in line:
        if split_spaces and re.search(r" {2,}", line.strip()):
            return [_clean_cell(c) for c in re.split(r" {2,}", line.strip())], i
        return [_clean_cell(line)], i
    cells: list[str] = []
    p = 0
    while True:
        line = lines[i]
        if p < len(line) and line[p] == '"':
            quoted = _quoted_cell(lines, i, p)
            if quoted is not None:
                text, i, p = quoted
                cells.append(_clean_cell(text))
                line = lines[i]
                if p >= len(line):
                    return cells, i
                p += 1  # the tab after the closing quote
                continue
        end = line.find("\t", p)
        if end < 0:
            cells.append(_clean_cell(line[p:]))
            return cells, i
        cells.append(_clean_cell(line[p:end]))
        p = end + 1


def _bounded(text: str) -> tuple[str, list[Problem]]:
    """The first MAX_LINES lines (at most MAX_CHARS characters), and a problem naming where reading stopped."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if len(text) <= MAX_CHARS and text.count("\n") < MAX_LINES:
        return text, []
    lines = text.split("\n", MAX_LINES)  # the last part holds the rest
    kept, size = [], 0
    for line in lines[:MAX_LINES]:
        size += len(line) + 1
        if size > MAX_CHARS:
            break
        kept.append(line)
    if len(kept) == len(lines):
        return text, []
    unread = lines[len(kept)].split("\n", 1)[0][:80]
    reason = f"文本过长（最多 {MAX_LINES} 行、{MAX_CHARS // 10000} 万字），从这一行起未读取，请分次粘贴"
    return "\n".join(kept), [(len(kept) + 1, unread, reason)]


def split_rows(text: str, *, split_spaces: bool = False) -> list[Row]:
    """Split text into rows of cells: tab-separated (Excel quoting understood) or Markdown pipe rows.

    Markdown separator lines (|---|---|) are layout, not text, and are skipped.
    `split_spaces` also splits tab-less lines on runs of 2+ spaces (Word pastes).
    """
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    rows: list[Row] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if _MD_ROW.match(line):
            if not _MD_SEPARATOR.match(line):
                rows.append(Row(i + 1, _markdown_cells(line), line))
            i += 1
            continue
        cells, last = _delimited_cells(lines, i, split_spaces)
        rows.append(Row(i + 1, cells, "\n".join(lines[i : last + 1])))
        i = last + 1
    return rows


# --------------------------------------------------------------------------- small predicates


def _key(text: str) -> str:
    """Normalised form for comparing labels: half-width punctuation, no whitespace."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def _is_section_label(cell: str) -> bool:
    return _key(cell) in _SECTION_LABELS


def _header_field(cell: str) -> str | None:
    return _HEADER_FIELDS.get(_key(cell))


def _looks_like_value(cell: str) -> bool:
    """A 指标值 such as ≥95%, =83人, 100%, 2022年11月25日 — not a name."""
    text = cell.strip()
    if not text:
        return False
    if _COMPARATOR.match(text):
        return True
    text = unicodedata.normalize("NFKC", text)
    return bool(_BARE_NUMBER.match(text) or _DATE.match(text))


def _looks_like_amount(cell: str) -> bool:
    text = unicodedata.normalize("NFKC", cell).replace(" ", "").removesuffix("万元")
    return bool(_NUMBER.match(text) or _THOUSANDS.match(text))


def _amount(cell: str | None) -> str | None:
    """An amount as printed, thousands separators removed; empty → None."""
    if cell is None or not cell.strip():
        return None
    text = unicodedata.normalize("NFKC", cell).strip()
    return text.replace(",", "") if _THOUSANDS.match(text) else text


def _bigrams(text: str) -> set[str]:
    return {text[i : i + 2] for i in range(len(text) - 1)}


def _affinity(name: str, label: str) -> int:
    """How many character pairs a 三级 name shares with a category label."""
    return len(_bigrams(name) & _bigrams(label))


class _Categories:
    """Which names are 一级 and 二级, from the shipped schemes plus the layout's own tree."""

    def __init__(self, tree: dict[str, list[str]] | None):
        self.level1_of: dict[str, str] = dict(LEVEL1_OF)
        self.owners: dict[str, set[str]] = {k: set(v) for k, v in _SCHEME_OWNERS.items()}
        self.level1: set[str] = set(_SCHEME_LEVEL1)
        for level1, level2s in (tree or {}).items():
            self.level1.add(level1)
            for level2 in level2s:
                self.level1_of[level2] = level1  # the layout's own scheme decides
                self.owners.setdefault(level2, set()).add(level1)
        if tree:
            # 成本指标 is a 一级 in 2021 but a 二级 in 2015: the layout's scheme says which.
            self.level1 -= {name for names in tree.values() for name in names} - set(tree)

    def is_level1(self, name: str) -> bool:
        return name in self.level1

    def is_level2(self, name: str) -> bool:
        return name in self.level1_of

    def is_category(self, name: str) -> bool:
        return self.is_level1(name) or self.is_level2(name)

    def owns(self, level1: str, level2: str) -> bool:
        """Whether `level1` may hold `level2`; unknown 二级 (a province's own) are allowed anywhere."""
        return level2 not in self.owners or level1 in self.owners[level2]


# --------------------------------------------------------------------------- fitting a row to the columns

Presence = Literal["explicit", "blank", "absent"]


@dataclass
class _Fit:
    skip: int  # leading cells dropped (blank, or a block label such as 年度绩效指标)
    absent: frozenset[str]  # category columns the row does not have at all
    score: float
    values: dict[str, str]  # field → cell text
    extra: list[str]  # non-empty cells beyond the last column

    @property
    def first_column(self) -> tuple[int, str | None]:
        return (self.skip, next(iter(self.values), None))


def _score_cell(column: str, cell: str, cats: _Categories) -> float:
    """How plausible `cell` is in `column`; 0 is neutral."""
    if column in ("level1", "level2"):
        if not cell:
            return 0
        if (column == "level1" and cats.is_level1(cell)) or (column == "level2" and cats.is_level2(cell)):
            return 2
        if cats.is_category(cell):
            return -3 if column == "level1" else -2
        if _looks_like_value(cell):
            return -3
        return 0.5 if cell.endswith("指标") else -1
    if column == "level3":
        if not cell:
            return -3
        if cats.is_category(cell):
            return -2
        if _looks_like_value(cell):
            return -2
        return -1 if cell.endswith("指标") else 0
    if column == "value":
        if not cell:
            return -1
        if _looks_like_value(cell):
            return 1
        return -1 if len(cell) > 40 else 0
    return 0


def _alignments(cells: list[str], columns: list[str | None]) -> Iterable[tuple[int, frozenset[str]]]:
    """The (skip, absent) pairs worth trying for a row."""
    optional = [c for c in columns[:2] if c in ("level1", "level2")]
    absents = [frozenset()]
    absents += [frozenset({c}) for c in optional]
    if len(optional) == 2:
        absents.append(frozenset(optional))
    for skip in range(min(len(cells), 4)):
        if skip and (cells[skip - 1] and not _is_section_label(cells[skip - 1])):
            break
        for absent in absents:
            yield skip, absent


def _fit_indicator_row(
    cells: list[str], columns: list[str | None], cats: _Categories, hint: tuple[int, str | None] | None
) -> _Fit:
    """Choose how the row's cells line up with the columns.

    Ties go to the alignment the previous row used (a fragment keeps its shape),
    then to fewer missing columns.
    """
    best: _Fit | None = None
    best_key: tuple = ()
    for skip, absent in _alignments(cells, columns):
        kept = [c for c in columns if c not in absent]
        values: dict[str, str] = {}
        extra: list[str] = []
        score = 0.0
        for column, cell in zip(kept, cells[skip:], strict=False):
            if column is not None:  # a column the header named but the layout lacks: reported once, at the header
                values[column] = cell
        extra += [c for c in cells[skip + len(kept) :] if c]
        for column in kept:
            if column is not None:
                score += _score_cell(column, values.get(column, ""), cats)
        score -= 5 * len(extra)
        fit = _Fit(skip, absent, score, values, extra)
        key = (score, fit.first_column == hint, -len(absent), -skip)
        if best is None or key > best_key:
            best, best_key = fit, key
    assert best is not None
    return best


# --------------------------------------------------------------------------- the indicator block


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
            columns, skip, unknown = _header_columns(row)
            hint = (skip, next((c for c in columns if c), None))
            saw_header = True
            if unknown:
                problems.append((row.line, row.text, _unknown_columns_reason(unknown)))
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
    rows = []
    for item in filler.finish():
        reason = next(filter(None, (_too_long(name, item.values.get(name)) for name in _LIMITED)), None)
        if reason:
            problems.append((item.row.line, item.row.text, reason))
        else:
            rows.append(_finish_values(item.values))
    return RowsResult(rows, sorted(problems), saw_header)


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


# --------------------------------------------------------------------------- the whole table


@dataclass
class _TableState:
    """What `parse_table_text` has read so far."""

    data: dict
    problems: list[Problem] = field(default_factory=list)
    mode: Literal["head", "tasks", "budget", "goal", "mission"] = "head"
    amount_fields: list[str] = field(default_factory=list)
    saw_table_row: bool = False


def _empty_table(source: str | None) -> dict:
    return {
        "format": "target-table/1",
        "source": source,
        "kind": "department",
        "year": None,
        "title": None,
        "organization": {"code": None, "name": None},
        "project": None,
        "mission": None,
        "goal": None,
        "budget": {},
        "spending_plan": None,
        "tasks": [],
        "indicators": [],
    }


def _clean_goal(text: str) -> str:
    """Paragraph markup (<p>, <br>) → line breaks; other tags removed; blank lines dropped."""
    text = re.sub(r"(?i)<\s*br\s*/?>|</\s*p\s*>|</\s*div\s*>", "\n", text)
    text = re.sub(r"</?[a-zA-Z][a-zA-Z0-9]*(?:\s[^<>]*)?/?>", "", text)
    text = html.unescape(text)
    lines = (line.strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def _title_and_year(cell: str) -> tuple[str | None, int | None]:
    """Split a heading line into (title, year); either may be None."""
    text = re.sub(r"^#+\s*", "", cell).strip()
    year_line = _YEAR_LINE.match(_key(text))
    if year_line:
        return None, int(year_line.group(1))
    if not _TITLE_WORDS.search(text):
        return None, None
    year = None
    found = _YEAR_IN_PARENS.search(text)
    if found:
        year = int(found.group(1))
        text = (text[: found.start()] + text[found.end() :]).strip()
    prefix = _YEAR_PREFIX.match(text)
    if prefix:
        year = year or int(prefix.group(1))
        text = text[prefix.end() :].strip()
    return text, year


def _organization(text: str) -> dict:
    found = re.match(r"^[\[【(（]?(\d{3,})[\]】)）]?\s*(.+)$", text)
    if found:
        return {"code": found.group(1), "name": found.group(2).strip()}
    return {"code": None, "name": text}


def _label_and_text(row: Row, labels: frozenset[str]) -> str | None:
    """The text after a label cell (e.g. 年度总体目标) in the same row, or None if no such label."""
    for i, cell in enumerate(row.cells):
        if _key(cell) in labels:
            return "\n".join(c for c in row.cells[i + 1 :] if c)
    return None


def _budget_field(cell: str) -> str | None:
    label = _UNIT_SUFFIX.sub("", _BUDGET_PREFIX.sub("", _key(cell)))
    return _BUDGET_FIELDS.get(label)


def _is_amount_header(row: Row) -> bool:
    labels = [_key(c) for c in row.filled]
    return len(labels) >= 2 and all(c in _AMOUNT_FIELDS or c in _TASK_HEADER_LABELS for c in labels)


def _read_task_header(state: _TableState, row: Row) -> None:
    state.mode = "tasks"
    fields = [_AMOUNT_FIELDS[_key(c)] for c in row.filled if _key(c) in _AMOUNT_FIELDS]
    if fields:
        state.amount_fields = fields
    elif any(_key(c).startswith("预算金额") for c in row.filled):
        state.amount_fields = ["total", "fiscal", "other"]  # the sub-header row may still reorder them


def _read_task(state: _TableState, row: Row) -> None:
    """A 年度主要任务 row: name, content, then the amounts in the header's order."""
    columns = ["name", "content", *state.amount_fields]
    best: tuple | None = None
    for skip in range(min(len(row.cells), 4)):
        if skip and row.cells[skip - 1] and not _is_section_label(row.cells[skip - 1]):
            break
        cells = row.cells[skip:]
        values = dict(zip(columns, cells, strict=False))
        extra = [c for c in cells[len(columns) :] if c]
        score = -5 * len(extra)
        for name in ("name", "content"):
            cell = values.get(name, "")
            score += -3 if _looks_like_amount(cell) else (1 if cell else -2)
        for name in state.amount_fields:
            cell = values.get(name, "")
            score += 0.5 if _looks_like_amount(cell) else (0 if not cell else -3)
        if best is None or score > best[0]:
            best = (score, values, extra)
    assert best is not None
    _, values, extra = best
    if not values.get("name") and not values.get("content"):
        state.problems.append((row.line, row.text, "无法识别的任务行，未导入"))
        return
    if reason := _too_long("task", values.get("name")):
        state.problems.append((row.line, row.text, reason))
        return
    if extra:
        state.problems.append((row.line, row.text, f"多出的单元格未导入：{'、'.join(extra)}"))
    state.data["tasks"].append(
        {
            "name": values.get("name") or None,
            "content": values.get("content") or None,
            **{name: _checked_amount(state, row, values.get(name)) for name in ("total", "fiscal", "other")},
        }
    )


def _checked_amount(state: _TableState, row: Row, cell: str | None) -> str | None:
    """An amount cell as printed; anything but a plain number (1e9, 约10) is reported and left blank."""
    if cell and not _looks_like_amount(cell):
        state.problems.append((row.line, row.text, f"金额「{cell[:40]}」不是数字，未导入"))
        return None
    return _amount(cell)


def _read_task_totals(state: _TableState, row: Row) -> None:
    """The 金额合计 row under the tasks states the table's budget."""
    start = next((i for i, c in enumerate(row.cells) if _key(c) in _TASK_TOTAL_LABELS), 0) + 1
    cells = row.cells[start:]
    # The label may span the name and content columns: skip blanks up to the first amount.
    while cells and not cells[0] and len(cells) > len(state.amount_fields):
        cells = cells[1:]
    for name, cell in zip(state.amount_fields or ["total", "fiscal", "other"], cells, strict=False):
        if cell and not _looks_like_amount(cell):
            state.problems.append((row.line, row.text, f"金额「{cell}」不是数字，未导入"))
            continue
        state.data["budget"][name] = _amount(cell)


def _read_budget(state: _TableState, row: Row, pending: list[tuple[Row, str]]) -> None:
    """A row of the 预算情况 block: a label cell and the amount in the next cell."""
    state.mode = "budget"
    index = next(i for i, c in enumerate(row.cells) if _budget_field(c))
    name = _budget_field(row.cells[index])
    amount = row.cells[index + 1] if index + 1 < len(row.cells) else ""
    assert name is not None
    state.data["budget"][name] = _checked_amount(state, row, amount)
    for i, cell in enumerate(row.cells):
        if i in (index, index + 1) or not cell or _is_section_label(cell):
            continue
        if _header_field(cell):
            pending.append((row, cell))  # half of the indicator header, printed beside the budget (merged cell)
        else:
            state.problems.append((row.line, row.text, f"预算情况行中多出的内容未导入：{cell}"))


def _read_heading(state: _TableState, row: Row) -> bool:
    """Title, year and 单位：万元 lines above the table. Returns whether the row was one of them."""
    if len(row.filled) != 1 or state.saw_table_row:
        return False
    cell = row.filled[0]
    if _key(cell) in _SECTION_LABELS:
        return True
    title, year = _title_and_year(cell)
    if title is None and year is None:
        return False
    if reason := _too_long("title", title):
        state.problems.append((row.line, row.text, reason))
        title = None
    if title and state.data["title"] is None:
        state.data["title"] = title
    if year and state.data["year"] is None:
        state.data["year"] = year
    return True


def _continues_text(row: Row) -> bool:
    """A row holding only more text of a goal/mission cell cut by a page break."""
    return len(row.filled) == 1 and not row.cells[0] and not _is_header(row)


def parse_table_text(text: str, source: str | None = None) -> ParseResult:
    """Parse a whole 部门（单位）整体绩效目标表 into a `target-table/1` dict.

    The indicator part is handed to the same row parser as `parse_indicator_rows`.
    """
    state = _TableState(_empty_table(source))
    data = state.data
    cats = _Categories(None)
    text, state.problems = _bounded(text)
    rows = split_rows(text)
    # Header labels printed beside the budget rows (merged cells); the header row that follows uses them.
    pending_header: list[tuple[Row, str]] = []
    for index, row in enumerate(rows):
        if row.blank:
            continue
        if _is_header(row):
            _read_indicators(state, row, rows[index + 1 :], cats)
            pending_header = []
            break
        if state.mode != "tasks" and _opens_indicators(row, cats):
            _read_indicators(state, None, rows[index:], cats)
            break
        _read_table_row(state, row, pending_header)
    for row, cell in pending_header:
        state.problems.append((row.line, row.text, f"「{cell}」像是指标表头，但后面没有指标表"))
    wanted = (("year", "预算年度"), ("title", "表名"), ("goal", "年度总体目标"))
    missing = [label for key, label in wanted if not data[key]]
    if not data["organization"]["name"]:
        missing.append("部门（单位）名称")
    if data["mission"] and "年度总体目标" in missing:
        missing.remove("年度总体目标")  # layouts with 年度履职目标 may have no 总体目标
    return ParseResult(data, sorted(state.problems), missing)


def _read_indicators(state: _TableState, header: Row | None, body: list[Row], cats: _Categories) -> None:
    """Hand the indicator grid to the shared row parser."""
    if header is None:
        columns: list[str | None] = ["level1", "level2", "level3", "value"]
        hint = None
    else:
        columns, skip, unknown = _header_columns(header)
        hint = (skip, next((c for c in columns if c), None))
        if unknown:
            state.problems.append((header.line, header.text, _unknown_columns_reason(unknown)))
    result = _parse_indicator_block(body, columns, cats, None, hint)
    state.data["indicators"] = result.rows
    state.problems += result.problems


def _opens_indicators(row: Row, cats: _Categories) -> bool:
    """Indicator rows with no header before them: a row naming a 一级/二级 and more cells."""
    return len(row.filled) >= 3 and any(cats.is_category(c) for c in row.cells[:3])


def _read_table_row(state: _TableState, row: Row, pending_header: list[tuple[Row, str]]) -> None:
    """One row above the indicator grid: heading, organisation, tasks, goal, budget."""
    data = state.data
    if _read_heading(state, row):
        return
    state.saw_table_row = True
    if _is_footer(row):
        state.problems.append((row.line, row.text, _FOOTER_REASON))
        return
    first = row.filled[0]
    org = _ORG_LABEL.match(first)
    if org:
        rest = [org.group(1).strip(), *row.filled[1:]]
        name = next((c for c in rest if c), "")
        organization = _organization(name)
        if reason := _too_long("organization", organization["name"]):
            state.problems.append((row.line, row.text, reason))
        elif name:
            data["organization"] = organization
        state.mode = "head"
        return
    for labels, key in ((_GOAL_LABELS, "goal"), (_MISSION_LABELS, "mission")):
        found = _label_and_text(row, labels)
        if found is not None:
            data[key] = _clean_goal(found) or None
            state.mode = key
            return
    if any(_key(c) in _TASK_HEADER_LABELS for c in row.filled) or _is_amount_header(row):
        _read_task_header(state, row)
        return
    if any(_key(c) in _TASK_TOTAL_LABELS for c in row.filled):
        _read_task_totals(state, row)
        return
    if any(_budget_field(c) for c in row.cells):
        _read_budget(state, row, pending_header)
        return
    if all(_is_section_label(c) or _key(c) in _BUDGET_GROUP_LABELS for c in row.filled):
        return  # block labels only (年度主要任务, 资金来源：)
    if state.mode in ("goal", "mission") and _continues_text(row):
        data[state.mode] = "\n".join(filter(None, [data[state.mode], _clean_goal(row.filled[0])]))
        return
    if state.mode == "tasks":
        _read_task(state, row)
        return
    state.problems.append((row.line, row.text, "无法识别的行，未导入"))
