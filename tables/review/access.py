"""How the review views answer a refused or finished request (loading a table or requiring a role
is `tables.access`)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme

from tables.models import TargetTable
from tables.review.workflow import NotAllowed, TransitionError


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
