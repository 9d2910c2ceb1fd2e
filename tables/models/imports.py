"""Imports: an uploaded file held between its preview and the confirmation, the column mapping a person
confirmed (remembered per organisation and layout), and batch imports (many files uploaded at once,
imported one by one in the background by Django Tasks) — issue 14."""

from __future__ import annotations

import hashlib
import uuid

from django.conf import settings
from django.db import models


class HeldUpload(models.Model):
    """A file (or pasted text) held on the server between its preview and 确认导入.

    Keyed to the user who uploaded it and the organisation it is imported for (none for an edition of the
    indicator library, which a bureau admin imports for everyone: `tables/library/importing.py`); the
    client only ever sends its id back. Deleted once imported or cancelled; one older than `HELD_HOURS` counts as
    expired and is deleted by the next upload.
    """

    HELD_HOURS = 24

    id = models.UUIDField("编号", primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="上传人", on_delete=models.CASCADE, related_name="held_uploads"
    )
    organisation = models.ForeignKey(
        "tables.Organisation",
        verbose_name="部门（单位）",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text="留空：指标库工作簿",
    )
    name = models.CharField("文件名", max_length=255)
    data = models.BinaryField("内容")
    year = models.PositiveSmallIntegerField("预算年度", null=True, blank=True, help_text="留空：按文件中的年度")
    created_at = models.DateTimeField("上传时间", auto_now_add=True)

    class Meta:
        verbose_name = "待确认的导入文件"
        verbose_name_plural = "待确认的导入文件"
        indexes = [models.Index(fields=["created_at"], name="tables_heldupload_created")]

    def __str__(self) -> str:
        return self.name


class ImportMappingQuerySet(models.QuerySet):
    def remembered(self, organisation, layout_code: str | None, sources: list[str]) -> ImportMapping | None:
        """The mapping confirmed for this organisation, layout and set of source columns, if any."""
        signature = ImportMapping.signature_of(sources)
        return self.filter(organisation=organisation, layout_code=layout_code or "", signature=signature).first()


class ImportMapping(models.Model):
    """A column mapping a person confirmed: for this organisation and layout, a file whose source
    columns are exactly `sources` is read with `mapping` ({source key: choice}, as
    `tables.imports.recognise.columns` takes its overrides) without asking again."""

    organisation = models.ForeignKey(
        "tables.Organisation", verbose_name="部门（单位）", on_delete=models.CASCADE, related_name="import_mappings"
    )
    layout_code = models.CharField("表样", max_length=80, blank=True, help_text="空：没有相近的已有表样")
    signature = models.CharField("来源列的指纹", max_length=64, help_text="来源列集合的 SHA-256")
    sources = models.JSONField("来源列", default=list)
    mapping = models.JSONField("列对应", default=dict)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="确认人", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    confirmed_at = models.DateTimeField("确认时间", auto_now=True)

    objects = ImportMappingQuerySet.as_manager()

    class Meta:
        verbose_name = "记住的列对应"
        verbose_name_plural = "记住的列对应"
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "layout_code", "signature"], name="tables_importmapping_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.organisation} · {self.layout_code or '通用表样'} · {len(self.sources)} 列"

    @staticmethod
    def signature_of(sources: list[str]) -> str:
        """The same for the same set of source columns, whatever their order."""
        return hashlib.sha256("\n".join(sorted(sources)).encode()).hexdigest()


class ImportBatch(models.Model):
    """Files a person uploaded together (several files, or the members of a zip), imported by the worker."""

    class Status(models.TextChoices):
        QUEUED = "queued", "排队中"
        RUNNING = "running", "导入中"
        DONE = "done", "已完成"
        FAILED = "failed", "失败"

    id = models.UUIDField("编号", primary_key=True, default=uuid.uuid4, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="发起人", on_delete=models.CASCADE, related_name="import_batches"
    )
    created_at = models.DateTimeField("上传时间", auto_now_add=True)
    updated_at = models.DateTimeField("最近进展", auto_now=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)
    status = models.CharField("状态", max_length=20, choices=Status.choices, default=Status.QUEUED)
    total = models.PositiveIntegerField("文件数", default=0)
    done = models.PositiveIntegerField("已处理", default=0)
    attempts = models.PositiveSmallIntegerField("尝试次数", default=0)
    error = models.TextField("错误信息", blank=True, default="")
    task_id = models.CharField("任务编号", max_length=64, blank=True, default="")

    class Meta:
        verbose_name = "批量导入"
        verbose_name_plural = "批量导入"
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "updated_at"], name="tables_importbatch_status"),
            models.Index(fields=["created_by", "status"], name="tables_importbatch_user"),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.get_status_display()}"

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        return int(self.done * 100 / self.total) if self.total else 0

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)


class ImportBatchFile(models.Model):
    """One file of a batch and what became of it: imported (which tables), to be confirmed, or refused and why."""

    class Outcome(models.TextChoices):
        PENDING = "pending", "等待导入"
        IMPORTED = "imported", "已导入"
        NEEDS_CONFIRMATION = "confirm", "待确认"
        REFUSED = "refused", "未导入"

    batch = models.ForeignKey(ImportBatch, verbose_name="批量导入", on_delete=models.CASCADE, related_name="files")
    position = models.PositiveIntegerField("序号")
    name = models.CharField("文件名", max_length=500, help_text="上传时的文件名；压缩包中的文件带上压缩包内的路径")
    source = models.CharField(
        "存放位置", max_length=300, blank=True, default="", help_text="批次文件夹中的文件（批次结束后删除）"
    )
    member = models.CharField("压缩包成员", max_length=1000, blank=True, default="")
    outcome = models.CharField("结果", max_length=20, choices=Outcome.choices, default=Outcome.PENDING)
    message = models.TextField("说明", blank=True, default="")
    problems = models.JSONField("问题", default=list, blank=True)
    tables = models.JSONField("导入的表", default=list, blank=True, help_text="[{pk, title, organisation, created}]")
    held = models.ForeignKey(
        HeldUpload,
        verbose_name="待确认的导入文件",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="待确认的文件：留待预览并确认各列的上传（导入、取消或过期后为空）",
    )

    class Meta:
        verbose_name = "批量导入的文件"
        verbose_name_plural = "批量导入的文件"
        ordering = ["batch", "position"]
        constraints = [models.UniqueConstraint(fields=["batch", "position"], name="tables_importbatchfile_position")]

    def __str__(self) -> str:
        return f"{self.name}（{self.get_outcome_display()}）"
