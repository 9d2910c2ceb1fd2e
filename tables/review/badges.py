"""The badge beside a row that reviewers commented on: one look (`review/_comment_badge.html`) on the
editor's grid and on the table and review pages."""

from __future__ import annotations

from dataclasses import dataclass

from django.template.loader import render_to_string
from django.utils.safestring import SafeString


@dataclass(frozen=True)
class CommentBadge:
    first: int  # the first thread's id: the badge links to it
    count: int
    open: int  # unresolved threads
    row: str = ""  # the printed row's DOM id, where review.js places the badge


def comment_badge(threads: list, row: str = "") -> CommentBadge | None:
    """The badge of one row's comment threads (None without threads)."""
    if not threads:
        return None
    return CommentBadge(threads[0].pk, len(threads), sum(1 for thread in threads if not thread.resolved), row)


def row_badges(threads: list) -> list[CommentBadge]:
    """A badge per printed row among `threads` (tables.review.workflow.comments_by_anchor), in their order."""
    by_row: dict[str, list] = {}
    for thread in threads:
        dom = thread.place.dom if getattr(thread, "place", None) else ""
        if dom:
            by_row.setdefault(dom, []).append(thread)
    return [comment_badge(found, dom) for dom, found in by_row.items()]


def render_badge(badge: CommentBadge | None) -> SafeString:
    return render_to_string("review/_comment_badge.html", {"badge": badge}) if badge else SafeString("")
