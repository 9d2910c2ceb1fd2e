"""The hidden `_meta` sheet of a workbook we exported, and its snapshot merged into what the sheet shows.

The visible sheet is the truth; the snapshot only settles what a sheet cannot
show: null vs "", whitespace, and fields the layout does not print.
"""

from __future__ import annotations

import json

from tables.exports.xlsx import META_SHEET
from tables.imports.xlsx.sheet import MAX_COLS, MAX_ROWS


def _same(a, b) -> bool:
    return (a or "").strip() == (b or "").strip() if isinstance(a or "", str) and isinstance(b or "", str) else a == b


def _hint(visible, snapshot_value):
    """The visible value, unless the snapshot says the same thing more exactly (null vs "", spaces)."""
    if snapshot_value is not None and not isinstance(snapshot_value, (dict, list)) and _same(visible, snapshot_value):
        return snapshot_value
    if visible is None and snapshot_value == "":
        return ""
    return visible


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
    out["organization"] = _hint_organisation(table, snap, layout)
    out["project"] = _hint_project(table, snap)
    out["budget"] = _hint_budget(table, snap, layout)
    out["spending_plan"] = _hint_spending_plan(table, snap)
    out["tasks"] = _align(table.get("tasks") or [], snap.get("tasks") or [], ("name",), _task_keys(layout))
    out["indicators"] = _align(
        table.get("indicators") or [],
        snap.get("indicators") or [],
        ("level1", "level2", "level3"),
        list(layout["columns"]),
    )
    return out


def _hint_organisation(table: dict, snap: dict, layout: dict) -> dict:
    """The printed name (and, on a project table, code), the rest from the snapshot."""
    snap_org = snap.get("organization") or {}
    org = table.get("organization") or {}
    out = {**snap_org, "name": _hint(org.get("name"), snap_org.get("name"))}
    if layout.get("kind") == "project":
        out["code"] = _hint(org.get("code"), snap_org.get("code"))
    return out


def _hint_project(table: dict, snap: dict) -> dict | None:
    if table.get("project") is None:
        return snap.get("project")
    snap_project = snap.get("project") or {}
    return {**snap_project, **{k: _hint(v, snap_project.get(k)) for k, v in table["project"].items()}}


def _hint_budget(table: dict, snap: dict, layout: dict) -> dict:
    """The printed amounts (a blank one only if the snapshot has it), and amounts the layout does not print."""
    snap_budget = snap.get("budget") or {}
    budget = {}
    for key, value in (table.get("budget") or {}).items():
        if value is None and key not in snap_budget:
            continue
        budget[key] = _hint(value, snap_budget.get(key))
    for key, value in snap_budget.items():
        if key not in (layout.get("budget_keys") or []):
            budget.setdefault(key, value)
    return budget


def _hint_spending_plan(table: dict, snap: dict) -> dict | None:
    if table.get("spending_plan") is None:
        return snap.get("spending_plan")
    snap_plan = snap.get("spending_plan")
    if snap_plan is None and not any(table["spending_plan"].values()):
        return None
    snap_plan = snap_plan or {}
    return {m: _hint(v, snap_plan.get(m)) for m, v in table["spending_plan"].items()}


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
