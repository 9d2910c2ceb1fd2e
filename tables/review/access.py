"""How the review views load a table or require a role, and answer a refused request."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme

from tables.models import (
    TargetTable,
)
from tables.permissions import get_table_for_user, is_admin
from tables.review import workflow
from tables.review.workflow import NotAllowed, TransitionError


def _table_for(request: HttpRequest, pk: int, *, need: str | None = None, queryset=None) -> TargetTable:
    """The table: 404 when the user may not see it, 403 when they see it but are not its `need`
    ("filler" or "reviewer")."""
    qs = queryset if queryset is not None else TargetTable.objects.select_related("organisation", "round", "layout")
    table = get_table_for_user(request.user, pk, qs)
    if need == "filler" and not workflow.is_filler(request.user, table):
        raise PermissionDenied("只有本部门（单位）的填报人可以这样做。")
    if need == "reviewer" and not workflow.is_reviewer(request.user, table):
        raise PermissionDenied("只有审核人可以这样做。")
    return table


def _require_reviewer(request: HttpRequest) -> None:
    if not workflow.is_reviewer(request.user):
        raise PermissionDenied("只有审核人和管理员可以查看。")


def _require_admin(request: HttpRequest) -> None:
    if not is_admin(request.user):
        raise PermissionDenied("只有管理员可以这样做。")


def _back(request: HttpRequest, default: str) -> HttpResponse:
    target = request.POST.get("next") or ""
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=False):
        target = default
    return redirect(target)


def _errors_text(form: forms.Form) -> str:
    """A refused form's errors as one message, for the forms that answer with a redirect."""
    texts = []
    for name, errors in form.errors.as_data().items():
        field = form.fields.get(name)
        for error in errors:
            text = " ".join(error.messages)
            # Say which field unless the message names it already (the forms' own "请填写…" messages).
            if field is not None and (field.widget.is_hidden or error.code != "required"):
                text = f"{field.label}：{text}"
            texts.append(text)
    return "；".join(texts)


def _refused(request: HttpRequest, table: TargetTable, exc: TransitionError) -> HttpResponse:
    if isinstance(exc, NotAllowed):
        raise PermissionDenied(str(exc))
    messages.error(request, str(exc))
    return _back(request, table.get_absolute_url())
