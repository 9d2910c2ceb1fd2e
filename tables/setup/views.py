"""The set-up pages: the bureau admin manages organisations, people and their duties, and rounds' review levels.

Only an admin reaches them (`require_admin`: 403 for everyone else). Every save is one transaction and
leaves an entry in the admin log (`django.contrib.admin.models.LogEntry`, the log the Django admin keeps
of its own changes, shown under its 最近动作), in Chinese.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Prefetch, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tables.access import require_admin
from tables.models import Membership, Organisation, PasswordChangeRequired, Round, TargetTable
from tables.passwords import require_change
from tables.setup import duties
from tables.setup.forms import DutyForm, NewPersonForm, OrganisationForm, PersonForm, RoundForm

PER_PAGE = 50


def _log(request: HttpRequest, obj, flag: int, message: str) -> None:
    LogEntry.objects.log_actions(request.user.pk, [obj], flag, change_message=message, single_object=True)


def _history(obj) -> list[LogEntry]:
    """The admin log's entries about `obj` (these pages' and the Django admin's), newest first."""
    content_type = ContentType.objects.get_for_model(obj, for_concrete_model=False)
    entries = LogEntry.objects.filter(content_type=content_type, object_id=str(obj.pk)).select_related("user")
    return list(entries.order_by("-action_time")[:20])


def _posted(request: HttpRequest):
    """The posted data, or None for a GET (an empty POST still binds the form: it is refused, not shown anew)."""
    return request.POST if request.method == "POST" else None


def _search(request: HttpRequest) -> str:
    return (request.GET.get("q") or "").strip()[:100]


# ---------------------------------------------------------------- organisations


@require_GET
@login_required
def organisations(request: HttpRequest) -> HttpResponse:
    require_admin(request)
    q = _search(request)
    listed = (
        Organisation.objects.select_related("parent")
        .annotate(unit_count=Count("units", distinct=True), member_count=Count("memberships", distinct=True))
        .order_by("code", "name")
    )
    if q:
        listed = listed.filter(Q(code__icontains=q) | Q(name__icontains=q))
    page = Paginator(listed, PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "setup/organisations.html", {"page": page, "q": q, "filters": {"q": q}, "tab": "orgs"})


@require_http_methods(["GET", "POST"])
@login_required
def organisation_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    require_admin(request)
    organisation = None
    if pk is not None:
        organisation = Organisation.objects.select_related("parent").filter(pk=pk).first()
        if organisation is None:
            raise Http404("没有找到该部门（单位）")
    before = str(organisation) if organisation else ""  # validating the form changes the instance
    form = OrganisationForm(_posted(request), instance=organisation)
    if request.method == "POST":
        if form.is_valid():
            changed = [str(form.fields[name].label) for name in form.changed_data]
            with transaction.atomic():
                saved = form.save()
                if organisation is None:
                    _log(request, saved, ADDITION, f"在系统设置中新建部门（单位）：{saved}")
                elif changed:
                    _log(request, saved, CHANGE, f"在系统设置中修改部门（单位）{before}：{'、'.join(changed)}")
            messages.success(request, f"已保存：{saved}")
            return redirect("setup-organisations")
        messages.error(request, "未保存，请按提示修改。")
    history = _history(organisation) if organisation else []
    context = {"form": form, "organisation": organisation, "history": history, "tab": "orgs"}
    return render(request, "setup/organisation_form.html", context, status=422 if form.errors else 200)


# ---------------------------------------------------------------- people and their duties


def _memberships():
    return Membership.objects.select_related("organisation", "review_duty").order_by(
        "organisation__code", "organisation__name", "role"
    )


@require_GET
@login_required
def people(request: HttpRequest) -> HttpResponse:
    require_admin(request)
    q = _search(request)
    listed = get_user_model().objects.prefetch_related(Prefetch("memberships", queryset=_memberships()))
    if q:
        listed = listed.filter(
            Q(username__icontains=q)
            | Q(first_name__icontains=q)
            | Q(memberships__organisation__name__icontains=q)
            | Q(memberships__organisation__code__icontains=q)
        ).distinct()
    page = Paginator(listed.order_by("username"), PER_PAGE).get_page(request.GET.get("page"))
    for person in page:
        person.duty_lines = [duties.describe(m) for m in person.memberships.all()]
    return render(request, "setup/people.html", {"page": page, "q": q, "filters": {"q": q}, "tab": "people"})


@require_http_methods(["GET", "POST"])
@login_required
def person_new(request: HttpRequest) -> HttpResponse:
    require_admin(request)
    form = NewPersonForm(_posted(request))
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            with transaction.atomic():
                person = get_user_model()(username=data["username"], first_name=data["name"], email=data["email"])
                if data["password"]:
                    person.set_password(data["password"])
                else:
                    person.set_unusable_password()
                person.save()
                if data["password"]:
                    require_change(person, PasswordChangeRequired.Reason.ADMIN)
                membership, _ = duties.grant(
                    person, data["organisation"], data["duty"], include_units=data["include_units"]
                )
                described = duties.describe(membership)
                _log(request, person, ADDITION, f"在系统设置中新建用户 {person.username}，{described}")
            messages.success(request, f"已新建用户 {person.username}：{described}")
            return redirect("setup-person", pk=person.pk)
        messages.error(request, "未保存，请按提示修改。")
    context = {"form": form, "tab": "people"}
    return render(request, "setup/person_new.html", context, status=422 if form.errors else 200)


