"""Pages for bulk export: start a job, watch its progress, download the zip."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from tables.access import export_job_for_user
from tables.exports.downloads import safe_filename
from tables.exports.jobs import STALE_AFTER, TooManyJobs, job_file, start_job, tables_for_job, waiting_for_worker
from tables.models import ExportJob, Organisation, Round, TargetTable
from tables.params import positive_int


@require_http_methods(["GET", "POST"])
@login_required
def export_start(request: HttpRequest) -> HttpResponse:
    visible = TargetTable.objects.visible_to(request.user)
    rounds = Round.objects.filter(pk__in=visible.values("round")).order_by("-year", "title")
    organisations = Organisation.objects.filter(pk__in=visible.values("organisation"), parent__isnull=True)
    error = ""
    if request.method == "POST":
        round_id = positive_int(request.POST.get("round"))
        round_ = rounds.filter(pk=round_id).first() if round_id else None
        statuses = [s for s in request.POST.getlist("statuses") if s in TargetTable.Status.values]
        filters = {"statuses": statuses or [TargetTable.Status.APPROVED]}
        if request.POST.get("kind") in TargetTable.Kind.values:
            filters["kind"] = request.POST["kind"]
        org_id = positive_int(request.POST.get("organisation"))
        if org_id and organisations.filter(pk=org_id).exists():
            filters["organisation"] = org_id
        probe = ExportJob(created_by=request.user, round=round_, filters=filters)
        if not tables_for_job(probe).exists():
            error = "没有符合条件的表。默认只导出已批复的表，可在“状态”中选择其他状态。"
        else:
            try:
                job = start_job(request.user, round_=round_, filters=filters)
            except TooManyJobs as exc:
                error = str(exc)
            else:
                return redirect("export-job", pk=job.pk)
    jobs = ExportJob.objects.filter(created_by=request.user)[:10]
    context = {
        "rounds": rounds,
        "organisations": organisations,
        "statuses": TargetTable.Status.choices,
        "kinds": TargetTable.Kind.choices,
        "jobs": jobs,
        "error": error,
    }
    return render(request, "tables/export_start.html", context, status=422 if error else 200)


@require_GET
@login_required
def export_job(request: HttpRequest, pk) -> HttpResponse:
    job = export_job_for_user(request, pk)
    # A worker that died mid-export is noticed here but restarted by the worker side
    # (jobs.maintain): a GET never writes.
    stalled = job.status == ExportJob.Status.RUNNING and job.updated_at < timezone.now() - STALE_AFTER
    template = "tables/export_job.html#progress" if request.htmx else "tables/export_job.html"
    context = {
        "job": job,
        "waiting_for_worker": waiting_for_worker(job),
        "stalled": stalled,
        "retention_days": settings.EXPORT_RETENTION_DAYS,
    }
    if not request.htmx:  # what was exported: the round and states (the job), the kind and department chosen
        kind = job.filters.get("kind")
        context["kind_label"] = TargetTable.Kind(kind).label if kind in TargetTable.Kind.values else ""
        org_id = positive_int(str(job.filters.get("organisation") or ""))
        context["organisation"] = Organisation.objects.filter(pk=org_id).first() if org_id else None
    return render(request, template, context)


@require_GET
@login_required
def export_download(request: HttpRequest, pk) -> HttpResponse:
    job = export_job_for_user(request, pk)
    path = job_file(job)
    if path is None:
        raise Http404("导出文件尚未生成或已被清理")
    name = safe_filename(job.file_name())
    return FileResponse(path.open("rb"), as_attachment=True, filename=name, content_type="application/zip")
