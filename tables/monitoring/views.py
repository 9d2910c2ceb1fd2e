"""The monitoring pages: the bureau opens a round and follows its forms; a unit lists its own forms.

Who may do what is `tables/permissions.py` (`can_open_monitoring`, and a form's visibility is the rule
of `Reach`, `MonitoringForm.objects.visible_to`); what opening does is `tables/monitoring/rounds.py`.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, F, Func, IntegerField, OuterRef, Q, Subquery
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tables import permissions
from tables.access import require
from tables.models import MonitoringForm, MonitoringRound, MonitoringRow, one
from tables.monitoring import filling, lights
from tables.monitoring.forms import OpenRoundForm
from tables.monitoring.rounds import open_round
from tables.review.workflow import Blocked

PER_PAGE = 50


def _light_counts(prefix: str = "") -> dict:
    """Count annotations of the forms by light (`prefix` "forms__" from a round)."""
    counts = {f"{light}_count": Count(f"{prefix}pk", filter=Q(**{f"{prefix}light": light})) for light in lights.LIGHTS}
    return {"form_count": Count(f"{prefix}pk"), **counts}


@require_GET
@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The bureau admin: the rounds opened. Anyone else: the monitoring forms of their organisations."""
    if permissions.can_open_monitoring(request.user):
        rounds = MonitoringRound.objects.annotate(**_light_counts("forms__")).order_by("-year", "-month", "scope")
        page = Paginator(rounds, PER_PAGE).get_page(request.GET.get("page"))
        return render(request, "monitoring/home.html", {"page": page, "admin": True, "filters": {}})
    forms = (
        MonitoringForm.objects.visible_to(request.user)
        .select_related("round", "organisation")
        .order_by("-round__year", "-round__month", "organisation__code", "pk")
    )
    page = Paginator(forms, PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "monitoring/home.html", {"page": page, "admin": False, "filters": {}})


@require_http_methods(["GET", "POST"])
@login_required
def round_new(request: HttpRequest) -> HttpResponse:
    require(permissions.can_open_monitoring(request.user))
    form = OpenRoundForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                opened = open_round(
                    request.user,
                    year=data["year"],
                    month=data["month"],
                    scope=data["scope"],
                    table_ids=data["table_ids"],
                    deadline=data["deadline"],
                    reminder_days=data["reminder_days"],
                    thresholds=form.thresholds(),
                    reasons=data["reasons"],
                )
            except (Blocked, ValueError) as exc:
                form.add_error(None, str(exc))
            else:
                verb = "已开启" if opened.created else "已更新"
                messages.success(request, f"{verb}{opened.round}，新增 {opened.added} 张监控表。")
                return redirect("monitoring-round", opened.round.pk)
        messages.error(request, "未开启，请按提示修改。")
    return render(request, "monitoring/round_form.html", {"form": form}, status=422 if form.errors else 200)


def _round_for_admin(request: HttpRequest, pk: int) -> MonitoringRound:
    require(permissions.can_open_monitoring(request.user))
    round_ = one(MonitoringRound.objects.filter(pk=pk))
    if round_ is None:
        raise Http404("没有找到该监控批次")
    return round_


def _row_count() -> Subquery:
    """A form's rows counted in a subquery: the page's count (`Paginator`) leaves it out, not a join."""
    rows = MonitoringRow.objects.filter(form=OuterRef("pk")).order_by().values("form")
    return Subquery(rows.annotate(n=Func(F("pk"), function="COUNT")).values("n"), output_field=IntegerField())


@require_GET
@login_required
def round_detail(request: HttpRequest, pk: int) -> HttpResponse:
    round_ = _round_for_admin(request, pk)
    forms = (
        MonitoringForm.objects.filter(round=round_)
        .select_related("organisation")
        .annotate(row_count=_row_count())
        .order_by("organisation__code", "pk")
    )
    counts = MonitoringForm.objects.filter(round=round_).aggregate(**_light_counts())
    page = Paginator(forms, PER_PAGE).get_page(request.GET.get("page"))
    context = {"round": round_, "page": page, "counts": counts, "rules": round_.rules(), "filters": {}}
    return render(request, "monitoring/round.html", context)


@require_POST
@login_required
def round_refresh(request: HttpRequest, pk: int) -> HttpResponse:
    """Open the round again: a 部门自行监控 round gains the tables approved since it was opened."""
    round_ = _round_for_admin(request, pk)
    if round_.scope == MonitoringRound.Scope.KEY:
        messages.info(request, "财政重点监控的表由财政局选定：如需追加，请在“开启监控”中按同一期间填写编码。")
        return redirect("monitoring-round", round_.pk)
    opened = open_round(request.user, year=round_.year, month=round_.month, scope=round_.scope)
    messages.success(request, f"已补充新批复的表：新增 {opened.added} 张监控表。")
    return redirect("monitoring-round", round_.pk)


# ---------------------------------------------------------------- a form


def _form_for(request: HttpRequest, pk: int) -> MonitoringForm:
    """The form if the user sees its organisation, else 404 (no information leak)."""
    form = one(MonitoringForm.objects.visible_to(request.user).select_related("round", "organisation").filter(pk=pk))
    if form is None:
        raise Http404("没有找到该监控表")
    return form


def _row_context(form: MonitoringForm, row: MonitoringRow, editable: bool, posted: dict | None = None, **extra):
    return {
        "form": form,
        "row": row,
        "values": posted if posted is not None else filling.entered(row),
        "editable": editable,
        "base": filling.row_fingerprint(row),
        "reasons": form.round.reasons,
        "results": MonitoringRow.Result.values,
        "likelihoods": MonitoringRow.Likelihood.values,
        "disposals": MonitoringRow.Disposal.values,
        **extra,
    }


