"""Integer query parameters: the one place a view turns `?round=…` into an id.

`"9" * 30` passes `str.isdigit()` and `int()`, and then overflows the database's
integer when it reaches a foreign-key filter (a 500). An id is a positive bigint;
anything else is treated as if the parameter were absent, as a non-number always was.
"""

from __future__ import annotations

from django.http import QueryDict

BIGINT_MAX = 2**63 - 1


def positive_int(raw: str | None) -> int | None:
    """`raw` as an id (1 … 2⁶³−1), or None when it is empty, not ASCII digits, zero or too large."""
    raw = (raw or "").strip()
    if not raw or not raw.isascii() or not raw.isdigit() or len(raw) > 19:
        return None
    value = int(raw)
    return value if 0 < value <= BIGINT_MAX else None


def int_param(query: QueryDict, name: str) -> int | None:
    """The query parameter `name` as an id, or None (see `positive_int`)."""
    return positive_int(query.get(name))
