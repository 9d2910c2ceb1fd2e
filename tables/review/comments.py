"""Comments on a table: the places a comment can point at, threads with replies, resolving them.

A reviewer comments on a place (the whole table, a field, a task or an indicator
row); the filler and reviewers reply and resolve. Who may do which is in
`tables/permissions.py`; approving a table resolves its open threads
(`tables.review.workflow.approve`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from django.utils import timezone

from tables import permissions
from tables.models import Comment, Snapshot, TargetTable
from tables.review.workflow import Blocked, StaleTransition, current_data, pending_snapshot, require_allowed

__all__ = [
    "FIELD_LABELS",
    "Place",
    "add_comment",
    "comments_by_anchor",
    "places",
    "reply",
    "set_resolved",
]


FIELD_LABELS = {
    "title": "表名",
    "project": "项目名称与编码",
    "project_purpose": "资金用途",
    "mission": "年度履职目标",
    "goal": "年度总体目标",
    "budget": "预算情况",
    "spending_plan": "资金支出计划",
}


@dataclass
class Place:
    """A place in a table a comment can point at, as the table is now."""

    key: str  # "table", "field:goal", "task:<row id>", "indicator:<row id>"
    label: str
    dom: str  # the element id on the table page ("" for the whole table)
    text: str  # the content, to tell whether a comment is outdated


def _content(value) -> str:
    if isinstance(value, dict):
        value = {k: v for k, v in value.items() if k != "id"}
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _field_value(data: dict, name: str):
    project = data.get("project") or {}
    if name == "project":
        return {"code": project.get("code"), "name": project.get("name")}
    if name == "project_purpose":
        return project.get("purpose")
    return data.get(name)


def places(table: TargetTable, data: dict | None = None) -> dict[str, Place]:
    """Every place of `table` in printed order (use a table from `tables_for_export()`: no extra queries)."""
    data = data if data is not None else current_data(table)
    layout = table.layout
    names = ["title"]
    if table.kind == TargetTable.Kind.PROJECT:
        names += ["project", "project_purpose"]
    names += [name for name in ("mission", "goal") if layout.has(name)]
    if layout.budget_keys:
        names.append("budget")
    if layout.has("spending_plan"):
        names.append("spending_plan")
    result = {"table": Place("table", "整表", "", "")}
    for name in names:
        label = "绩效目标" if name == "goal" and table.kind == TargetTable.Kind.PROJECT else FIELD_LABELS[name]
        result[f"field:{name}"] = Place(f"field:{name}", label, f"field-{name}", _content(_field_value(data, name)))
    for kind, rows, title, word in (
        ("task", table.tasks.all(), "name", "任务"),
        ("indicator", table.indicators.all(), "level3", "指标"),
    ):
        exported = {row["id"]: row for row in data["tasks" if kind == "task" else "indicators"]}
        for row in rows:
            key = f"{kind}:{row.pk}"
            result[key] = Place(
                key,
                f"{word} {row.position}：{getattr(row, title)}",
                f"{kind}-{row.position}",
                _content(exported.get(row.pk)),
            )
    return result


def _commenting_snapshot(table: TargetTable) -> Snapshot | None:
    return pending_snapshot(table) or Snapshot.objects.filter(table_id=table.pk).order_by("-number").first()


def add_comment(table: TargetTable, user, *, anchor: str, body: str) -> Comment:
    """A reviewer's comment on a place of the table; keeps a copy of the place's content."""
    body = (body or "").strip()
    if not body:
        raise Blocked("批注内容不能为空。")
    require_allowed(permissions.can_comment(user, table))
    place = places(table).get(anchor)
    if place is None:
        raise StaleTransition("批注的位置已不存在（该行可能已被删除），请刷新页面。")
    kind, _, ref = anchor.partition(":")
    return Comment.objects.create(
        table_id=table.pk,
        snapshot=_commenting_snapshot(table),
        anchor_kind=kind,
        anchor_field=ref if kind == Comment.Anchor.FIELD else "",
        row_id=int(ref) if kind in (Comment.Anchor.TASK, Comment.Anchor.INDICATOR) else None,
        row_text=place.text,
        row_label=place.label[:300],
        author=user,
        body=body,
    )


def reply(comment: Comment, user, *, body: str) -> Comment:
    """A reply in the thread of `comment` (by the filler or a reviewer)."""
    body = (body or "").strip()
    if not body:
        raise Blocked("回复内容不能为空。")
    parent = comment.parent or comment
    table = parent.table
    require_allowed(permissions.can_reply(user, table))
    return Comment.objects.create(
        table_id=parent.table_id,
        snapshot=_commenting_snapshot(table),
        parent=parent,
        anchor_kind=parent.anchor_kind,
        anchor_field=parent.anchor_field,
        row_id=parent.row_id,
        row_label=parent.row_label,
        author=user,
        body=body,
    )


def set_resolved(comment: Comment, user, *, resolved: bool) -> Comment:
    """Mark a thread resolved (the filler fixed it, or the reviewer accepts) or open again."""
    thread = comment.parent or comment
    require_allowed(permissions.can_resolve(user, thread.table))
    thread.resolved = resolved
    thread.resolved_by = user if resolved else None
    thread.resolved_at = timezone.now() if resolved else None
    thread.save(update_fields=["resolved", "resolved_by", "resolved_at"])
    return thread


def comments_by_anchor(table: TargetTable, data: dict | None = None) -> dict[str, list[Comment]]:
    """The comment threads of `table` by place, in printed order (two queries with a prefetched table).

    Keys are `Place.key`s: "table", "field:goal", "task:<row id>", "indicator:<row id>"
    (row ids, so a thread follows its row when rows move). Each thread is a
    top-level `Comment` with these attributes added:

    - `thread_replies`: its replies, oldest first;
    - `place`: the `Place` now (None when the row was deleted);
    - `outdated`: the place changed since the comment was written;
    - `row_deleted`: the row is gone (`row_label` still says where it was).

    The editor can show a row's threads with
    ``{% include "review/_row_comments.html" with threads=row_threads %}``.
    """
    current = places(table, data)
    comments = list(
        Comment.objects.filter(table_id=table.pk).select_related("author", "resolved_by").order_by("created_at", "id")
    )
    threads: dict[int, Comment] = {}
    for comment in comments:
        if comment.parent_id is None:
            comment.thread_replies = []
            place = current.get(comment.anchor_key)
            comment.place = place
            comment.row_deleted = place is None
            comment.outdated = (
                place is not None and comment.anchor_kind != Comment.Anchor.TABLE and (place.text != comment.row_text)
            )
            threads[comment.pk] = comment
    for comment in comments:
        if comment.parent_id in threads:
            threads[comment.parent_id].thread_replies.append(comment)
    grouped: dict[str, list[Comment]] = {key: [] for key in current}
    for thread in threads.values():
        grouped.setdefault(thread.anchor_key, []).append(thread)
    return {key: found for key, found in grouped.items() if found}
