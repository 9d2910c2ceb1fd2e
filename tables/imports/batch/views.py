"""Pages for a batch import: upload several files or a zip, watch the files import, read what became of each."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from tables import permissions
from tables.access import import_batch_for_user, require
from tables.imports.batch.jobs import STALE_AFTER, BatchRefused, start_batch, waiting_for_worker
from tables.models import ImportBatch, ImportBatchFile

ACCEPT = ".zip,.xlsx,.xlsm,.json,.txt,.docx,.pdf"


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field (Django's documented pattern): the cleaned value is a list."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ACCEPT}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data]
        return [single(data, initial)]


class BatchUploadForm(forms.Form):
    files = MultipleFileField(
        label="文件（可多选，或一个 zip 压缩包）",
        help_text="支持 .xlsx、.json、.txt、.docx、.pdf，以及把这些文件打包的 .zip。",
    )


@require_http_methods(["GET", "POST"])
@login_required
def import_batch_start(request: HttpRequest) -> HttpResponse:
    require(permissions.can_import_batch(request.user))
    form = BatchUploadForm()
    error = ""
    if request.method == "POST":
        form = BatchUploadForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                batch = start_batch(request.user, form.cleaned_data["files"])
            except BatchRefused as exc:
                error = str(exc)
            else:
                return redirect("import-batch", pk=batch.pk)
    context = {
        "form": form,
        "error": error,
        "batches": ImportBatch.objects.filter(created_by=request.user)[:10],
        "max_files": settings.IMPORT_BATCH_MAX_FILES,
        "max_mb": settings.IMPORT_BATCH_MAX_BYTES // 1024 // 1024,
        "file_mb": settings.IMPORT_MAX_BYTES // 1024 // 1024,
    }
    status = 422 if error or form.errors else 200
    return render(request, "tables/import_batch_start.html", context, status=status)


@require_GET
@login_required
def import_batch(request: HttpRequest, pk) -> HttpResponse:
    batch = import_batch_for_user(request, pk)
    files = list(batch.files.order_by("position"))
    counts = {outcome: 0 for outcome in ImportBatchFile.Outcome.values}
    for item in files:
        counts[item.outcome] += 1
    stalled = batch.status == ImportBatch.Status.RUNNING and batch.updated_at < timezone.now() - STALE_AFTER
    context = {
        "batch": batch,
        "files": files,
        "counts": counts,
        "stalled": stalled,
        "waiting_for_worker": waiting_for_worker(batch),
    }
    template = "tables/import_batch.html#progress" if request.htmx else "tables/import_batch.html"
    return render(request, template, context)
