"""Read an official xlsx back into an exchange dict (`target-table/1` or `target-booklet/1`).

Works on the workbooks we export and on the blank form filled in by hand in
Excel or WPS: cells are found by their printed labels (一级指标, 项目编码 …),
not by fixed coordinates, so inserted rows and moved blocks still import. A
blank 一级/二级 cell means "same as above" (merged cells read that way).

The visible sheet is the truth. When the hidden `_meta` sheet written by
`xlsx.py` is present, its snapshot only settles what a sheet cannot show:
null vs "", whitespace, and fields the layout does not print. Nothing is
returned unless the whole workbook reads cleanly; every problem is reported
with its sheet and cell, e.g. `绩效目标表!E14：金额应为数字`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import re
import zipfile
from decimal import Decimal
from pathlib import Path

from tables.exports.xlsx import META_SHEET
from tables.layouts import BUDGET_LABELS, COLUMN_LABELS, LAYOUTS_BY_CODE, budget_labels

MAX_BYTES = 10 * 1024 * 1024  # the upload itself
MAX_UNCOMPRESSED = 30 * 1024 * 1024  # all parts, unpacked
MAX_PART = 8 * 1024 * 1024  # one part (a sheet's XML), unpacked
MAX_RATIO = 200  # unpacked : packed, per part (zip bombs)
MAX_PARTS = 1000
MAX_ROWS = 5000
MAX_COLS = 60
MAX_ERRORS = 30

_SPACE = re.compile(r"[\s\u3000]+")
_YEAR = re.compile(r"^[（(]\s*(\d{4})?\s*年度?\s*[）)]$")
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
_ORG_LINE = re.compile(r"^([0-9A-Za-z]{3,})\s*(\S.*)$")
_NUMBERED_TITLE = re.compile(r"^\d+[.、．]\s*")

SECTION_LABELS = {"年度总体目标", "预算情况", "年度绩效指标", "金额合计", "年度履职目标", "绩效目标", "一级指标"}
COLUMN_KEYS = {label: key for key, label in COLUMN_LABELS.items()} | {"指标名称": "level3", "指标内容": "level3"}
LEVEL2_PARENT = {
    "数量指标": "产出指标", "质量指标": "产出指标", "时效指标": "产出指标", "成本指标": "产出指标",
    "经济效益指标": "效益指标", "社会效益指标": "效益指标", "生态效益指标": "效益指标",
    "可持续影响指标": "效益指标", "满意度指标": "满意度指标", "服务对象满意度指标": "满意度指标",
}  # fmt: skip


class XlsxImportError(ValueError):
    """The workbook cannot be imported; `errors` lists each problem (sheet!cell：message)."""

    def __init__(self, errors: list[str] | str):
        self.errors = [errors] if isinstance(errors, str) else list(errors)
        super().__init__("\n".join(self.errors))


def _norm_label(text) -> str:
    return _SPACE.sub("", str(text)).replace("(", "（").replace(")", "）").replace(":", "：") if text else ""


def _same(a, b) -> bool:
    return (a or "").strip() == (b or "").strip() if isinstance(a or "", str) and isinstance(b or "", str) else a == b


def _hint(visible, snapshot_value):
    """The visible value, unless the snapshot says the same thing more exactly (null vs "", spaces)."""
    if snapshot_value is not None and not isinstance(snapshot_value, (dict, list)) and _same(visible, snapshot_value):
        return snapshot_value
    if visible is None and snapshot_value == "":
        return ""
    return visible


# ---------------------------------------------------------------------------
# Reading the package safely


def _read_bytes(file) -> bytes:
    if isinstance(file, (bytes, bytearray)):
        return bytes(file)
    if isinstance(file, (str, Path)):
        path = Path(file)
        if path.stat().st_size > MAX_BYTES:
            raise XlsxImportError(f"文件过大（超过 {MAX_BYTES // 1024 // 1024} MB）")
        return path.read_bytes()
    if hasattr(file, "seek"):
        with contextlib.suppress(OSError, ValueError):
            file.seek(0)
    data = file.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise XlsxImportError(f"文件过大（超过 {MAX_BYTES // 1024 // 1024} MB）")
    return data


def check_package(data: bytes) -> None:
    """Refuse what is not an xlsx package, or would unpack too far (zip bombs), before any XML is read."""
    if not data:
        raise XlsxImportError("文件是空的")
    if len(data) > MAX_BYTES:
        raise XlsxImportError(f"文件过大（超过 {MAX_BYTES // 1024 // 1024} MB）")
    if data[:4] == b"\xd0\xcf\x11\xe0":
        raise XlsxImportError("这是旧版 Excel（.xls）或加密的文件，请在 Excel/WPS 中另存为 .xlsx 后再导入")
    if data[:4] != b"PK\x03\x04":
        raise XlsxImportError("文件不是 xlsx 工作簿，请上传 Excel/WPS 保存的 .xlsx 文件")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            parts = package.infolist()
            names = {p.filename for p in parts}
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise XlsxImportError("xlsx 文件已损坏，无法打开") from exc
    if len(parts) > MAX_PARTS:
        raise XlsxImportError("xlsx 文件内部文件过多，拒绝导入")
    if "xl/workbook.xml" not in names or "[Content_Types].xml" not in names:
        raise XlsxImportError("文件不是 xlsx 工作簿（缺少 xl/workbook.xml）")
    total = 0
    for part in parts:
        total += part.file_size
        if part.file_size > MAX_PART or total > MAX_UNCOMPRESSED:
            raise XlsxImportError("xlsx 文件解压后过大，拒绝导入")
        if part.file_size > 1024 * 1024 and part.file_size > MAX_RATIO * max(part.compress_size, 1):
            raise XlsxImportError("xlsx 文件压缩比异常（疑似压缩炸弹），拒绝导入")


def _load(data: bytes):
    import openpyxl

    check_package(data)
    try:
        return openpyxl.load_workbook(io.BytesIO(data), data_only=True)
    except Exception as exc:  # openpyxl raises many kinds on a damaged file
        raise XlsxImportError(f"xlsx 文件已损坏或格式不受支持：{type(exc).__name__}") from exc


_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_HAS_FORMULA = re.compile(rb"<(?:\w+:)?f[\s>/]")


def uncached_formulas(data: bytes) -> list[tuple[str, str, str]]:
    """Formula cells with no stored result, as (sheet title, cell, formula); call after check_package.

    Imports read what a sheet shows (the result Excel/WPS saved with the formula).
    A formula written by a script or a program that does not calculate has no
    result, and would otherwise import as a blank cell without a word.
    """
    from xml.etree import ElementTree

    found: list[tuple[str, str, str]] = []
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            names = set(package.namelist())
            parts = {}
            if "xl/_rels/workbook.xml.rels" in names:
                rels = ElementTree.fromstring(package.read("xl/_rels/workbook.xml.rels"))
                for rel in rels.iter(f"{_PKG_REL}Relationship"):
                    target = rel.get("Target", "")
                    parts[rel.get("Id")] = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
            book = ElementTree.fromstring(package.read("xl/workbook.xml"))
            for sheet in book.iter(f"{_MAIN}sheet"):
                part = parts.get(sheet.get(f"{_REL}id"))
                if part not in names:
                    continue
                with package.open(part) as stream:
                    if not _HAS_FORMULA.search(stream.read()):
                        continue
                with package.open(part) as stream:
                    for _, cell in ElementTree.iterparse(stream):
                        if cell.tag != f"{_MAIN}c":
                            continue
                        formula, value = cell.find(f"{_MAIN}f"), cell.find(f"{_MAIN}v")
                        # A formula whose result is "" is saved as t="str" with an empty <v>.
                        if formula is not None and (value is None or not value.text) and cell.get("t") != "str":
                            found.append((sheet.get("name", ""), cell.get("r", ""), formula.text or ""))
                        cell.clear()
    except (zipfile.BadZipFile, KeyError, OSError, ElementTree.ParseError) as exc:
        raise XlsxImportError(f"xlsx 文件已损坏或格式不受支持：{type(exc).__name__}") from exc
    return found


def formula_errors(data: bytes, sheets: set[str] | None = None) -> list[str]:
    """`uncached_formulas` as messages naming the cell, for the sheets an import reads."""
    return [
        f"{title}!{ref}：是公式（{'=' + formula[:40] if formula else '共享公式'}），但文件中没有计算结果；"
        "请在 Excel/WPS 中打开后保存，或直接填写内容"
        for title, ref, formula in uncached_formulas(data)
        if sheets is None or title in sheets
    ][:MAX_ERRORS]


# ---------------------------------------------------------------------------
# A sheet as a grid of anchored cells


class _Sheet:
    def __init__(self, ws, errors: list[str]):
        self.ws = ws
        self.name = ws.title
        self.errors = errors
        # openpyxl keeps the cells actually stored in the file in _cells; iterating
        # rows instead would walk every row up to a (possibly huge) declared dimension.
        cells = ws._cells
        if cells and (max(r for r, _ in cells) > MAX_ROWS or max(c for _, c in cells) > MAX_COLS):
            raise XlsxImportError(f"工作表“{self.name}”过大（最多 {MAX_ROWS} 行、{MAX_COLS} 列）")
        self.cells = {key: cell for key, cell in cells.items() if cell.value is not None}
        self.span: dict[tuple[int, int], tuple[int, int]] = {}
        for rng in ws.merged_cells.ranges:
            self.span[(rng.min_row, rng.min_col)] = (rng.max_row, rng.max_col)
        self.max_row = max((r for r, _ in self.cells), default=0)
        self.labels: dict[str, list[tuple[int, int]]] = {}
        for (r, c), cell in sorted(self.cells.items()):
            if isinstance(cell.value, str):
                self.labels.setdefault(_norm_label(cell.value), []).append((r, c))

    def ref(self, r: int, c: int) -> str:
        from openpyxl.utils import get_column_letter

        return f"{self.name}!{get_column_letter(c)}{r}"

    def error(self, r: int, c: int, message: str) -> None:
        if len(self.errors) < MAX_ERRORS:
            self.errors.append(f"{self.ref(r, c)}：{message}")

    def find(self, *labels: str, after: int = 0) -> tuple[int, int] | None:
        best = None
        for label in labels:
            for r, c in self.labels.get(_norm_label(label), []):
                if r > after and (best is None or (r, c) < best):
                    best = (r, c)
                    break
        return best

    def end(self, r: int, c: int) -> tuple[int, int]:
        return self.span.get((r, c), (r, c))

    def right(self, r: int, c: int) -> tuple[int, int]:
        return r, self.end(r, c)[1] + 1

    def check_merges(self, first: int, last: int, columns: dict[str, int], labels: dict[str, str]) -> None:
        """Report merged ranges that hide a field's own cell in rows first..last.

        A merged range keeps only its top-left value; a value hidden under it would
        be read as blank. Group columns (一级/二级) may span rows: that means "same
        as above". Anything else — a 指标值 over several rows, a 三级指标 merged into
        the 指标值 column — is a layout we cannot read row by row.
        """
        for rng in self.ws.merged_cells.ranges:
            if rng.max_row < first or rng.min_row > last:
                continue
            anchor = (rng.min_row, rng.min_col)
            grouped = any(columns.get(key) == rng.min_col for key in ("level1", "level2"))
            hidden = [
                (r, key)
                for r in range(max(rng.min_row, first), min(rng.max_row, last) + 1)
                for key, c in columns.items()
                if rng.min_col <= c <= rng.max_col
                and (r, c) != anchor
                and not (grouped and key in ("level1", "level2"))
            ]
            if hidden and len(self.errors) < MAX_ERRORS:
                r, key = hidden[0]
                self.errors.append(
                    f"{self.name}!{rng.coord}：合并单元格盖住了第 {r} 行的“{labels.get(key, key)}”，"
                    "请取消合并，逐行填写"
                )

    def row_texts(self, r: int) -> list[tuple[int, str]]:
        return [(c, _norm_label(cell.value)) for (rr, c), cell in sorted(self.cells.items()) if rr == r]

    # -- values --------------------------------------------------------------

    def text(self, r: int, c: int) -> str | None:
        cell = self.cells.get((r, c))
        if cell is None:
            return None
        value = cell.value
        if isinstance(value, str):
            text = value.replace("\r\n", "\n").replace("\r", "\n").strip()
        elif isinstance(value, bool):
            text = "是" if value else "否"
        elif isinstance(value, (int, float)):
            number = _decimal(value)
            text = _plain(number * 100) + "%" if "%" in (cell.number_format or "") else _plain(number)
        elif isinstance(value, (dt.datetime, dt.date)):
            text = f"{value.year}年{value.month}月{value.day}日"
        else:
            text = str(value).strip()
        return text or None

    def amount(self, r: int, c: int, *, percent: bool = False) -> str | None:
        cell = self.cells.get((r, c))
        if cell is None:
            return None
        value = cell.value
        fmt = cell.number_format or ""
        if isinstance(value, (bool, dt.datetime, dt.date, dt.time)):
            self.error(r, c, "应为数字")
            return None
        if isinstance(value, (int, float)):
            number = _decimal(value)
            if "%" in fmt:
                number *= 100
            places = _format_places(fmt)
            return f"{number:.{places}f}" if places is not None else _plain(number)
        text = _SPACE.sub("", str(value)).replace(",", "").replace("，", "")
        if percent:
            text = text.rstrip("%％")
        if not text:
            return None
        if not _NUMBER.match(text):
            self.error(r, c, f"{'百分比' if percent else '金额'}应为数字，实际为“{str(value).strip()}”")
            return None
        return text


def _decimal(value) -> Decimal:
    return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)


def _plain(number: Decimal) -> str:
    text = format(number.normalize(), "f") if number != number.to_integral_value() else str(int(number))
    return text


def _format_places(fmt: str) -> int | None:
    """Decimals of a number format like 0.00 or 0.0%; None for General."""
    section = fmt.split(";")[0]
    if not re.search(r"[0#]", section):
        return None
    match = re.search(r"\.([0#]+)", section)
    return len(match.group(1)) if match else 0


# ---------------------------------------------------------------------------
# Meta sheet


def _read_meta(wb) -> dict[str, dict]:
    if META_SHEET not in wb.sheetnames:
        return {}
    meta = {}
    ws = wb[META_SHEET]
    for row in ws.iter_rows(max_col=MAX_COLS, max_row=min(ws.max_row, 10 * MAX_ROWS), values_only=True):
        if not row or not isinstance(row[0], str):
            continue
        text = "".join(v for v in row[1:] if isinstance(v, str))
        try:
            value = json.loads(text)
        except ValueError:
            continue
        if isinstance(value, dict):
            meta[row[0]] = value
    return meta


# ---------------------------------------------------------------------------
# Parsing one table sheet


def _detect_layout(sheet: _Sheet) -> str:
    if sheet.find("项目编码"):
        return "hebei-2023-project"
    if sheet.find("年度履职目标", "预算情况"):
        return "henan-2023-dept"
    return "xinjiang-2022-dept"


def _head(sheet: _Sheet, first_label_row: int) -> dict:
    """Title, year line and unit line: the rows above the first bordered block."""
    out = {"title": None, "title_at": (1, 1), "year": None, "year_at": (2, 1), "org_line": None, "unit_at": (3, 1)}
    for r in range(1, first_label_row):
        for c, text in sheet.row_texts(r):
            raw = sheet.text(r, c)
            if not raw:
                continue
            if out["title"] is None:
                out["title"], out["title_at"] = raw, (r, c)
            elif _YEAR.match(_norm_label(raw)):
                out["year_at"] = (r, c)
                digits = _YEAR.match(_norm_label(raw)).group(1)
                out["year"] = int(digits) if digits else None
            elif text.startswith("单位："):
                out["unit_at"] = (r, 1)
            elif out["org_line"] is None:
                out["org_line"] = raw
    return out


def _parse_table(sheet: _Sheet, layout: dict, *, booklet: bool = False) -> dict:
    columns_row = _indicator_header(sheet)
    first_label = min(
        [rc[0] for rc in (sheet.find(lb) for lb in ("部门（单位）名称", "项目编码", "年度履职目标")) if rc]
        + ([columns_row[0]] if columns_row else [sheet.max_row + 1])
    )
    head = _head(sheet, first_label)
    title = head["title"]
    if not title:
        sheet.error(1, 1, "缺少表名（标题）")
    elif booklet:
        title = _NUMBERED_TITLE.sub("", title)
    kind = layout.get("kind") or ("project" if sheet.find("项目编码") else "department")
    table: dict = {
        "format": "target-table/1",
        "kind": kind,
        "year": head["year"],
        "title": title,
        "organization": {"code": None, "name": None},
        "project": None,
        "mission": None,
        "goal": None,
        "budget": {},
        "spending_plan": None,
        "tasks": [],
        "indicators": [],
    }
    if head["year"] is None:
        sheet.error(*head["year_at"], "请填写预算年度，如“（2024年）”")

    if kind == "project":
        _parse_project(sheet, layout, table, head)
    else:
        at = sheet.find("部门（单位）名称")
        if at:
            table["organization"]["name"] = sheet.text(*sheet.right(*at))
        if not table["organization"]["name"]:
            sheet.error(*(sheet.right(*at) if at else (first_label, 1)), "请填写部门（单位）名称")
        if at := sheet.find("年度履职目标"):
            table["mission"] = sheet.text(*sheet.right(*at))
        if at := sheet.find("年度总体目标"):
            table["goal"] = sheet.text(*sheet.right(*at))
        table["tasks"] = _parse_tasks(sheet, layout)
        if "budget" in layout.get("blocks", []):
            labels = budget_labels(layout)
            for key in layout.get("budget_keys") or []:
                at = sheet.find(labels[key])
                if at:
                    table["budget"][key] = sheet.amount(*sheet.right(*at))
    table["indicators"] = _parse_indicators(sheet, layout, columns_row)
    return table


def _parse_project(sheet: _Sheet, layout: dict, table: dict, head: dict) -> None:
    org_line = head["org_line"] or ""
    match = _ORG_LINE.match(org_line)
    table["organization"] = (
        {"code": match.group(1), "name": match.group(2)} if match else {"code": None, "name": org_line or None}
    )
    project = {"code": None, "name": None, "purpose": None}
    if at := sheet.find("项目编码"):
        project["code"] = sheet.text(*sheet.right(*at))
    if at := sheet.find("项目名称"):
        project["name"] = sheet.text(*sheet.right(*at))
        if not project["name"]:
            sheet.error(*sheet.right(*at), "请填写项目名称")
    labels = budget_labels(layout)
    block = sheet.find("预算规模及资金用途")
    if block:
        r0 = block[0]
        r1 = sheet.end(*block)[0]
        for key in layout.get("budget_keys") or ["total", "fiscal", "other"]:
            label = labels.get(key, key)
            for r, c in sheet.labels.get(_norm_label(label), []) + sheet.labels.get(_norm_label("其中：" + label), []):
                if r == r0:
                    table["budget"][key] = sheet.amount(*sheet.right(r, c))
                    break
            else:
                table["budget"].setdefault(key, None)
        if r1 > r0:
            project["purpose"] = sheet.text(r1, sheet.end(*block)[1] + 1)
    if "spending_plan" in layout.get("blocks", []):
        plan = {"03": None, "06": None, "10": None, "12": None}
        at = sheet.find("资金支出计划（%）", "资金支出计划")
        if at:
            r1 = sheet.end(*at)[0]
            for month in plan:
                hit = [rc for rc in sheet.labels.get(f"{int(month)}月底", []) if rc[0] == at[0]]
                if hit and r1 > at[0]:
                    plan[month] = sheet.amount(r1, hit[0][1], percent=True)
        table["spending_plan"] = plan
    if at := sheet.find("绩效目标"):
        table["goal"] = sheet.text(*sheet.right(*at))
    table["project"] = project
    if not table["organization"]["name"]:
        sheet.error(*head["unit_at"], "请在“单位：万元”同一行左侧填写单位编码和名称")


def _parse_tasks(sheet: _Sheet, layout: dict) -> list[dict]:
    at = sheet.find("任务名称")
    if not at:
        return []
    r0, c_name = at
    content = [rc for rc in sheet.labels.get("主要内容", []) if rc[0] == r0]
    c_content = content[0][1] if content else sheet.end(*at)[1] + 1
    header_end = sheet.end(*at)[0]
    money = {}
    for key, label in (("total", "总额"), ("fiscal", "财政拨款"), ("other", "其他资金")):
        hit = [rc for rc in sheet.labels.get(label, []) if r0 <= rc[0] <= header_end + 1]
        if hit:
            money[key] = hit[0][1]
            header_end = max(header_end, hit[0][0])
    tasks = []
    last = sheet.max_row
    for r in range(header_end + 1, sheet.max_row + 1):
        texts = {text for _, text in sheet.row_texts(r)}
        if (
            texts & SECTION_LABELS
            or any(t in COLUMN_KEYS for t in texts)
            or any(t in BUDGET_LABELS.values() for t in texts)
        ):
            last = r - 1
            break
        if any(t.startswith("部门预算总额") for t in texts):
            last = r - 1
            break
        task = {"name": sheet.text(r, c_name), "content": sheet.text(r, c_content)}
        for key in ("total", "fiscal", "other"):
            task[key] = sheet.amount(r, money[key]) if key in money else None
        if not any(task.values()):
            continue
        if not task["name"]:
            sheet.error(r, c_name, "请填写任务名称")
        tasks.append(task)
    sheet.check_merges(header_end + 1, last, {"name": c_name, "content": c_content, **money}, _TASK_LABELS)
    return tasks


_TASK_LABELS = {"name": "任务名称", "content": "主要内容", "total": "总额", "fiscal": "财政拨款", "other": "其他资金"}


def _indicator_header(sheet: _Sheet) -> tuple[int, dict[str, int]] | None:
    for r, _ in sheet.labels.get("三级指标", []):
        keys = {}
        for cc, text in sheet.row_texts(r):
            if text in COLUMN_KEYS:
                keys[COLUMN_KEYS[text]] = cc
        if "level3" in keys and ("value" in keys or "level1" in keys):
            return r, keys
    return None


def _parse_indicators(sheet: _Sheet, layout: dict, header) -> list[dict]:
    if header is None:
        sheet.errors.append(f"{sheet.name}：找不到绩效指标表头（一级指标、二级指标、三级指标、指标值）")
        return []
    r0, keys = header
    from indicators.schemes import scheme_tree

    try:
        parents = {l2: l1 for l1, l2s in scheme_tree(layout.get("scheme") or "fin2015").items() for l2 in l2s}
    except KeyError:
        parents = {}
    parents = {**LEVEL2_PARENT, **parents}
    rows = []
    last = {"level1": None, "level2": None}
    end = sheet.max_row
    for r in range(r0 + 1, sheet.max_row + 1):
        texts = [t for _, t in sheet.row_texts(r)]
        if texts and (texts[0].startswith("填报单位") or texts[0].startswith("审核状态")):
            end = r - 1
            break
        row = {key: sheet.text(r, c) for key, c in keys.items()}
        # Merged or blank group cells mean "same as above" (only until the 一级 changes).
        if row.get("level1"):
            if row["level1"] != last["level1"]:
                last["level2"] = None
            last["level1"] = row["level1"]
        if row.get("level2"):
            last["level2"] = row["level2"]
        if not any(row.get(k) for k in ("level3", "value", "description", "basis", "note")):
            continue
        level2 = row.get("level2") or last["level2"]
        level1 = row.get("level1") or last["level1"] or parents.get(level2 or "")
        if "level3" in keys and not row.get("level3"):
            sheet.error(r, keys["level3"], "请填写三级指标")
        if "level1" in keys and not level1:
            sheet.error(r, keys["level1"], "请填写一级指标")
        if "level2" in keys and not level2:
            sheet.error(r, keys["level2"], "请填写二级指标")
        rows.append({
            "level1": level1,
            "level2": level2,
            "level3": row.get("level3"),
            "description": row.get("description"),
            "value": row.get("value"),
            "basis": row.get("basis"),
            "note": row.get("note"),
        })  # fmt: skip
    sheet.check_merges(r0 + 1, end, keys, COLUMN_LABELS)
    return rows


def _parse_overall(sheet: _Sheet) -> dict:
    out = {"organization": None, "year": None, "overall": {"goal": None, "subgoals": [], "measures": None}}
    at = sheet.find("部门名称")
    if at:
        out["organization"] = sheet.text(*sheet.right(*at))
    head = _head(sheet, at[0] if at else 3)
    out["year"] = head["year"]
    if at := sheet.find("总体绩效目标"):
        out["overall"]["goal"] = sheet.text(*sheet.right(*at))
    end_at = sheet.find("工作保障措施")
    if end_at:
        out["overall"]["measures"] = sheet.text(*sheet.right(*end_at))
    at = sheet.find("目标名称")
    if at:
        r0, c_title = at
        c_goal = next((c for r, c in sheet.labels.get("绩效目标", []) if r == r0), c_title + 1)
        c_ind = next((c for r, c in sheet.labels.get("绩效指标", []) if r == r0), c_goal + 1)
        for r in range(r0 + 1, (end_at[0] if end_at else sheet.max_row + 1)):
            sub = {"title": sheet.text(r, c_title), "goal": sheet.text(r, c_goal), "indicators": sheet.text(r, c_ind)}
            if any(sub.values()):
                out["overall"]["subgoals"].append(sub)
    return out


# ---------------------------------------------------------------------------
# Merging the snapshot's hints


def _apply_hints(table: dict, snap: dict | None, layout: dict) -> dict:
    if not snap:
        return table
    out = dict(snap)  # keys the sheet does not print (format, source, extra keys) come from the snapshot
    out["kind"] = table.get("kind")
    for key in ("title", "mission", "goal"):
        out[key] = _hint(table.get(key), snap.get(key))
    if "mission" not in layout.get("blocks", []) and layout.get("kind") == "department":
        out["mission"] = snap.get("mission")
    if "goal" not in layout.get("blocks", []):
        out["goal"] = snap.get("goal")
    out["year"] = table["year"] if table.get("year") is not None else snap.get("year")
    snap_org = snap.get("organization") or {}
    org = table.get("organization") or {}
    out["organization"] = {**snap_org, "name": _hint(org.get("name"), snap_org.get("name"))}
    if layout.get("kind") == "project":
        out["organization"]["code"] = _hint(org.get("code"), snap_org.get("code"))
    if table.get("project") is not None:
        snap_project = snap.get("project") or {}
        out["project"] = {**snap_project, **{k: _hint(v, snap_project.get(k)) for k, v in table["project"].items()}}
    else:
        out["project"] = snap.get("project")

    snap_budget = snap.get("budget") or {}
    budget = {}
    for key, value in (table.get("budget") or {}).items():
        if value is None and key not in snap_budget:
            continue
        budget[key] = _hint(value, snap_budget.get(key))
    for key, value in snap_budget.items():
        if key not in (layout.get("budget_keys") or []):
            budget.setdefault(key, value)
    out["budget"] = budget

    if table.get("spending_plan") is not None:
        snap_plan = snap.get("spending_plan")
        if snap_plan is None and not any(table["spending_plan"].values()):
            out["spending_plan"] = None
        else:
            snap_plan = snap_plan or {}
            out["spending_plan"] = {m: _hint(v, snap_plan.get(m)) for m, v in table["spending_plan"].items()}
    else:
        out["spending_plan"] = snap.get("spending_plan")

    out["tasks"] = _align(table.get("tasks") or [], snap.get("tasks") or [], ("name",), _task_keys(layout))
    out["indicators"] = _align(
        table.get("indicators") or [],
        snap.get("indicators") or [],
        ("level1", "level2", "level3"),
        list(layout["columns"]),
    )
    return out


def _task_keys(layout: dict) -> list[str]:
    keys = ["name", "content"]
    if "task_amounts" in layout.get("blocks", []):
        keys += ["total", "fiscal", "other"]
    return keys


def _align(rows: list[dict], snaps: list[dict], match: tuple[str, ...], printed: list[str]) -> list[dict]:
    """Each parsed row with its snapshot row (same place, else same name) for the hints."""
    used: set[int] = set()
    out = []
    for i, row in enumerate(rows):
        snap = None
        if len(rows) == len(snaps):
            snap = snaps[i]
        else:
            for j, candidate in enumerate(snaps):
                if j not in used and all(_same(candidate.get(k), row.get(k)) for k in match):
                    snap, _ = candidate, used.add(j)
                    break
        if snap is None:
            out.append(row)
            continue
        merged = dict(snap)
        for key, value in row.items():
            merged[key] = _hint(value, snap.get(key)) if key in printed else snap.get(key, value)
        out.append(merged)
    return out


# ---------------------------------------------------------------------------
# Public API


def read_workbook(file, *, sheet: str | None = None, layouts: dict[str, dict] | None = None) -> dict:
    """An exchange dict from an official xlsx (a path, bytes or an uploaded file).

    Returns a `target-table/1` dict, or a `target-booklet/1` dict for a booklet
    workbook. Raises XlsxImportError (a ValueError) whose message names the
    sheet and cell of every problem. `sheet` picks one table of a workbook
    holding many (a bulk export); `layouts` maps layout codes to layout dicts
    (default: the shipped layouts).
    """
    layouts = {**LAYOUTS_BY_CODE, **(layouts or {})}
    source = (
        Path(str(getattr(file, "name", None) or file)).name
        if isinstance(file, (str, Path)) or getattr(file, "name", None)
        else None
    )
    data = _read_bytes(file)
    wb = _load(data)
    meta = _read_meta(wb)
    info = meta.get("workbook", {})
    visible = [ws for ws in wb.worksheets if ws.sheet_state == "visible" and ws.title != META_SHEET]
    if not visible:
        raise XlsxImportError("工作簿中没有可见的工作表")
    errors: list[str] = formula_errors(data, {sheet} if sheet else {ws.title for ws in visible})
    sheets = {ws.title: _Sheet(ws, errors) for ws in visible}

    def layout_for(s: _Sheet) -> dict:
        code = (meta.get(s.name) or {}).get("layout") or info.get("layout") or _detect_layout(s)
        return layouts.get(code) or layouts[_detect_layout(s)]

    overall = [
        s for s in sheets.values() if (meta.get(s.name) or {}).get("role") == "overall" or s.find("总体绩效目标")
    ]
    if sheet is None and (info.get("content") == "booklet" or overall):
        result = _read_booklet(sheets, overall[0] if overall else None, meta, layout_for, errors)
    else:
        if sheet is not None:
            if sheet not in sheets:
                raise XlsxImportError(f"工作簿中没有名为“{sheet}”的工作表")
            target = sheets[sheet]
        else:
            tables = [s for s in sheets.values() if _indicator_header(s)]
            if len(tables) > 1:
                raise XlsxImportError(f"工作簿中有 {len(tables)} 张表，请逐张导入（指定工作表）")
            target = tables[0] if tables else next(iter(sheets.values()))
        layout = layout_for(target)
        table = _parse_table(target, layout)
        snapshot = (meta.get(target.name) or {}).get("snapshot")
        result = _apply_hints(table, snapshot, layout) if snapshot else {"source": source, **table}
    if errors:
        raise XlsxImportError(errors)
    return result


def _read_booklet(sheets: dict, overall_sheet, meta: dict, layout_for, errors: list[str]) -> dict:
    head_snap = (meta.get(overall_sheet.name) or {}).get("snapshot") if overall_sheet else None
    booklet = {"format": "target-booklet/1", "year": None, "organization": {"code": None, "name": None}}
    if overall_sheet:
        part = _parse_overall(overall_sheet)
        booklet["year"] = part["year"]
        booklet["organization"]["name"] = part["organization"]
        booklet["overall"] = part["overall"]
    else:
        booklet["overall"] = {"goal": None, "subgoals": [], "measures": None}
    projects = []
    for s in sheets.values():
        if s is overall_sheet:
            continue
        layout = layout_for(s)
        table = _parse_table(s, layout, booklet=True)
        projects.append(_apply_hints(table, (meta.get(s.name) or {}).get("snapshot"), layout))
    booklet["projects"] = projects
    if booklet["year"] is None and projects:
        booklet["year"] = projects[0].get("year")
    if head_snap:
        merged = dict(head_snap)
        merged["year"] = booklet["year"] if booklet["year"] is not None else head_snap.get("year")
        snap_org = head_snap.get("organization") or {}
        merged["organization"] = {**snap_org, "name": _hint(booklet["organization"]["name"], snap_org.get("name"))}
        snap_overall = head_snap.get("overall") or {}
        merged["overall"] = {
            **snap_overall,
            "goal": _hint(booklet["overall"]["goal"], snap_overall.get("goal")),
            "measures": _hint(booklet["overall"]["measures"], snap_overall.get("measures")),
            "subgoals": _align(
                booklet["overall"]["subgoals"],
                snap_overall.get("subgoals") or [],
                ("title",),
                ["title", "goal", "indicators"],
            ),
        }
        merged["projects"] = projects
        booklet = merged
    elif not booklet["organization"]["name"] and overall_sheet:
        errors.append(f"{overall_sheet.name}：请填写部门名称")
    return booklet


__all__ = ["XlsxImportError", "check_package", "formula_errors", "read_workbook"]