@require_GET
@login_required
def form_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The monitoring form: the money, the copied targets read-only, and each row's completion to enter."""
    form = _form_for(request, pk)
    editable = bool(filling.can_fill(request.user, form))
    rows = list(form.rows.order_by("position"))
    context = {
        **_money_context(form, editable),
        "rows": [_row_context(form, row, editable) for row in rows],
        "time_progress": lights.time_progress(form.round.month),
        "narrative": {name: getattr(form, name) for name in filling.NARRATIVE},
    }
    return render(request, "monitoring/form.html", context)


def _money_context(form: MonitoringForm, editable: bool, posted: dict | None = None, **extra) -> dict:
    values = posted if posted is not None else filling.money_entered(form)
    lines = [
        {**line, "inputs": {m: values.get(f"{m}_{line['source']}", "") for m in ("budget", "executed", "projected")}}
        for line in form.money()
    ]
    return {
        "form": form,
        "editable": editable,
        "money_values": values,
        "money_lines": lines,
        "money_verdict": form.money_verdict(),
        "reasons": form.round.reasons,
        **extra,
    }


def _version(request: HttpRequest) -> int | None:
    try:
        return int(request.POST.get("version", ""))
    except ValueError:
        return None


@require_POST
@login_required
def form_money(request: HttpRequest, pk: int) -> HttpResponse:
    """Save the money over htmx: the money block again with its 执行率 and light (and the form's light),
    or its errors (422), or what was entered with the message when a colleague saved meanwhile (409)."""
    form = _form_for(request, pk)
    require(filling.can_fill(request.user, form))
    data = {name: request.POST.get(name, "") for name in (*filling.MONEY_ENTERED, "money_explanation")}
    data["money_reasons"] = request.POST.getlist("money_reasons")
    template = "monitoring/form.html#money"
    try:
        saved = filling.save_money(form, data, user=request.user, version=_version(request))
    except filling.ReadOnly as exc:
        raise PermissionDenied(exc.messages[0]) from exc
    except filling.Invalid as exc:
        context = _money_context(form, True, data, errors=exc.messages, pending_light=exc.light, refresh=False)
        return render(request, template, context, status=422)
    except filling.Conflict as exc:
        form.refresh_from_db()
        context = _money_context(form, True, data, errors=exc.messages, refresh=True)
        return render(request, template, context, status=409)
    if not request.headers.get("HX-Request"):
        messages.success(request, "已保存预算执行情况。")
        return redirect("monitoring-form", form.pk)
    return render(request, template, _money_context(saved.form, True, saved=True, refresh=True))


@require_POST
@login_required
def form_narrative(request: HttpRequest, pk: int) -> HttpResponse:
    """Save the goal's progress and the narrative over htmx (autosaved on change), like the money."""
    form = _form_for(request, pk)
    require(filling.can_fill(request.user, form))
    data = {name: request.POST.get(name, "") for name in filling.NARRATIVE}
    template = "monitoring/form.html#narrative"
    try:
        saved = filling.save_narrative(form, data, user=request.user, version=_version(request))
    except filling.ReadOnly as exc:
        raise PermissionDenied(exc.messages[0]) from exc
    except filling.Conflict as exc:
        form.refresh_from_db()
        context = {"form": form, "editable": True, "narrative": data, "errors": exc.messages, "refresh": True}
        return render(request, template, context, status=409)
    if not request.headers.get("HX-Request"):
        messages.success(request, "已保存执行情况说明。")
        return redirect("monitoring-form", form.pk)
    context = {"form": saved.form, "editable": True, "narrative": data, "saved": True, "refresh": True}
    return render(request, template, context)


@require_POST
@login_required
def form_row(request: HttpRequest, pk: int, row_pk: int) -> HttpResponse:
    """Save one row over htmx: the row again with its light (and the form's), or its errors (422), or
    the newer row when a colleague saved it meanwhile (409)."""
    form = _form_for(request, pk)
    require(filling.can_fill(request.user, form))
    data = {name: request.POST.get(name, "") for name in filling.ENTERED}
    data["reasons"] = request.POST.getlist("reasons")
    template = "monitoring/form.html#row"
    try:
        saved = filling.save_row(form, row_pk, data, user=request.user, base=request.POST.get("base"))
    except filling.ReadOnly as exc:
        raise PermissionDenied(exc.messages[0]) from exc
    except filling.Conflict as exc:
        row = one(MonitoringRow.objects.filter(form=form, pk=row_pk))
        messages.error(request, exc.messages[0])
        if row is None:
            return HttpResponse(status=409)
        return render(request, template, _row_context(form, row, True), status=409)
    except filling.Invalid as exc:
        row = one(MonitoringRow.objects.filter(form=form, pk=row_pk))
        if row is None:
            raise Http404("没有找到该指标") from exc
        posted = _row_context(form, row, True, errors=exc.messages, posted=data, pending_light=exc.light)
        return render(request, template, posted, status=422)
    if not request.headers.get("HX-Request"):  # a browser without JavaScript: back to the page
        messages.success(request, f"已保存“{saved.row.level3}”。")
        return redirect("monitoring-form", form.pk)
    form.light, form.version = saved.form_light or "", saved.version
    context = _row_context(form, saved.row, True, saved=True, form_light=form.light)
    return render(request, template, context)
