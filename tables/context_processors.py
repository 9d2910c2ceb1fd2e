"""Template context for every page: the review links and the unread-notification count in the header."""

from __future__ import annotations

from functools import cache

from django.http import HttpRequest

from tables.permissions import is_admin, is_reviewer
from tables.review.notifications import unread_count


def review_nav(request: HttpRequest) -> dict:
    """Lazy values: a page that does not show the header costs no query."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    @cache
    def unread() -> int:
        return unread_count(user)

    @cache
    def reviewer() -> bool:
        return bool(is_reviewer(user))

    @cache
    def admin() -> bool:
        return bool(is_admin(user))

    return {"unread_notifications": unread, "nav_is_reviewer": reviewer, "nav_is_admin": admin}
