"""A province's 指标库 workbook read into rows: the header found and its columns recognised by their
labels, merged cells filled down, 功能分类 codes (`205 教育支出`, `20502 普通教育`) or named 行业/领域
columns read as a path in the 行业/领域 tree.

`read_library(data, name)` takes the bytes of an xlsx that already passed the package checks (zip bombs,
formulas without a result): those checks are `tables.imports.xlsx.package`, which `indicators` may not
import, so the callers in `tables` (`tables/library/importing.py`) run them first. It returns a
`LibraryBook`: the rows, the columns it recognised, `errors` (the import is refused: a row without a
三级 name, a bad date, a cell too long; each names the sheet, row and cell) and `notes` (read anyway:
a row repeated, a column read twice). `LibraryWorkbookError` is raised when nothing can be read.
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from xml.etree import ElementTree

import openpyxl
from openpyxl.utils import column_index_from_string, get_column_letter
from openpyxl.utils.cell import coordinate_from_string

from indicators import record
from indicators.catalog import name_key

HEADER_SEARCH_ROWS = 30  # the header is among a sheet's first rows (a title and notes may come first)
MAX_ROWS = 20_000
MAX_ERRORS = 30

# key → the labels that name it. A label is found inside a longer header (`三级指标名称`); the longest
# label found wins (`指标值确定依据` is basis, not value). `=…` labels must be the whole header.
LABELS: dict[str, tuple[str, ...]] = {
    "industry": ("行业", "行业领域", "行业/领域", "所属行业", "行业类别", "项目类别", "=类别"),
    "domain": ("领域", "所属领域", "支出领域", "子领域", "细分领域"),
    "function": ("功能分类", "支出功能分类", "功能科目", "功能分类科目", "支出功能分类科目"),
    "class": ("=类", "类级科目", "功能分类类", "=科目类"),
    "section": ("=款", "款级科目", "功能分类款", "=科目款"),
    "item": ("=项", "项级科目", "功能分类项", "=科目项"),
    "code": ("指标编码", "指标代码", "指标编号", "=编码"),
    "level1": ("一级指标", "=一级"),
    "level2": ("二级指标", "=二级"),
    "level3": ("三级指标", "指标名称", "三级指标名称", "=绩效指标", "=指标"),
    "description": ("绩效指标描述", "指标描述"),
    "definition": ("指标解释", "指标说明", "指标定义", "指标内涵", "统计口径", "指标释义", "指标含义", "指标解释说明"),
    "formula": ("计算公式", "计算方法", "计算方式", "=公式", "计算口径"),
    "comparator": ("计算符号", "=符号", "比较符号", "运算符号", "指标值符号"),
    "value": ("参考指标值", "=指标值", "目标值", "参考值", "参考目标值", "指标参考值", "=参考标准值"),
    "unit": ("计量单位", "=单位", "度量单位", "指标单位"),
    "direction": ("指标方向", "指标方向性", "=方向", "=指标性质"),
    "value_type": ("指标值类型", "=指标类型", "定量/定性", "定性/定量"),
    "basis": ("绩效标准", "指标值确定依据", "=标准", "确定依据", "标准依据", "指标值设定依据"),
    "scoring": ("评分标准", "评(扣)分标准", "扣分标准", "评分规则", "评分方法", "评价标准", "评分办法"),
    "keywords": ("关键词", "关键字", "检索词"),
    "nature": ("是否共性", "共性个性", "共性/个性", "是否共性指标", "共性或个性", "指标属性"),
    "accumulation": ("累计方式", "累计型/时点型", "指标累计方式", "累计类型", "时点型/累计型"),
    "valid_from": ("启用日期", "启用时间", "生效日期", "有效期起", "开始日期"),
    "valid_to": ("停用日期", "停用时间", "失效日期", "有效期止", "截止日期"),
    "data_source": ("数据来源", "数据采集来源", "取数来源", "数据出处"),
    "frequency": ("采集频率", "采集周期", "统计频率", "监测频率", "更新频率", "统计周期"),
}
TITLES = {
    "industry": "行业", "domain": "领域", "function": "功能分类", "class": "类", "section": "款", "item": "项",
    "code": "指标编码", "level1": "一级指标", "level2": "二级指标", "level3": "三级指标", "description": "绩效指标描述",
    "definition": "指标解释", "formula": "计算公式", "comparator": "计算符号", "value": "参考指标值",
    "unit": "计量单位", "direction": "指标方向", "value_type": "指标值类型", "basis": "绩效标准",
    "scoring": "评分标准", "keywords": "关键词", "nature": "共性/个性", "accumulation": "累计方式",
    "valid_from": "启用日期", "valid_to": "停用日期", "data_source": "数据来源", "frequency": "采集频率",
}  # fmt: skip
# The columns that say where an entry sits, outermost first: a blank cell means "same as above".
FIELD_KEYS = ("industry", "domain", "function", "class", "section", "item")
HIERARCHY_KEYS = (*FIELD_KEYS, "level1", "level2")
# How long a stored text may be (CatalogEntry's fields): a longer cell is refused, not cut.
MAX_LENGTHS = {
    "code": 60, "level1": 100, "level2": 100, "level3": 300, "value": 300, "unit": 40, "basis": 300,
    "keywords": 300, "data_source": 300, "frequency": 40, "field": 100,
}  # fmt: skip

_CODED = re.compile(r"^[\[【(（]?(\d{3,9})[\]】)）]?\s*[-—_.、:：]?\s*(.*)$")
_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_NUMBER = re.compile(r"^[+-]?\d+(?:\.\d+)?$")


def entry_name_key(field_names: tuple[str, ...], level2: str, level3: str) -> tuple:
    """An entry's identity without a 指标编码: its 行业/领域 path, 二级 and normalised 三级 name."""
    return ("name", field_names, level2.strip(), name_key(level3))


