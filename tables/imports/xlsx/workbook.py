"""`read_workbook`: an official xlsx (one table, many tables, or a booklet) read into an exchange dict."""

from __future__ import annotations

from pathlib import Path

from tables.exports.xlsx import META_SHEET
from tables.imports.xlsx.form import _detect_layout, _indicator_header, _parse_overall, _parse_table
from tables.imports.xlsx.hints import _align, _apply_hints, _hint, _read_meta
from tables.imports.xlsx.package import XlsxImportError, _load, _read_bytes, formula_errors
from tables.imports.xlsx.sheet import _Sheet
from tables.layouts import LAYOUTS_BY_CODE


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
