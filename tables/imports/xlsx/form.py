"""One worksheet read as the printed form: head, organisation or project, tasks, budget, indicators.

Cells are found by their printed labels (一级指标, 项目编码 …), so inserted rows
and moved blocks still read; problems are reported on the sheet's cells.
"""

from __future__ import annotations

import re

from indicators.schemes import scheme_tree
from tables.imports.xlsx.sheet import _norm_label, _Sheet
from tables.layouts import BUDGET_LABELS, COLUMN_LABELS, budget_labels

_YEAR = re.compile(r"^[（(]\s*(\d{4})?\s*年度?\s*[）)]$")
_ORG_LINE = re.compile(r"^([0-9A-Za-z]{3,})\s*(\S.*)$")
_NUMBERED_TITLE = re.compile(r"^\d+[.、．]\s*")

SECTION_LABELS = {"年度总体目标", "预算情况", "年度绩效指标", "金额合计", "年度履职目标", "绩效目标", "一级指标"}
COLUMN_KEYS = {label: key for key, label in COLUMN_LABELS.items()} | {"指标名称": "level3", "指标内容": "level3"}
LEVEL2_PARENT = {
    "数量指标": "产出指标", "质量指标": "产出指标", "时效指标": "产出指标", "成本指标": "产出指标",
    "经济效益指标": "效益指标", "社会效益指标": "效益指标", "生态效益指标": "效益指标",
    "可持续影响指标": "效益指标", "满意度指标": "满意度指标", "服务对象满意度指标": "满意度指标",
}  # fmt: skip


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
    table = _empty_table(kind, head["year"], title)
    if head["year"] is None:
        sheet.error(*head["year_at"], "请填写预算年度，如“（2024年）”")
    if kind == "project":
        _parse_project(sheet, layout, table, head)
    else:
        _parse_department(sheet, layout, table, first_label)
    table["indicators"] = _parse_indicators(sheet, layout, columns_row)
    return table