class LibraryWorkbookError(ValueError):
    """Nothing can be read from the workbook; `errors` say why, in Chinese."""

    def __init__(self, errors: list[str] | str):
        self.errors = [errors] if isinstance(errors, str) else list(errors)
        super().__init__("\n".join(self.errors))


@dataclass(frozen=True)
class FieldNode:
    """One level of an entry's 行业/领域: a 功能分类 code (may be "") and a name."""

    code: str
    name: str


@dataclass
class LibraryRow:
    """One entry as the workbook states it; `place` names it in messages (`教育!D12`)."""

    sheet: str
    row: int
    field_path: tuple[FieldNode, ...]
    level1: str
    level2: str
    level3: str
    values: dict  # the CatalogEntry fields besides the names and the field

    @property
    def place(self) -> str:
        return f"{self.sheet} 第 {self.row} 行"

    @property
    def key(self) -> tuple:
        """Who this row is across editions: its 指标编码, else (行业/领域, 二级, 三级 name)."""
        return ("code", self.values["code"]) if self.values.get("code") else self.name_key

    @property
    def name_key(self) -> tuple:
        return entry_name_key(tuple(node.name for node in self.field_path), self.level2, self.level3)


@dataclass
class LibraryBook:
    file_name: str
    rows: list[LibraryRow] = field(default_factory=list)
    columns: dict[str, list[str]] = field(default_factory=dict)  # sheet → the recognised headers
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def error(self, message: str) -> None:
        if len(self.errors) < MAX_ERRORS:
            self.errors.append(message)
        elif len(self.errors) == MAX_ERRORS:
            self.errors.append("错误过多，只列出前 30 条")


def normalise_label(text: object) -> str:
    """A header as compared: half-width, no spaces, no `*` a template puts before a required column."""
    s = unicodedata.normalize("NFKC", str(text or ""))
    return re.sub(r"[\s*:：]+", "", s).replace("（", "(").replace("）", ")")


def recognise_label(text: object) -> str | None:
    """The column a header names (a key of LABELS), or None."""
    header = normalise_label(text)
    if not header:
        return None
    best, best_length = None, 0
    for key, labels in LABELS.items():
        for label in labels:
            exact = label.startswith("=")
            label = normalise_label(label.removeprefix("="))
            hit = header == label if exact else label in header
            if hit and len(label) > best_length:
                best, best_length = key, len(label)
    return best


