"""Bulk exports run in the background (Django Tasks, database-backed worker)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone


class ExportJob(models.Model):
    """A bulk export of a round: a zip of PDFs and one workbook with a sheet per table."""

    class Status(models.TextChoices):
        QUEUED = "queued", "排队中"
        RUNNING = "running", "导出中"
        DONE = "done", "已完成"
        FAILED = "failed", "失败"
        EXPIRED = "expired", "已过期清理"

    id = models.UUIDField("编号", primary_key=True, default=uuid.uuid4, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="发起人", on_delete=models.CASCADE, related_name="export_jobs"
    )
    created_at = models.DateTimeField("发起时间", auto_now_add=True)
    updated_at = models.DateTimeField("最近进展", auto_now=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)
    round = models.ForeignKey(
        "tables.Round", verbose_name="填报批次", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    filters = models.JSONField("筛选条件", default=dict, blank=True)
    status = models.CharField("状态", max_length=20, choices=Status.choices, default=Status.QUEUED)
    total = models.PositiveIntegerField("表数", default=0)
    done = models.PositiveIntegerField("已完成", default=0)
    attempts = models.PositiveSmallIntegerField("尝试次数", default=0)
    error = models.TextField("错误信息", blank=True, default="")
    failures = models.JSONField("未导出的表", default=list, blank=True, help_text="[{table, reason}]，其余各表照常导出")
    file = models.CharField("文件", max_length=300, blank=True, default="")
    task_id = models.CharField("任务编号", max_length=64, blank=True, default="")

    class Meta:
        verbose_name = "批量导出"
        verbose_name_plural = "批量导出"
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "updated_at"], name="tables_exportjob_status"),
            models.Index(fields=["created_by", "status"], name="tables_exportjob_user_status"),
        ]

    def __str__(self) -> str:
        return f"{timezone.localtime(self.created_at):%Y-%m-%d %H:%M} {self.get_status_display()}"

    @property
    def round_label(self) -> str:
        """The round exported, as the job page and the zip's name say it."""
        return self.round.title if self.round else "绩效目标表（全部批次）"

    @property
    def states_label(self) -> str:
        """The states exported ("已批复、已提交"), as the job page and the zip's name say them."""
        from tables.models.tables import TargetTable

        labels = dict(TargetTable.Status.choices)
        return "、".join(str(labels[s]) for s in self.filters.get("statuses", []) if s in labels)

    def file_name(self) -> str:
        """ "2026年预算-已批复、已提交-批量导出-20261207-2205.zip": the round, the states, and when the
        export was started in local time (TIME_ZONE), as the pages show it."""
        scope = "-".join(part for part in (self.round_label, self.states_label) if part)
        return f"{scope}-批量导出-{timezone.localtime(self.created_at):%Y%m%d-%H%M}.zip"

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        return int(self.done * 100 / self.total) if self.total else 0

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED, self.Status.EXPIRED)
