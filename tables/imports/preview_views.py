"""The import preview's pages: upload any province's file, see it as it will be stored, confirm.

Only fillers (and admins) of an organisation upload for it; a held upload is seen and confirmed
only by the user who uploaded it (404 for anyone else), and only while that user still fills in
for its organisation (403). A preview that is gone (imported, cancelled, expired) says so.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from tables import permissions
from tables.imports import preview
from tables.imports.exchange import ExchangeError
from tables.models import HeldUpload, Organisation

NOT_FOUND = "没有找到这次上传"


class UploadForm(forms.Form):
    organisation = forms.ModelChoiceField(
        label="部门（单位）", queryset=Organisation.objects.none(), empty_label="请选择"
    )
    file = forms.FileField(
        label="文件",
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(preview.SUFFIXES)}),
        help_text="Excel（.xlsx、.xlsm）、Word（.docx）、带文字层的 PDF 或文本（.txt）",
    )
    text = forms.CharField(
        label="或粘贴整张表",
        required=False,
        widget=forms.Textarea(attrs={"rows": 8, "class": "font-monospace", "spellcheck": "false"}),
        help_text="从 Excel、WPS、Word 或网页上全选复制整张表后粘贴到这里",
    )
    year = forms.IntegerField(
        label="预算年度", required=False, min_value=2000, max_value=2100, help_text="留空：按文件中的年度"
    )
    always_preview = forms.BooleanField(
        label="先预览再导入",
        required=False,
        help_text="不勾选时，与记住的列对应相符且没有问题的文件直接导入",
    )

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations

    def clean(self):
        data = super().clean()
        if bool(data.get("file")) == bool((data.get("text") or "").strip()):
            raise forms.ValidationError("请上传一个文件，或粘贴整张表（二者选一）。")
        return data


class MappingForm(forms.Form):
    """A drop-down per source column (`column_<n>`, in the order the preview lists them) and the year."""

    year = forms.IntegerField(label="预算年度", required=False, min_value=2000, max_value=2100)

    def __init__(self, *args, reading: preview.Reading, **kwargs):
        super().__init__(*args, **kwargs)
        self.sources = []
        for n, column in enumerate(reading.columns):
            name = f"column_{n}"
            self.fields[name] = forms.ChoiceField(
                label=f"列“{column.label}”（{column.place}）对应到",
                choices=preview.options(reading.layout, column),
                initial=preview.field_value(preview.choice_of(column)),
            )
            self.sources.append((name, column.source))

    def overrides(self) -> dict[str, str | None]:
        return {source: preview.choice_from(self.cleaned_data[name]) for name, source in self.sources}


def _fillable(request: HttpRequest):
    organisations = permissions.fillable_organisations(request.user)
    if not organisations.exists():
        raise PermissionDenied("只有填报人可以导入绩效目标表。")
    return organisations


@require_http_methods(["GET", "POST"])
@login_required
def upload(request: HttpRequest) -> HttpResponse:
    """导入任意省份的表: upload a file or paste a table; a remembered mapping stores it straight away."""
    organisations = _fillable(request)
    if request.method == "GET":
        form = UploadForm(organisations=organisations)
        if organisations.count() == 1:
            form.initial["organisation"] = organisations.first().pk
        return render(request, "imports/upload.html", {"form": form})
    form = UploadForm(request.POST, request.FILES, organisations=organisations)
    if not form.is_valid():
        return render(request, "imports/upload.html", {"form": form}, status=422)
    data = form.cleaned_data
    if data["file"]:
        name, raw = data["file"].name, data["file"].read(settings.IMPORT_MAX_BYTES + 1)
    else:
        name, raw = preview.PASTED_NAME, data["text"].encode()
    try:
        held = preview.hold(request.user, data["organisation"], name, raw, data["year"])
    except preview.PreviewError as exc:
        form.add_error(None, str(exc))
        return render(request, "imports/upload.html", {"form": form}, status=422)
    reading, stored = (None, []) if data["always_preview"] else preview.straight_through(held, request.user)
    if stored:
        _say_stored(request, stored, reading)
        return redirect("table-detail", pk=stored[0].pk)
    return redirect("import-preview", pk=held.pk)


def _held(request: HttpRequest, pk) -> HeldUpload | None:
    """The user's own held upload (404 for anyone else's), None when it is gone or expired."""
    held = HeldUpload.objects.select_related("organisation").filter(pk=pk).first()
    if held is None:
        return None
    if held.user_id != request.user.pk:
        raise Http404(NOT_FOUND)
    if not permissions.fillable_organisations(request.user).filter(pk=held.organisation_id).exists():
        raise PermissionDenied("您已不是该部门（单位）的填报人，不能导入它的表。")
    if preview.is_expired(held):
        held.delete()
        return None
    return held


def _gone(request: HttpRequest) -> HttpResponse:
    form = UploadForm(organisations=_fillable(request))
    context = {"form": form, "gone": preview.stale_message()}
    return render(request, "imports/upload.html", context, status=410)


def _read(request: HttpRequest, held: HeldUpload) -> tuple[MappingForm, preview.Reading, list]:
    """What the preview shows: on a GET the remembered or recognised mapping, on a POST the one chosen."""
    if request.method == "GET":
        reading, tables = preview.prepare(held, None, held.year)
        form = MappingForm(reading=reading, initial={"year": _year(tables, held)})
        return form, reading, tables
    first = preview.read_held(held.name, bytes(held.data))
    form = MappingForm(request.POST, reading=first)
    if not form.is_valid():
        return form, first, preview.for_organisation(first, held.organisation, held.year)
    reading, tables = preview.prepare(held, form.overrides(), form.cleaned_data["year"] or held.year)
    return MappingForm(request.POST, reading=reading), reading, tables


def _year(tables: list[dict], held: HeldUpload) -> int | None:
    return held.year or next((table["year"] for table in tables if table.get("year")), None)


def _render(request, held, form, reading, tables, *, errors=(), status=200) -> HttpResponse:
    context = {
        "held": held,
        "form": form,
        "reading": reading,
        "shown": [preview.shown(table) for table in tables],
        "layout_name": preview.layout_name(reading.layout),
        "rows": [(column, form[name]) for (name, _), column in zip(form.sources, reading.columns, strict=True)],
        "errors": list(errors),
    }
    template = "imports/preview.html#preview" if request.htmx else "imports/preview.html"
    return render(request, template, context, status=status)


@require_http_methods(["GET", "POST"])
@login_required
def preview_page(request: HttpRequest, pk) -> HttpResponse:
    """The preview; a changed drop-down posts here and gets the preview again (htmx: the partial)."""
    _fillable(request)
    held = _held(request, pk)
    if held is None:
        return _gone(request)
    form, reading, tables = _read(request, held)
    return _render(request, held, form, reading, tables, status=200 if form.is_valid() or not form.is_bound else 422)


@require_POST
@login_required
def confirm(request: HttpRequest, pk) -> HttpResponse:
    """确认导入: every table of the file stored at once, the mapping remembered."""
    _fillable(request)
    held = _held(request, pk)
    if held is None:
        return _gone(request)
    form, reading, tables = _read(request, held)
    if not form.is_valid():
        return _render(request, held, form, reading, tables, status=422)
    try:
        stored = preview.store(held, reading, tables, request.user)
    except ExchangeError as exc:
        return _render(request, held, form, reading, tables, errors=[str(exc)], status=422)
    _say_stored(request, stored, None)
    return redirect("table-detail", pk=stored[0].pk)


@require_POST
@login_required
def cancel(request: HttpRequest, pk) -> HttpResponse:
    _fillable(request)
    held = _held(request, pk)
    if held is not None:
        held.delete()
    messages.info(request, "已取消导入，什么都没有保存。")
    return redirect("import-upload")


def _say_stored(request: HttpRequest, stored, reading: preview.Reading | None) -> None:
    titles = "、".join(f"《{table.title}》" for table in stored)
    text = f"已导入 {len(stored)} 张表：{titles}。"
    if reading is not None and reading.remembered is not None:
        remembered = reading.remembered
        who = remembered.confirmed_by.get_username() if remembered.confirmed_by else "（已删除的用户）"
        when = timezone.localtime(remembered.confirmed_at).strftime("%Y-%m-%d %H:%M")
        layout = preview.layout_name(reading.layout)
        text += f"各列按记住的对应（{who} 于 {when} 为“{layout}”确认）直接导入，未再预览。"
    messages.success(request, text)
