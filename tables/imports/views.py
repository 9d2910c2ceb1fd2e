"""The accounts import's pages: upload, preview and confirm, the template, who has not logged in."""

from __future__ import annotations

import io

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from tables.access import require_admin
from tables.exports.downloads import attachment
from tables.imports.accounts import (
    AccountsImportError,
    held_workbook,
    hold_workbook,
    import_accounts,
    release_workbook,
    template_workbook,
)
from tables.models import (
    Membership,
    Round,
)
from tables.params import int_param
from tables.setup import duties


class AccountsImportForm(forms.Form):
    file = forms.FileField(label="xlsx 文件")
    round = forms.ModelChoiceField(
        label="填报批次", queryset=Round.objects.all(), required=False, empty_label="（不指定）"
    )


ACCOUNTS_IMPORT_SESSION_KEY = "accounts_import_preview"


@require_http_methods(["GET", "POST"])
@login_required
def accounts_import(request: HttpRequest) -> HttpResponse:
    """Bureau admins import the organisations and user accounts of a round from xlsx.

    Two steps, as with pasted tables: an upload shows what would change (nothing
    is written), and a confirmation applies exactly that.
    """
    require_admin(request)
    if request.method == "POST" and request.POST.get("action") == "confirm":
        return _accounts_import_confirm(request)
    form = AccountsImportForm()
    errors: list[str] = []
    status = 200
    if request.method == "POST":
        form = AccountsImportForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data["file"].read(settings.IMPORT_MAX_BYTES + 1)
            round_ = form.cleaned_data["round"]
            try:
                preview = import_accounts(io.BytesIO(data), round_=round_, dry_run=True)
            except AccountsImportError as exc:
                errors = exc.errors
                status = 422
            else:
                token = hold_workbook(data)
                request.session[ACCOUNTS_IMPORT_SESSION_KEY] = {
                    "token": token,
                    "round": round_.pk if round_ else None,
                    "digest": preview.digest(),
                    "name": form.cleaned_data["file"].name,
                }
                return _accounts_preview(request, preview, token)
        else:
            status = 422
    context = {"form": form, "errors": errors, "duty_words": list(duties.WORDS)}
    return render(request, "review/accounts_import.html", context, status=status)


def _accounts_preview(request: HttpRequest, preview, token: str, errors=(), status: int = 200) -> HttpResponse:
    pending = request.session[ACCOUNTS_IMPORT_SESSION_KEY]
    context = {"preview": preview, "token": token, "errors": errors, "file_name": pending.get("name", "")}
    return render(request, "review/accounts_import_preview.html", context, status=status)


def _accounts_import_confirm(request: HttpRequest) -> HttpResponse:
    pending = request.session.get(ACCOUNTS_IMPORT_SESSION_KEY) or {}
    token = request.POST.get("token", "")
    data = held_workbook(token) if pending.get("token") == token else None
    if data is None:
        messages.error(request, "这次预览已失效（已导入、已取消或已过期），请重新上传文件。")
        return redirect("review-accounts-import")
    round_ = Round.objects.filter(pk=pending["round"]).first() if pending.get("round") else None
    if request.POST.get("cancel"):
        release_workbook(token)
        del request.session[ACCOUNTS_IMPORT_SESSION_KEY]
        messages.info(request, "已取消导入，什么都没有改。")
        return redirect("review-accounts-import")
    try:
        result = import_accounts(
            io.BytesIO(data),
            round_=round_,
            confirm_admins=request.POST.get("confirm_admins") == "1",
            previewed=pending["digest"],
        )
    except AccountsImportError as exc:
        errors = exc.errors
        try:
            preview = import_accounts(io.BytesIO(data), round_=round_, dry_run=True)
        except AccountsImportError as again:
            preview, errors = None, again.errors
        if preview is None or preview.digest() != pending["digest"]:  # changed since: preview again from the start
            release_workbook(token)
            del request.session[ACCOUNTS_IMPORT_SESSION_KEY]
            context = {"form": AccountsImportForm(), "errors": errors, "duty_words": list(duties.WORDS)}
            return render(request, "review/accounts_import.html", context, status=409)
        return _accounts_preview(request, preview, token, errors=errors, status=422)  # e.g. 管理员 not ticked
    release_workbook(token)
    del request.session[ACCOUNTS_IMPORT_SESSION_KEY]
    messages.success(request, result.summary())
    url = reverse("review-accounts-inactive")
    if round_ is not None:
        url += f"?round={round_.pk}"
    return redirect(url)


@require_GET
@login_required
def accounts_template(request: HttpRequest) -> HttpResponse:
    require_admin(request)
    return attachment(
        template_workbook(),
        "部门和账号导入模板.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


@require_GET
@login_required
def accounts_inactive(request: HttpRequest) -> HttpResponse:
    """Accounts that have never logged in (for a round: of its organisations)."""
    require_admin(request)
    rounds = list(Round.objects.only("pk", "title", "year"))
    round_id = int_param(request.GET, "round")
    round_ = next((r for r in rounds if r.pk == round_id), None)
    memberships = Membership.objects.select_related("organisation", "review_duty").order_by("organisation__code")
    if round_ is not None:
        memberships = memberships.filter(organisation__round_entries__round=round_)
    users = (
        get_user_model()
        .objects.filter(last_login__isnull=True, is_active=True, memberships__in=memberships)
        .distinct()
        .prefetch_related(Prefetch("memberships", queryset=memberships))
        .order_by("username")
    )
    page = Paginator(users, 100).get_page(request.GET.get("page"))
    for user in page:
        user.duty_lines = [duties.describe(m) for m in user.memberships.all()]
    filters = {"round": round_.pk if round_ else ""}
    return render(
        request, "review/accounts_inactive.html", {"page": page, "rounds": rounds, "round": round_, "filters": filters}
    )