# ---------------------------------------------------------------- reading


def read_library(data: bytes, file_name: str = "") -> LibraryBook:
    """Every sheet with a recognisable header, read into rows (see the module's docstring).

    Read streaming (`read_only`): a province's library is thousands of rows, and openpyxl's full load
    spends most of its time building cell objects and merged-cell borders it does not need. The merged
    ranges, which streaming does not give, are read from each sheet's XML (`_merged_ranges`)."""
    name = file_name or "文件"
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), data_only=True, read_only=True)
        merges = _merged_ranges(data)
        book = LibraryBook(file_name)
        skipped = []
        for sheet in workbook.worksheets:
            sheet.reset_dimensions()  # some programs save a wrong size; read every row there is
            if not _read_sheet(book, sheet.title, _grid(sheet, merges.get(sheet.title, []))):
                skipped.append(sheet.title)
            if len(book.rows) > MAX_ROWS:
                raise LibraryWorkbookError(f"{name}：指标超过 {MAX_ROWS} 行，请分成几个文件导入")
        workbook.close()
    except LibraryWorkbookError:
        raise
    except Exception as exc:  # openpyxl and zipfile raise many kinds on a damaged file
        raise LibraryWorkbookError(f"{name}：xlsx 文件已损坏或格式不受支持（{type(exc).__name__}）") from exc
    if not book.columns:
        raise LibraryWorkbookError(
            f"{name}：没有找到表头。每个工作表（{'、'.join(skipped) or '无'}）的前 {HEADER_SEARCH_ROWS} "
            "行中都没有“三级指标”（或“指标名称”）及“一级指标”“指标解释”等列名"
        )
    if skipped:
        book.notes.append(f"工作表 {'、'.join(skipped)} 中没有找到指标库的表头，未读取")
    if not book.rows and not book.errors:
        book.error(f"{name}：表头下面没有指标")
    _link_codes(book.rows)
    _drop_repeats(book)
    return book


_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\s+ref="([A-Z]+[0-9]+):([A-Z]+[0-9]+)"')


def _merged_ranges(data: bytes) -> dict[str, list[tuple[int, int, int, int]]]:
    """{sheet title: [(min_row, min_col, max_row, max_col), …]} from each sheet's `<mergeCell>`s."""
    found: dict[str, list[tuple[int, int, int, int]]] = {}
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        names = set(package.namelist())
        parts = {}
        if "xl/_rels/workbook.xml.rels" in names:
            for rel in ElementTree.fromstring(package.read("xl/_rels/workbook.xml.rels")).iter(
                f"{_PKG_REL}Relationship"
            ):
                target = rel.get("Target", "")
                parts[rel.get("Id")] = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
        for sheet in ElementTree.fromstring(package.read("xl/workbook.xml")).iter(f"{_MAIN}sheet"):
            part = parts.get(sheet.get(f"{_REL}id"))
            if part in names:
                ranges = []
                for first, last in _MERGE.findall(package.read(part)):
                    (c1, r1), (c2, r2) = coordinate_from_string(first.decode()), coordinate_from_string(last.decode())
                    ranges.append((r1, column_index_from_string(c1), r2, column_index_from_string(c2)))
                found[sheet.get("name", "")] = ranges
    return found


def _grid(sheet, merges: list[tuple[int, int, int, int]]) -> list[list[object]]:
    """The sheet's values, every row as wide as the widest, each merged range's value in every cell it covers."""
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    width = max((len(row) for row in rows), default=0)
    width = max([width, *(max_col for _, _, _, max_col in merges)])
    for row in rows:
        row.extend([None] * (width - len(row)))
    for min_row, min_col, max_row, max_col in merges:
        if min_row > len(rows):
            continue
        top = rows[min_row - 1][min_col - 1]
        for r in range(min_row, min(max_row, len(rows)) + 1):
            rows[r - 1][min_col - 1 : max_col] = [top] * (max_col - min_col + 1)
    return rows


