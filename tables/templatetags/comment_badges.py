"""`{% load comment_badges %}`: the rows' comment badges of a list of threads (tables.review.badges)."""

from __future__ import annotations

from django import template

from tables.review.badges import CommentBadge, row_badges

register = template.Library()


@register.filter
def comment_badges(threads) -> list[CommentBadge]:
    return row_badges(list(threads or []))
