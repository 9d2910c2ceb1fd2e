"""Lists that grow with a province: a filter's choices that stay short.

A city lists a few hundred organisations in a filter's <select>; a province lists 10,000, which is
most of a page's time and no help to anyone. Beyond CHOICES_MAX the select offers only the chosen
one, and the page says to search (or, on the queue, to start from the dashboard's departments).
"""

from __future__ import annotations

CHOICES_MAX = 200


def bounded_choices(queryset, selected: int | None) -> tuple[list, bool]:
    """(the rows to offer, whether there were more than CHOICES_MAX): one query, two when the chosen
    row lies beyond the first CHOICES_MAX."""
    rows = list(queryset[: CHOICES_MAX + 1])
    if len(rows) <= CHOICES_MAX:
        return rows, False
    chosen = [row for row in rows if row.pk == selected]
    if selected is not None and not chosen:
        chosen = list(queryset.filter(pk=selected))
    return chosen, True
