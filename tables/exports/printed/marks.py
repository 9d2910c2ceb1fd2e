"""What is printed under the grid: the signature line and the review marks (from `meta`)."""

from __future__ import annotations

from tables.exports.printed.model import clean_text

STATUS_LABELS = {"draft": "草稿", "submitted": "已提交", "returned": "已退回", "approved": "已批复"}


def _date_text(value) -> str:
    if not value:
        return ""
    if hasattr(value, "year") and hasattr(value, "month") and hasattr(value, "day"):
        return f"{value.year}年{value.month}月{value.day}日"
    return clean_text(value)


def signature_fields(data: dict, meta: dict | None) -> list[tuple[str, str]]:
    """填报单位（盖章）、单位负责人、填报人、联系电话、填报日期, filled from meta where known."""
    meta = meta or {}
    org = (data.get("organization") or {}).get("name") or ""
    return [
        ("填报单位（盖章）", clean_text(meta.get("organization") or org)),
        ("单位负责人", clean_text(meta.get("unit_head"))),
        ("填报人", clean_text(meta.get("filler"))),
        ("联系电话", clean_text(meta.get("phone"))),
        ("填报日期", _date_text(meta.get("filled_at"))),
    ]


def signature_line(data: dict, meta: dict | None) -> str:
    return "    ".join(f"{label}：{value or '　' * 4}" for label, value in signature_fields(data, meta))


def is_approved(meta: dict | None) -> bool:
    return bool(meta) and meta.get("status") == "approved"


def _published_text(meta: dict) -> str:
    """`公开`, `不公开（原因：…）`, or "" when the decision said nothing about it."""
    published = meta.get("published")
    if published is None:
        return ""
    if published:
        return "公开"
    reason = clean_text(meta.get("unpublished_reason"))
    return f"不公开（原因：{reason}）" if reason else "不公开"


def _department(meta: dict) -> dict | None:
    """The 主管部门's decision (a two-level round): its opinion, reviewer and date."""
    if not any(meta.get(key) for key in ("department_opinion", "department_reviewer", "department_reviewed_at")):
        return None
    return {
        "opinion": clean_text(meta.get("department_opinion")) or "同意",
        "reviewer": clean_text(meta.get("department_reviewer")),
        "date": _date_text(meta.get("department_reviewed_at")),
    }


def signed_opinion(opinion: str, reviewer: str, date: str) -> str:
    """An opinion as a printed 审核意见 row holds it: `同意。（审核人：李审核，2026年3月1日）`."""
    sign = "，".join(part for part in (f"审核人：{reviewer}" if reviewer else "", date) if part)
    return f"{opinion}（{sign}）" if sign else opinion


def review_marks(meta: dict | None) -> dict | None:
    """The approval mark and review notes, or None when there is nothing to print.

    meta keys read: status, status_label, reviewer, approved_at, opinion,
    grade, checklist ({"完整性": True, …} or [{"name", "passed", "note"}, …]),
    revision (年初版 / 第 N 次调整), published and unpublished_reason, and the
    主管部门's department_opinion, department_reviewer, department_reviewed_at.
    """
    if not meta:
        return None
    status = meta.get("status") or "draft"
    checklist = meta.get("checklist") or []
    if isinstance(checklist, dict):
        checklist = [{"name": k, "passed": v} for k, v in checklist.items()]
    items = []
    for item in checklist:
        passed = item.get("passed")
        mark = "✓" if passed is True else ("✗" if passed is False else clean_text(passed))
        items.append({"name": clean_text(item.get("name")), "mark": mark, "note": clean_text(item.get("note"))})
    marks = {
        "status": status,
        "status_label": clean_text(meta.get("status_label") or STATUS_LABELS.get(status, status)),
        "reviewer": clean_text(meta.get("reviewer")),
        "date": _date_text(meta.get("approved_at") or meta.get("reviewed_at")),
        "opinion": clean_text(meta.get("opinion")),
        "grade": clean_text(meta.get("grade")),
        "checklist": items,
        "approved": status == "approved",
        "revision": clean_text(meta.get("revision")) if status == "approved" else "",
        "department": _department(meta),
        "published": _published_text(meta),
    }
    if not (marks["approved"] or marks["opinion"] or items or marks["reviewer"]):
        return None
    return marks


def review_lines(meta: dict | None) -> list[str]:
    """The review marks as plain lines (the workbook prints these under the signature)."""
    marks = review_marks(meta)
    if not marks:
        return []
    lines = [f"审核状态：{marks['status_label']}"
             + (f"    版本：{marks['revision']}" if marks["revision"] else "")
             + (f"    审核人：{marks['reviewer']}" if marks["reviewer"] else "")
             + (f"    审核日期：{marks['date']}" if marks["date"] else "")]  # fmt: skip
    department = marks["department"]
    if department:
        lines.append(
            "主管部门审核意见：" + signed_opinion(department["opinion"], department["reviewer"], department["date"])
        )
    if marks["checklist"]:
        lines.append(
            "四性审核："
            + "；".join(
                f"{i['name']}{i['mark']}{('（' + i['note'] + '）') if i['note'] else ''}" for i in marks["checklist"]
            )
        )
    if marks["grade"]:
        lines.append(f"审核等级：{marks['grade']}")
    if marks["opinion"]:
        lines.append(f"财政部门审核意见：{marks['opinion']}")
    if marks["published"]:
        lines.append(f"公开：{marks['published']}")
    return lines


def with_decisions(data: dict, layout: dict, meta: dict | None) -> dict:
    """`data` with each review level's decision in the 审核意见 row the layout gives that level.

    `layout["opinion_levels"]` maps a level (`department`, `finance`) to one of its `opinion_rows`;
    a row the table's own footer already fills (an imported form's text) keeps that text.
    """
    levels = layout.get("opinion_levels") or {}
    marks = review_marks(meta)
    if not levels or not marks:
        return data
    texts = {}
    if marks["department"] and "department" in levels:
        d = marks["department"]
        texts[levels["department"]] = signed_opinion(d["opinion"], d["reviewer"], d["date"])
    if marks["approved"] and marks["opinion"] and "finance" in levels:
        texts[levels["finance"]] = signed_opinion(marks["opinion"], marks["reviewer"], marks["date"])
    if not texts:
        return data
    footer = dict(data.get("footer") or {})
    opinions = [dict(o) for o in footer.get("opinions") or [] if isinstance(o, dict)]
    filled = {o.get("by") for o in opinions if clean_text(o.get("text"))}
    opinions = [o for o in opinions if o.get("by") not in texts or o.get("by") in filled]
    opinions += [{"by": by, "text": text} for by, text in texts.items() if by not in filled]
    return {**data, "footer": {**footer, "opinions": opinions}}