def _empty_table(kind: str, year: int | None, title: str | None) -> dict:
    return {
        "format": "target-table/1",
        "kind": kind,
        "year": year,
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


def _parse_department(sheet: _Sheet, layout: dict, table: dict, first_label: int) -> None:
    """A department table's organisation, mission, goal, tasks and 预算情况."""
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


def _parse_project(sheet: _Sheet, layout: dict, table: dict, head: dict) -> None:
    """A project table's organisation (on the unit line), project, budget, spending plan and goal."""
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
    project["purpose"] = _parse_project_budget(sheet, layout, table["budget"])
    if "spending_plan" in layout.get("blocks", []):
        table["spending_plan"] = _parse_spending_plan(sheet)
    if at := sheet.find("绩效目标"):
        table["goal"] = sheet.text(*sheet.right(*at))
    table["project"] = project
    if not table["organization"]["name"]:
        sheet.error(*head["unit_at"], "请在“单位：万元”同一行左侧填写单位编码和名称")


def _parse_project_budget(sheet: _Sheet, layout: dict, budget: dict) -> str | None:
    """The 预算规模及资金用途 block: amounts on its first row into `budget`; returns the purpose below."""
    block = sheet.find("预算规模及资金用途")
    if not block:
        return None
    labels = budget_labels(layout)
    r0 = block[0]
    r1 = sheet.end(*block)[0]
    for key in layout.get("budget_keys") or ["total", "fiscal", "other"]:
        label = labels.get(key, key)
        for r, c in sheet.labels.get(_norm_label(label), []) + sheet.labels.get(_norm_label("其中：" + label), []):
            if r == r0:
                budget[key] = sheet.amount(*sheet.right(r, c))
                break
        else:
            budget.setdefault(key, None)
    return sheet.text(r1, sheet.end(*block)[1] + 1) if r1 > r0 else None


def _parse_spending_plan(sheet: _Sheet) -> dict[str, str | None]:
    """资金支出计划（%）: the share spent by the end of March, June, October and December."""
    plan = {"03": None, "06": None, "10": None, "12": None}
    at = sheet.find("资金支出计划（%）", "资金支出计划")
    if at:
        r1 = sheet.end(*at)[0]
        for month in plan:
            hit = [rc for rc in sheet.labels.get(f"{int(month)}月底", []) if rc[0] == at[0]]
            if hit and r1 > at[0]:
                plan[month] = sheet.amount(r1, hit[0][1], percent=True)
    return plan


def _parse_tasks(sheet: _Sheet, layout: dict) -> list[dict]:
    at = sheet.find("任务名称")
    if not at:
        return []
    r0, c_name = at
    content = [rc for rc in sheet.labels.get("主要内容", []) if rc[0] == r0]
    c_content = content[0][1] if content else sheet.end(*at)[1] + 1
    money, header_end = _money_columns(sheet, r0, sheet.end(*at)[0])
    tasks = []
    last = sheet.max_row
    for r in range(header_end + 1, sheet.max_row + 1):
        if _ends_tasks({text for _, text in sheet.row_texts(r)}):
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


def _money_columns(sheet: _Sheet, r0: int, header_end: int) -> tuple[dict[str, int], int]:
    """The amount columns under 预算金额 (a sub-header may sit one row lower), and the header's last row."""
    money = {}
    for key, label in (("total", "总额"), ("fiscal", "财政拨款"), ("other", "其他资金")):
        hit = [rc for rc in sheet.labels.get(label, []) if r0 <= rc[0] <= header_end + 1]
        if hit:
            money[key] = hit[0][1]
            header_end = max(header_end, hit[0][0])
    return money, header_end


def _ends_tasks(texts: set[str]) -> bool:
    """A row that starts the next block: a section label, an indicator column or a budget label."""
    return bool(
        texts & SECTION_LABELS
        or any(t in COLUMN_KEYS for t in texts)
        or any(t in BUDGET_LABELS.values() for t in texts)
        or any(t.startswith("部门预算总额") for t in texts)
    )


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
    parents = _level2_parents(layout)
    rows = []
    last = {"level1": None, "level2": None}
    end = sheet.max_row
    for r in range(r0 + 1, sheet.max_row + 1):
        texts = [t for _, t in sheet.row_texts(r)]
        if texts and (texts[0].startswith("填报单位") or texts[0].startswith("审核状态")):
            end = r - 1
            break
        row = {key: sheet.text(r, c) for key, c in keys.items()}
        _carry_groups(row, last)
        if not any(row.get(k) for k in ("level3", "value", "description", "basis", "note")):
            continue
        level2 = row.get("level2") or last["level2"]
        level1 = row.get("level1") or last["level1"] or parents.get(level2 or "")
        _check_indicator_row(sheet, r, keys, row, level1, level2)
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


def _level2_parents(layout: dict) -> dict[str, str]:
    """二级 → 一级 of the layout's scheme, over the usual names (a blank 一级 is found from its 二级)."""
    try:
        parents = {l2: l1 for l1, l2s in scheme_tree(layout.get("scheme") or "fin2015").items() for l2 in l2s}
    except KeyError:
        parents = {}
    return {**LEVEL2_PARENT, **parents}


def _carry_groups(row: dict, last: dict) -> None:
    """Merged or blank group cells mean "same as above" (only until the 一级 changes)."""
    if row.get("level1"):
        if row["level1"] != last["level1"]:
            last["level2"] = None
        last["level1"] = row["level1"]
    if row.get("level2"):
        last["level2"] = row["level2"]


def _check_indicator_row(
    sheet: _Sheet, r: int, keys: dict[str, int], row: dict, level1: str | None, level2: str | None
) -> None:
    if "level3" in keys and not row.get("level3"):
        sheet.error(r, keys["level3"], "请填写三级指标")
    if "level1" in keys and not level1:
        sheet.error(r, keys["level1"], "请填写一级指标")
    if "level2" in keys and not level2:
        sheet.error(r, keys["level2"], "请填写二级指标")


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
