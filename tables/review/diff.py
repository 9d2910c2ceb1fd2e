"""What changed between two versions of a table.

Both sides are exchange dicts (`target-table/1`), as stored in snapshots with
row ids. Rows are matched by id, then by name (三级指标 or 任务名称) for rows
without one (an older table, or the previous year's); the rest are added or
removed. A matched row is *moved* when it left the longest run of rows that
kept their relative order, so one inserted row does not mark every row below it.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass, field

from tables.layouts import BUDGET_LABELS, COLUMN_LABELS

TASK_LABELS = {"name": "任务名称", "content": "主要内容", "total": "总额", "fiscal": "财政拨款", "other": "其他资金"}
INDICATOR_LABELS = dict(COLUMN_LABELS)
MONTHS = ("03", "06", "10", "12")


@dataclass
class FieldChange:
    key: str
    label: str
    old: object
    new: object
    anchor: str


@dataclass
class RowChange:
    kind: str  # "task" or "indicator"
    status: str  # "added", "removed", "changed" or "same"
    old_position: int | None
    new_position: int | None
    label: str
    moved: bool = False
    changes: list[tuple[str, str, object, object]] = field(default_factory=list)  # (key, label, old, new)
    anchor: str = ""
    row: dict | None = None

    @property
    def interesting(self) -> bool:
        return self.status != "same" or self.moved


@dataclass
class TableDiff:
    fields: list[FieldChange]
    tasks: list[RowChange]
    indicators: list[RowChange]

    @property
    def rows(self) -> list[RowChange]:
        return self.tasks + self.indicators

    @property
    def sections(self) -> list[tuple[str, list[RowChange]]]:
        """(title, changed rows) for the tasks and the indicators, leaving out unchanged rows and empty sections."""
        result = []
        for title, rows in (("年度主要任务", self.tasks), ("绩效指标", self.indicators)):
            changed = [r for r in rows if r.interesting]
            if changed:
                result.append((title, changed))
        return result

    @property
    def is_empty(self) -> bool:
        return not self.fields and not any(r.interesting for r in self.rows)

    def counts(self) -> dict[str, int]:
        rows = self.rows
        return {
            "fields": len(self.fields),
            "added": sum(r.status == "added" for r in rows),
            "removed": sum(r.status == "removed" for r in rows),
            "changed": sum(r.status == "changed" for r in rows),
            "moved": sum(r.moved for r in rows),
        }


def _header_fields(data: dict) -> list[tuple[str, str, object, str]]:
    """(key, label, value, anchor) of every header field of a table."""
    project = data.get("project") or {}
    org = data.get("organization") or {}
    items = [
        ("title", "表名", data.get("title"), "field-title"),
        ("organization", "部门（单位）名称", org.get("name"), "field-organisation"),
    ]
    if data.get("kind") == "project" or project:
        items += [
            ("project.code", "项目编码", project.get("code"), "field-project"),
            ("project.name", "项目名称", project.get("name"), "field-project"),
            ("project.purpose", "资金用途", project.get("purpose"), "field-project_purpose"),
        ]
    items += [
        ("mission", "年度履职目标", data.get("mission"), "field-mission"),
        ("goal", "年度总体目标" if data.get("kind") != "project" else "绩效目标", data.get("goal"), "field-goal"),
    ]
    for key, value in (data.get("budget") or {}).items():
        items.append((f"budget.{key}", BUDGET_LABELS.get(key, key) + "（万元）", value, "field-budget"))
    plan = data.get("spending_plan") or {}
    for month in MONTHS:
        if month in plan:
            items.append(
                (f"spending_plan.{month}", f"{int(month)}月底累计支出（%）", plan[month], "field-spending_plan")
            )
    return items


def _empty(value) -> bool:
    return value is None or value == ""


def _same(a, b) -> bool:
    return (_empty(a) and _empty(b)) or a == b


def diff_fields(old: dict, new: dict) -> list[FieldChange]:
    before = {key: (label, value, anchor) for key, label, value, anchor in _header_fields(old)}
    after = {key: (label, value, anchor) for key, label, value, anchor in _header_fields(new)}
    changes = []
    for key in list(after) + [k for k in before if k not in after]:
        label, new_value, anchor = after.get(key) or (before[key][0], None, before[key][2])
        old_value = before[key][1] if key in before else None
        if not _same(old_value, new_value):
            changes.append(FieldChange(key, label, old_value, new_value, anchor))
    return changes


def _stable(sequence: list[int]) -> set[int]:
    """Indexes into `sequence` of one longest increasing subsequence (the rows that did not move)."""
    tails: list[int] = []
    tail_index: list[int] = []
    previous = [-1] * len(sequence)
    for i, value in enumerate(sequence):
        j = bisect_left(tails, value)
        if j == len(tails):
            tails.append(value)
            tail_index.append(i)
        else:
            tails[j] = value
            tail_index[j] = i
        previous[i] = tail_index[j - 1] if j else -1
    keep: set[int] = set()
    i = tail_index[-1] if tail_index else -1
    while i != -1:
        keep.add(i)
        i = previous[i]
    return keep


def _match(old_rows: list[dict], new_rows: list[dict], name_key) -> dict[int, int]:
    """{new index: old index} of matched rows."""
    matched: dict[int, int] = {}
    old_by_id = {row["id"]: i for i, row in enumerate(old_rows) if row.get("id") is not None}
    used: set[int] = set()
    for j, row in enumerate(new_rows):
        i = old_by_id.get(row.get("id")) if row.get("id") is not None else None
        if i is not None:
            matched[j] = i
            used.add(i)
    by_name: dict[object, list[int]] = {}
    for i, row in enumerate(old_rows):
        if i not in used:
            by_name.setdefault(name_key(row), []).append(i)
    for j, row in enumerate(new_rows):
        if j in matched:
            continue
        candidates = by_name.get(name_key(row))
        if candidates:
            i = candidates.pop(0)
            matched[j] = i
            used.add(i)
    return matched


def diff_rows(kind: str, old_rows: list[dict], new_rows: list[dict]) -> list[RowChange]:
    """Rows in the new order, with removed rows placed where they were."""
    labels = TASK_LABELS if kind == "task" else INDICATOR_LABELS
    if kind == "task":

        def name_key(row):
            return (row.get("name") or "").strip()
    else:

        def name_key(row):
            return (row.get("level1"), row.get("level2"), (row.get("level3") or "").strip())

    title_key = "name" if kind == "task" else "level3"

    matched = _match(old_rows, new_rows, name_key)
    order = [j for j in range(len(new_rows)) if j in matched]
    stable_at = _stable([matched[j] for j in order])
    moved = {order[k] for k in range(len(order)) if k not in stable_at}
    old_matched = set(matched.values())
    removed = [i for i in range(len(old_rows)) if i not in old_matched]

    result: list[RowChange] = []
    emitted: set[int] = set()

    def emit_removed(up_to: int) -> None:
        for i in removed:
            if i < up_to and i not in emitted:
                emitted.add(i)
                row = old_rows[i]
                near = min(i + 1, len(new_rows)) if new_rows else None
                result.append(
                    RowChange(
                        kind,
                        "removed",
                        i + 1,
                        None,
                        row.get(title_key) or "",
                        row=row,
                        anchor=f"{kind}-{near}" if near else "",
                    )
                )

    for j, row in enumerate(new_rows):
        anchor = f"{kind}-{j + 1}"
        if j not in matched:
            result.append(RowChange(kind, "added", None, j + 1, row.get(title_key) or "", anchor=anchor, row=row))
            continue
        i = matched[j]
        if j not in moved:
            emit_removed(i)
        old = old_rows[i]
        changes = [
            (key, label, old.get(key), row.get(key))
            for key, label in labels.items()
            if not _same(old.get(key), row.get(key))
        ]
        status = "changed" if changes else "same"
        result.append(
            RowChange(
                kind,
                status,
                i + 1,
                j + 1,
                row.get(title_key) or "",
                moved=j in moved,
                changes=changes,
                anchor=anchor,
                row=row,
            )
        )
    emit_removed(len(old_rows))
    return result


def diff_tables(old: dict, new: dict) -> TableDiff:
    return TableDiff(
        fields=diff_fields(old, new),
        tasks=diff_rows("task", old.get("tasks") or [], new.get("tasks") or []),
        indicators=diff_rows("indicator", old.get("indicators") or [], new.get("indicators") or []),
    )
