"""Small readers of the editor's URL and form values (a row kind, an integer).

Loading a table for the editor, with its 404 and 403, is `tables.access.editor_table`.
"""

from __future__ import annotations

from django.http import Http404

from tables.editor.editing import ROW_KINDS


def _kind(kind: str):
    if kind not in ROW_KINDS:
        raise Http404("没有这种行")
    return ROW_KINDS[kind]


def _int(raw) -> int | None:
    try:
        return int(raw)
    except (TypeError, ValueError):
        return None
