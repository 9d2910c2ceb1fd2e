"""What the import preview keeps: an uploaded file between its preview and the confirmation, and the
column mapping a person confirmed, remembered per organisation and layout (issue 14)."""

from __future__ import annotations

import hashlib
import uuid

from django.conf import settings
from django.db import models


class HeldUpload(models.Model):
    """A file (or pasted text) held on the server between its preview and 确认导入.

    Keyed to the user who uploaded it and the organisation it is imported for; the client only ever
    sends its id back. Deleted once imported or cancelled; one older than `HELD_HOURS` counts as
    expired and is deleted by the next upload.
    """

    HELD_HOURS = 24

    id = models.UUIDField("编号", primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="上传人", on_delete=models.CASCADE, related_name="held_uploads"
    )
    organisation = models.ForeignKey(
        "tables.Organisation", verbose_name="部门（单位）", on_delete=models.CASCADE, related_name="+"
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