def _person(pk: int):
    person = get_user_model().objects.filter(pk=pk).first()
    if person is None:
        raise Http404("没有找到该用户")
    return person


def _person_page(request: HttpRequest, person, *, form=None, duty_form=None, status: int = 200) -> HttpResponse:
    memberships = list(_memberships().filter(user=person))
    context = {
        "person": person,
        "form": form or PersonForm(instance=person),
        "duty_form": duty_form or DutyForm(),
        "duties": [(m, duties.describe(m)) for m in memberships],
        "history": _history(person),
        "tab": "people",
    }
    return render(request, "setup/person.html", context, status=status)


@require_http_methods(["GET", "POST"])
@login_required
def person_edit(request: HttpRequest, pk: int) -> HttpResponse:
    require_admin(request)
    person = _person(pk)
    if request.method == "GET":
        return _person_page(request, person)
    form = PersonForm(request.POST, instance=person)
    if not form.is_valid():
        messages.error(request, "未保存，请按提示修改。")
        return _person_page(request, person, form=form, status=422)
    if person.pk == request.user.pk and not form.cleaned_data["is_active"]:
        form.add_error("is_active", "不能停用自己的账号")
        messages.error(request, "未保存：不能停用自己的账号。")
        return _person_page(request, person, form=form, status=422)
    changed = [str(form.fields[name].label) for name in form.changed_data]
    with transaction.atomic():
        form.save()
        if changed:
            _log(request, person, CHANGE, f"在系统设置中修改用户 {person.username}：{'、'.join(changed)}")
    messages.success(request, f"已保存用户 {person.username}。")
    return redirect("setup-person", pk=person.pk)


@require_POST
@login_required
def person_duty_add(request: HttpRequest, pk: int) -> HttpResponse:
    require_admin(request)
    person = _person(pk)
    form = DutyForm(request.POST)
    if not form.is_valid():
        messages.error(request, "未添加角色，请按提示修改。")
        return _person_page(request, person, duty_form=form, status=422)
    data = form.cleaned_data
    with transaction.atomic():
        membership, created = duties.grant(
            person, data["organisation"], data["duty"], include_units=data["include_units"]
        )
        if not created and membership.include_units != data["include_units"]:
            membership.include_units = data["include_units"]
            membership.save(update_fields=["include_units"])
        described = duties.describe(membership)
        _log(request, person, CHANGE, f"在系统设置中为用户 {person.username} 设定角色：{described}")
    messages.success(request, f"{person.username}：{described}")
    return redirect("setup-person", pk=person.pk)


@require_POST
@login_required
def person_duty_remove(request: HttpRequest, pk: int, membership_pk: int) -> HttpResponse:
    require_admin(request)
    person = _person(pk)
    membership = _memberships().filter(user=person, pk=membership_pk).first()
    if membership is None:
        raise Http404("没有找到该角色")
    if person.pk == request.user.pk and membership.role == Membership.Role.ADMIN:
        raise PermissionDenied("不能撤销自己的管理员权限。")
    described = duties.describe(membership)
    with transaction.atomic():
        membership.delete()
        _log(request, person, DELETION, f"在系统设置中撤销用户 {person.username} 的角色：{described}")
    messages.success(request, f"已撤销 {person.username} 的角色：{described}")
    return redirect("setup-person", pk=person.pk)


# ---------------------------------------------------------------- rounds


@require_GET
@login_required
def rounds(request: HttpRequest) -> HttpResponse:
    require_admin(request)
    listed = Round.objects.select_related("layout").annotate(
        under_review=Count("tables", filter=Q(tables__status=TargetTable.Status.SUBMITTED))
    )
    return render(request, "setup/rounds.html", {"rounds": listed, "tab": "rounds"})


@require_http_methods(["GET", "POST"])
@login_required
def round_edit(request: HttpRequest, pk: int) -> HttpResponse:
    require_admin(request)
    round_ = Round.objects.select_related("layout").filter(pk=pk).first()
    if round_ is None:
        raise Http404("没有找到该填报批次")
    before = str(round_)  # validating the form changes the instance
    under_review = TargetTable.objects.filter(round=round_, status=TargetTable.Status.SUBMITTED).count()
    form = RoundForm(_posted(request), instance=round_, under_review=under_review)
    if request.method == "POST":
        if form.is_valid():
            changed = [str(form.fields[name].label) for name in form.changed_data]
            with transaction.atomic():
                saved = form.save()
                if changed:
                    levels = saved.get_review_levels_display() if "review_levels" in form.changed_data else ""
                    levels = f"（审核级次：{levels}）" if levels else ""
                    _log(request, saved, CHANGE, f"在系统设置中修改填报批次 {before}：{'、'.join(changed)}{levels}")
            messages.success(request, f"已保存：{saved}（{saved.get_review_levels_display()}）")
            return redirect("setup-rounds")
        messages.error(request, "未保存，请按提示修改。")
    context = {"form": form, "round": round_, "under_review": under_review, "history": _history(round_)}
    context["tab"] = "rounds"
    return render(request, "setup/round_form.html", context, status=422 if form.errors else 200)
