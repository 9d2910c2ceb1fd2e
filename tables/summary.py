"""Sums over task rows, in Decimal."""

from __future__ import annotations

from decimal import Decimal


def task_totals(tasks) -> dict[str, Decimal | None]:
    """金额合计 per column; None for a column where every cell is empty."""
    totals: dict[str, Decimal | None] = {}
    for key in ("total", "fiscal", "other"):
        values = [getattr(task, key) for task in tasks if getattr(task, key) is not None]
        totals[key] = sum(values, Decimal(0)) if values else None
    return totals
