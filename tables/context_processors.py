"""Template context for every page: the review links and the unread-notification count in the header."""

from __future__ import annotations

from functools import cache

from django.http import HttpRequest


def review_nav(request: HttpRequest) -> dict:
    """Lazy values: a page that does not show the header costs no query."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    @cache
    def unread() -> int:
        from tables.review.notifications import unread_count

        return unread_count(user)

    @cache
    def reviewer() -> bool:
        from tables.review.workflow import is_reviewer

        return is_reviewer(user)

    @cache
    def admin() -> bool:
        from tables.permissions import is_admin

        return is_admin(user)

    return {"unread_notifications": unread, "nav_is_reviewer": reviewer, "nav_is_admin": admin}
