"""How many rows one table may hold: one paste once added 5,000 (a 21 MB editor page, an 18 s PDF).

The official forms run to a few dozen rows (the largest seed: 7 tasks, 53 indicators);
the defaults leave room for several times that. Enforced wherever rows are added: new row,
paste, undo of a delete, copy of last year's table and every import.
"""

from __future__ import annotations

from django.conf import settings

UNITS = {"tasks": "项任务", "indicators": "条绩效指标"}


def row_limit(kind: str) -> int:
    return settings.MAX_TASKS_PER_TABLE if kind == "tasks" else settings.MAX_INDICATORS_PER_TABLE


def too_many_rows(kind: str, total: int) -> str:
    """The refusal (in Chinese, naming the limit) when a table would hold `total` rows of `kind`; "" when it fits."""
    limit = row_limit(kind)
    if total <= limit:
        return ""
    unit = UNITS[kind]
    return f"每张表最多 {limit} {unit}，这样会有 {total} {unit}，未保存。请删减后再试。"