def _find_header(rows: list[list[object]]) -> tuple[int, dict[int, str]] | None:
    """(index of the header's last row, {column index: key}); a second header row refines the first."""
    for r, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        keys = {c: key for c, cell in enumerate(row) if (key := recognise_label(cell))}
        if "level3" not in keys.values() or len(keys) < 3:
            continue
        if r + 1 < len(rows):
            below = {c: key for c, cell in enumerate(rows[r + 1]) if (key := recognise_label(cell))}
            level3 = next(c for c, key in keys.items() if key == "level3")
            if len(below) >= 2 and (level3 in below or rows[r + 1][level3] in (None, "")):
                return r + 1, {**keys, **below}
        return r, keys
    return None


def _read_sheet(book: LibraryBook, title: str, rows: list[list[object]]) -> bool:
    found = _find_header(rows)
    if found is None:
        return False
    header, keys = found
    columns: dict[str, int] = {}
    for c, key in sorted(keys.items()):
        if key in columns:
            book.notes.append(
                f"{title}：{get_column_letter(c + 1)} 列与 {get_column_letter(columns[key] + 1)} 列都是"
                f"“{TITLES[key]}”，只读取 {get_column_letter(columns[key] + 1)} 列"
            )
            continue
        columns[key] = c
    book.columns[title] = [f"{rows[header][c]}→{TITLES[key]}" for key, c in columns.items()]
    above: dict[str, str] = {}
    for r in range(header + 1, len(rows)):
        cells = {key: _text(rows[r][c]) if c < len(rows[r]) else "" for key, c in columns.items()}
        if not any(cells.values()):
            continue
        _fill_down(cells, above)
        if not cells.get("level3"):
            if any(cells.get(key) for key in cells if key not in HIERARCHY_KEYS):
                where = f"{title}!{get_column_letter(columns['level3'] + 1)}{r + 1}"
                book.error(f"{where}：三级指标（指标名称）是空的")
            continue  # a heading row (only its 行业/类/一级 filled): it names what follows
        row = _row(book, title, r + 1, cells, {key: rows[r][c] for key, c in columns.items() if c < len(rows[r])})
        if row is not None:
            book.rows.append(row)
        if len(book.rows) > MAX_ROWS:
            break
    return True


def _fill_down(cells: dict[str, str], above: dict[str, str]) -> None:
    """A blank 行业/类/款/一级/二级 cell is the one above, unless a column further out changed here."""
    changed = False
    for key in HIERARCHY_KEYS:
        if key not in cells:
            continue
        if cells[key]:
            changed = changed or cells[key] != above.get(key)
            above[key] = cells[key]
        elif not changed:
            cells[key] = above.get(key, "")
        else:
            above[key] = ""


def _row(book: LibraryBook, sheet: str, number: int, cells: dict[str, str], raw: dict) -> LibraryRow | None:
    bad = False

    def refuse(key: str, message: str) -> None:
        nonlocal bad
        bad = True
        book.error(f"{sheet} 第 {number} 行“{TITLES[key]}”：{message}")

    for key, limit in MAX_LENGTHS.items():
        if len(cells.get(key) or "") > limit:
            refuse(key, f"超过 {limit} 个字")
    values: dict = {
        key: cells.get(key, "")
        for key in ("code", "description", "definition", "formula", "basis", "scoring", "data_source", "frequency")
    }
    values["keywords"] = re.sub(r"\s*[,，;；、/|]\s*|\s+", "，", cells.get("keywords", "")).strip("，")
    _read_value(values, cells, raw.get("value"))
    # Their own columns say it better than the value does; 指标性质 holds a sign on some forms.
    values["value_type"] = record.read_value_type(cells.get("value_type", "")) or values["value_type"]
    for name, read in record.read_nature(cells.get("direction", "")).items():
        if name != "comparator" or not values["comparator"]:
            values[name] = read
    values["nature"] = _nature(cells.get("nature", ""))
    values["accumulation"] = "累计型" if "累计" in cells.get("accumulation", "") else (
        "时点型" if "时点" in cells.get("accumulation", "") else ""
    )  # fmt: skip
    for key in ("valid_from", "valid_to"):
        values[key] = None
        if cells.get(key):
            values[key] = _date(raw.get(key))
            if values[key] is None:
                refuse(key, f"“{cells[key]}”不是日期（例：2025-01-01 或 2025年1月1日）")
    path = _field_path(cells)
    if any(len(node.name) > MAX_LENGTHS["field"] for node in path):
        refuse("industry", f"名称超过 {MAX_LENGTHS['field']} 个字")
    if bad:
        return None
    return LibraryRow(sheet, number, path, cells.get("level1", ""), cells.get("level2", ""), cells["level3"], values)


