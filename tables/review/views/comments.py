"""Comments on a table: the list, a link to one, replies and resolving."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tables import permissions
from tables.access import get_table_for_user
from tables.imports.exchange import tables_for_export
from tables.models import (
    Comment,
)
from tables.review import comments as threads
from tables.review import workflow
from tables.review.access import _back, _errors_text
from tables.review.forms import CommentForm, ReplyForm
from tables.review.panel import _flat_threads
from tables.review.views.page import _full_table
from tables.review.workflow import NotAllowed, TransitionError


@require_http_methods(["GET", "POST"])
@login_required
def comments(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the comment threads (an htmx fragment, or a page). POST: a reviewer adds a comment."""
    table = _full_table(request, pk)
    actions = permissions.available_actions(table, request.user, workflow.pending_snapshot(table))
    data = workflow.current_data(table)
    places = threads.places(table, data)
    form = CommentForm(places=places)
    status = 200
    if request.method == "POST":
        if "comment" not in actions:
            raise PermissionDenied("只有审核人可以添加批注。")
        form = CommentForm(request.POST, places=places)
        if form.is_valid():
            try:
                threads.add_comment(
                    table, request.user, anchor=form.cleaned_data["anchor"], body=form.cleaned_data["body"]
                )
            except TransitionError as exc:
                form.add_error(None, str(exc))
                status = 422
            else:
                workflow.mark_opened(table, request.user)  # a comment starts the review too
                if not request.htmx:
                    messages.success(request, "已添加批注。")
                    return _back(request, reverse("review-table", args=[table.pk]))
                form = CommentForm(places=places)
        else:
            status = 422
    context = {
        "table": table,
        "threads": _flat_threads(threads.comments_by_anchor(table, data)),
        "actions": actions,
        "comment_form": form,
    }
    template = "review/comments.html#panel" if request.htmx else "review/comments.html"
    return render(request, template, context, status=status)


def _comment_for(request: HttpRequest, pk: int) -> Comment:
    comment = get_object_or_404(Comment.objects.select_related("table", "table__organisation", "parent"), pk=pk)
    get_table_for_user(request.user, comment.table_id)  # 404 unless the table is visible
    return comment


@require_GET
@login_required
def comment_link(request: HttpRequest, pk: int) -> HttpResponse:
    """The deep link of a comment: the table page scrolled to the row it is about (wherever that row is now)."""
    comment = _comment_for(request, pk)
    thread = comment.parent or comment
    table = tables_for_export().get(pk=comment.table_id)
    place = threads.places(table).get(thread.anchor_key)
    anchor = place.dom if place and place.dom else f"comment-{thread.pk}"
    return redirect(f"{table.get_absolute_url()}#{anchor}")


@require_POST
@login_required
def comment_reply(request: HttpRequest, pk: int) -> HttpResponse:
    comment = _comment_for(request, pk)
    form = ReplyForm(request.POST)
    if not form.is_valid():
        messages.error(request, _errors_text(form))
        return _back(request, comment.table.get_absolute_url())
    try:
        threads.reply(comment, request.user, body=form.cleaned_data["body"])
    except NotAllowed as exc:
        raise PermissionDenied(str(exc)) from exc
    except TransitionError as exc:
        messages.error(request, str(exc))
    return _back(request, f"{comment.table.get_absolute_url()}#comment-{(comment.parent or comment).pk}")


@require_POST
@login_required
def comment_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    comment = _comment_for(request, pk)
    resolved = request.POST.get("resolved", "1") == "1"
    try:
        threads.set_resolved(comment, request.user, resolved=resolved)
    except NotAllowed as exc:
        raise PermissionDenied(str(exc)) from exc
    return _back(request, f"{comment.table.get_absolute_url()}#comment-{(comment.parent or comment).pk}")