def _read_value(values: dict, cells: dict[str, str], raw_value: object) -> None:
    """参考指标值 as printed (`≥95%`), with its sign, unit and type: from their own columns when the
    workbook splits them (`≥ | 95 | %`), else read from the value by the value grammar."""
    value, unit = cells.get("value", ""), cells.get("unit", "")
    sign = record.read_comparator(cells.get("comparator", ""))
    if value and _NUMBER.match(value) and (sign or unit):
        value = record.join_value(sign or "=", value, unit)
    parts = record.split_value(value) if value else None
    values["value"] = value
    values["comparator"] = sign or (parts.comparator if parts else "")
    values["unit"] = unit or (parts.unit if parts else "")
    values["value_type"] = parts.value_type if parts else ""
    values["direction"] = ""


def _nature(text: str) -> str:
    if text in ("是", "√", "共性", "共性指标", "Y", "y"):
        return "共性"
    if text in ("否", "×", "个性", "个性指标", "N", "n"):
        return "个性"
    return "共性" if "共性" in text else ("个性" if "个性" in text else "")


def _field_path(cells: dict[str, str]) -> tuple[FieldNode, ...]:
    path: list[FieldNode] = []
    for key in FIELD_KEYS:
        text = cells.get(key, "")
        if not text:
            continue
        match = _CODED.match(text)
        node = FieldNode(match.group(1), match.group(2).strip() or match.group(1)) if match else FieldNode("", text)
        if not any(existing == node for existing in path):
            path.append(node)
    return tuple(path)


def _link_codes(rows: list[LibraryRow]) -> None:
    """A coded field alone in its column (`20502 普通教育`) sits under the field of its code's prefix
    (`205 教育支出`) when the workbook names that one too."""
    named: dict[str, FieldNode] = {}
    for row in rows:
        for node in row.field_path:
            if node.code:
                named.setdefault(node.code, node)
    cache: dict[tuple[FieldNode, ...], tuple[FieldNode, ...]] = {}
    for row in rows:
        if not row.field_path or not row.field_path[0].code:
            continue
        if row.field_path not in cache:
            first = row.field_path[0]
            parents = [named[first.code[:n]] for n in (3, 5, 7) if n < len(first.code) and first.code[:n] in named]
            cache[row.field_path] = (*parents, *row.field_path)
        row.field_path = cache[row.field_path]


def _drop_repeats(book: LibraryBook) -> None:
    """A row stating the same indicator as an earlier one (same 编码, or same place and name) is noted
    and left out: one entry per indicator."""
    seen: dict[tuple, LibraryRow] = {}
    kept = []
    for row in book.rows:
        keys = {row.key, row.name_key}
        first = next((seen[key] for key in keys if key in seen), None)
        if first is not None:
            book.notes.append(f"{row.place}“{row.level3}”与{first.place}是同一指标，只导入{first.place}")
            continue
        seen.update(dict.fromkeys(keys, row))
        kept.append(row)
    book.rows = kept


def _text(value: object) -> str:
    """A cell as text: a whole number without `.0`, a date as 2025-01-01, spaces trimmed."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def _date(value: object) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    match = _DATE.match(unicodedata.normalize("NFKC", str(value or "")).strip())
    if not match:
        return None
    try:
        return date(*(int(part) for part in match.groups()))
    except ValueError:
        return None
