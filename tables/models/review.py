"""The review workflow's records: snapshots, decisions, comments, the audit log and notifications.

Re-exported by `tables.models`, so these are models of the `tables` app. The transitions that write them live in
`tables.review.workflow`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from tables.fields import AmountField

__all__ = [
    "AdjustmentRequest",
    "AuditEntry",
    "Comment",
    "ImmutableRecordError",
    "Notification",
    "ReviewDecision",
    "ReviewDuty",
    "RoundOrganisation",
    "Snapshot",
    "Stage",
]


class ImmutableRecordError(RuntimeError):
    """Someone tried to change or delete a record that must stay as written."""


class Stage(models.TextChoices):
    """The review levels (审核级次) a submission passes, in order."""

    DEPARTMENT = "department", "主管部门审核"
    FINANCE = "finance", "财政审核"


class ReviewDuty(models.Model):
    """Marks a reviewer membership as the 主管部门's own (初审).

    A reviewer membership without one reviews for the finance bureau (财政审核),
    which is the only level of a round configured with one level.
    """

    membership = models.OneToOneField(
        "tables.Membership", verbose_name="成员", on_delete=models.CASCADE, related_name="review_duty"
    )
    level = models.CharField("审核级次", max_length=20, choices=Stage.choices, default=Stage.DEPARTMENT)

    class Meta:
        verbose_name = "审核分工"
        verbose_name_plural = "审核分工"

    def __str__(self) -> str:
        return f"{self.membership} · {self.get_level_display()}"


class RoundOrganisation(models.Model):
    """An organisation expected to file in a round (填报范围), e.g. from the accounts import."""

    round = models.ForeignKey(
        "tables.Round", verbose_name="填报批次", on_delete=models.CASCADE, related_name="participants"
    )
    organisation = models.ForeignKey(
        "tables.Organisation", verbose_name="部门（单位）", on_delete=models.CASCADE, related_name="round_entries"
    )

    class Meta:
        verbose_name = "填报范围"
        verbose_name_plural = "填报范围"
        constraints = [
            models.UniqueConstraint(fields=["round", "organisation"], name="tables_roundorganisation_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.round} · {self.organisation}"


class SnapshotQuerySet(models.QuerySet):
    def update(self, **kwargs):
        if set(kwargs) & Snapshot.IMMUTABLE_FIELDS:
            raise ImmutableRecordError("提交快照的内容不可修改")
        return super().update(**kwargs)

    def delete(self):
        raise ImmutableRecordError("提交快照不可删除")


class Snapshot(models.Model):
    """One submission of a table, frozen in the exchange format (with row ids, for diffs and comments).

    Only the review bookkeeping (stage, outcome, opened/closed) changes after
    it is written; the content never does.
    """

    class Outcome(models.TextChoices):
        PENDING = "pending", "审核中"
        WITHDRAWN = "withdrawn", "已撤回"
        RETURNED = "returned", "已退回"
        APPROVED = "approved", "已批复"
        SUPERSEDED = "superseded", "已被新批复版本替代"

    IMMUTABLE_FIELDS = frozenset(
        {
            "table",
            "table_id",
            "number",
            "revision",
            "table_version",
            "data",
            "submitted_by",
            "submitted_by_id",
            "submitted_at",
            "warning_reason",
            "warnings",
        }
    )

    table = models.ForeignKey(
        "tables.TargetTable", verbose_name="绩效目标表", on_delete=models.PROTECT, related_name="snapshots"
    )
    number = models.PositiveIntegerField("提交序号")
    revision = models.PositiveIntegerField("版次", default=1, help_text="1 为年初批复，2 起为年中调整")
    table_version = models.PositiveIntegerField("表版本号", help_text="提交时绩效目标表的修改计数")
    data = models.JSONField("表内容（交换格式）")
    stage = models.CharField("审核环节", max_length=20, choices=Stage.choices, default=Stage.FINANCE)
    outcome = models.CharField("结果", max_length=20, choices=Outcome.choices, default=Outcome.PENDING)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="提交人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    submitted_at = models.DateTimeField("提交时间", default=timezone.now)
    warning_reason = models.TextField("警告说明", blank=True, default="")
    warnings = models.JSONField("提交时的警告", default=list, blank=True)
    opened_at = models.DateTimeField("审核人打开时间", null=True, blank=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="打开人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # The level whose reviewer opened it: a 主管部门's opening locks the filler out of withdrawing, but
    # once the table is forwarded the bureau has still to open it (its queue marks it 未开始审核).
    opened_stage = models.CharField("打开时的审核环节", max_length=20, choices=Stage.choices, blank=True, default="")
    closed_at = models.DateTimeField("办结时间", null=True, blank=True)

    objects = SnapshotQuerySet.as_manager()

    class Meta:
        verbose_name = "提交快照"
        verbose_name_plural = "提交快照"
        ordering = ["table", "number"]
        constraints = [
            models.UniqueConstraint(fields=["table", "number"], name="tables_snapshot_number_unique"),
            models.UniqueConstraint(
                fields=["table"], condition=Q(outcome="pending"), name="tables_snapshot_one_pending_per_table"
            ),
        ]
        indexes = [
            models.Index(fields=["table", "outcome"], name="tables_snapshot_table_outcome"),
            # The queue's tables waiting at one review level: the submissions under review at a stage,
            # read from this index alone (issue 15: 7,500 of them at a province).
            models.Index(
                fields=["stage", "table"], condition=Q(outcome="pending"), name="tables_snapshot_pending_stage"
            ),
        ]

    def __str__(self) -> str:
        return f"第 {self.number} 次提交（第 {self.revision} 版）"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            fields = kwargs.get("update_fields")
            if fields is None or set(fields) & self.IMMUTABLE_FIELDS:
                raise ImmutableRecordError("提交快照的内容不可修改（只能用 update_fields 更新审核状态）")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableRecordError("提交快照不可删除")

    @property
    def opened_at_this_stage(self) -> bool:
        """A reviewer of the level the submission is at has opened it (the 主管部门's opening does not
        count for the bureau)."""
        return self.opened_at is not None and self.opened_stage == self.stage

    @property
    def is_approved_version(self) -> bool:
        return self.outcome in (self.Outcome.APPROVED, self.Outcome.SUPERSEDED)

    def exchange_data(self) -> dict:
        """The snapshot as a plain `target-table/1` document (row ids removed)."""
        data = {key: value for key, value in self.data.items()}
        data["tasks"] = [{k: v for k, v in row.items() if k != "id"} for row in self.data.get("tasks", [])]
        data["indicators"] = [{k: v for k, v in row.items() if k != "id"} for row in self.data.get("indicators", [])]
        return data


class ReviewDecision(models.Model):
    """A reviewer's decision on one submission at one level: forward, return or approve."""

    class Action(models.TextChoices):
        FORWARD = "forward", "审核通过并转报"
        RETURN = "return", "退回"
        APPROVE = "approve", "批复"

    class Grade(models.TextChoices):
        EXCELLENT = "优", "优"
        GOOD = "良", "良"
        FAIR = "中", "中"
        POOR = "差", "差"

    # The 四性审核 checklist: (field stem, label).
    CHECKLIST = (
        ("completeness", "完整性"),
        ("relevance", "相关性"),
        ("appropriateness", "适当性"),
        ("feasibility", "可行性"),
    )

    table = models.ForeignKey(
        "tables.TargetTable", verbose_name="绩效目标表", on_delete=models.PROTECT, related_name="decisions"
    )
    snapshot = models.ForeignKey(Snapshot, verbose_name="提交快照", on_delete=models.PROTECT, related_name="decisions")
    stage = models.CharField("审核环节", max_length=20, choices=Stage.choices)
    action = models.CharField("审核结果", max_length=20, choices=Action.choices)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="审核人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField("审核时间", default=timezone.now)
    opinion = models.TextField("审核意见", blank=True, default="", help_text="退回时为退回原因")

    completeness_passed = models.BooleanField("完整性", null=True, blank=True)
    completeness_remark = models.CharField("完整性说明", max_length=500, blank=True, default="")
    relevance_passed = models.BooleanField("相关性", null=True, blank=True)
    relevance_remark = models.CharField("相关性说明", max_length=500, blank=True, default="")
    appropriateness_passed = models.BooleanField("适当性", null=True, blank=True)
    appropriateness_remark = models.CharField("适当性说明", max_length=500, blank=True, default="")
    feasibility_passed = models.BooleanField("可行性", null=True, blank=True)
    feasibility_remark = models.CharField("可行性说明", max_length=500, blank=True, default="")
    grade = models.CharField("评级", max_length=2, choices=Grade.choices, blank=True, default="")

    published = models.BooleanField("公开", null=True, blank=True)
    unpublished_reason = models.TextField("不公开原因", blank=True, default="")

    class Meta:
        verbose_name = "审核记录"
        verbose_name_plural = "审核记录"
        ordering = ["decided_at", "id"]
        constraints = [
            # A second decision on the same submission and level is a lost race, whatever the code above does.
            models.UniqueConstraint(fields=["snapshot", "stage"], name="tables_decision_one_per_snapshot_stage"),
            models.CheckConstraint(
                condition=~Q(action="return") | ~Q(opinion=""), name="tables_decision_return_has_reason"
            ),
            models.CheckConstraint(
                condition=~Q(action="approve") | Q(published=True) | (Q(published=False) & ~Q(unpublished_reason="")),
                name="tables_decision_approval_published_or_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_stage_display()} · {self.get_action_display()}"

    def checklist(self) -> list[dict]:
        """[{"name": "完整性", "passed": bool | None, "note": str}, …] (the shape the PDF prints)."""
        return [
            {"name": label, "passed": getattr(self, f"{stem}_passed"), "note": getattr(self, f"{stem}_remark")}
            for stem, label in self.CHECKLIST
        ]


class Comment(models.Model):
    """A review comment (批注) on the whole table, a header field, a task row or an indicator row.

    Row comments keep the row's id and a copy of the row as it was, so they
    survive edits and show as outdated when the row changed.
    """

    class Anchor(models.TextChoices):
        TABLE = "table", "整表"
        FIELD = "field", "表头字段"
        TASK = "task", "年度主要任务"
        INDICATOR = "indicator", "绩效指标"

    table = models.ForeignKey(
        "tables.TargetTable", verbose_name="绩效目标表", on_delete=models.CASCADE, related_name="comments"
    )
    snapshot = models.ForeignKey(
        Snapshot, verbose_name="提交快照", null=True, blank=True, on_delete=models.SET_NULL, related_name="comments"
    )
    parent = models.ForeignKey(
        "self", verbose_name="回复对象", null=True, blank=True, on_delete=models.CASCADE, related_name="replies"
    )
    anchor_kind = models.CharField("批注位置", max_length=20, choices=Anchor.choices, default=Anchor.TABLE)
    anchor_field = models.CharField("字段", max_length=40, blank=True, default="")
    row_id = models.PositiveBigIntegerField("行ID", null=True, blank=True)
    row_text = models.TextField("批注时的内容", blank=True, default="")
    row_label = models.CharField("批注时的位置", max_length=300, blank=True, default="")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="作者",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    body = models.TextField("内容")
    created_at = models.DateTimeField("时间", default=timezone.now)
    resolved = models.BooleanField("已解决", default=False)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="解决人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    resolved_at = models.DateTimeField("解决时间", null=True, blank=True)

    class Meta:
        verbose_name = "批注"
        verbose_name_plural = "批注"
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(anchor_kind__in=["task", "indicator"]) | Q(row_id__isnull=False),
                name="tables_comment_row_anchor_has_row",
            ),
            models.CheckConstraint(
                condition=~Q(anchor_kind="field") | ~Q(anchor_field=""), name="tables_comment_field_anchor_has_field"
            ),
        ]
        indexes = [models.Index(fields=["table", "created_at"], name="tables_comment_table_time")]

    def __str__(self) -> str:
        return self.body[:40]

    @property
    def anchor_key(self) -> str:
        """`table`, `field:goal`, `task:12`, `indicator:34` (row ids, not positions)."""
        if self.anchor_kind == self.Anchor.TABLE:
            return "table"
        if self.anchor_kind == self.Anchor.FIELD:
            return f"field:{self.anchor_field}"
        return f"{self.anchor_kind}:{self.row_id}"


class AuditQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise ImmutableRecordError("审计日志不可修改")

    def delete(self):
        raise ImmutableRecordError("审计日志不可删除")


class AuditEntry(models.Model):
    """Who did what to a table, when, and what changed (old → new). Written once, never edited."""

    class Action(models.TextChoices):
        SUBMIT = "submit", "提交"
        WITHDRAW = "withdraw", "撤回"
        OPEN = "open", "开始审核"
        FORWARD = "forward", "审核通过并转报"
        RETURN = "return", "退回"
        APPROVE = "approve", "批复"
        REOPEN = "reopen", "撤销批复"
        CHANGE = "change", "修改"
        ADJUSTMENT_REQUEST = "adjust_request", "申请年中调整"
        ADJUSTMENT_DECISION = "adjust_decision", "审核调整申请"

    table = models.ForeignKey(
        "tables.TargetTable", verbose_name="绩效目标表", on_delete=models.PROTECT, related_name="audit_entries"
    )
    version = models.PositiveIntegerField("表版本号")
    at = models.DateTimeField("时间", default=timezone.now)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    action = models.CharField("操作", max_length=20, choices=Action.choices)
    what = models.CharField("内容", max_length=300, blank=True, default="")
    old = models.TextField("原值", blank=True, default="")
    new = models.TextField("新值", blank=True, default="")
    note = models.TextField("说明", blank=True, default="")

    objects = AuditQuerySet.as_manager()

    class Meta:
        verbose_name = "审计日志"
        verbose_name_plural = "审计日志"
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["table", "at"], name="tables_audit_table_time")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.get_action_display()} {self.what}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ImmutableRecordError("审计日志不可修改")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableRecordError("审计日志不可删除")


class Notification(models.Model):
    """An in-app message (also sent by e-mail when the user has an address)."""

    class Kind(models.TextChoices):
        SUBMITTED = "submitted", "已提交"
        WITHDRAWN = "withdrawn", "已撤回"
        FORWARDED = "forwarded", "已转报"
        RETURNED = "returned", "已退回"
        APPROVED = "approved", "已批复"
        REOPENED = "reopened", "已撤销批复"
        ADJUSTMENT = "adjustment", "年中调整申请"
        REMINDER = "reminder", "催报提醒"
        EXPORTED = "exported", "批量导出"
        LIBRARY = "library", "纳入指标库"

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="接收人", on_delete=models.CASCADE, related_name="notifications"
    )
    table = models.ForeignKey(
        "tables.TargetTable",
        verbose_name="绩效目标表",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    kind = models.CharField("类型", max_length=20, choices=Kind.choices)
    message = models.CharField("内容", max_length=500)
    url = models.CharField("链接", max_length=500, blank=True, default="")
    created_at = models.DateTimeField("时间", default=timezone.now)
    read_at = models.DateTimeField("已读时间", null=True, blank=True)

    class Meta:
        verbose_name = "通知"
        verbose_name_plural = "通知"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="tables_notification_unread"),
            # A person's list, newest first, a page at a time.
            models.Index(fields=["recipient", "-created_at", "-id"], name="tables_notification_list"),
        ]

    def __str__(self) -> str:
        return self.message


class AdjustmentRequest(models.Model):
    """A filler's request for a 年中调整 of an approved table, with its reason and the changed budget.

    It passes the table's review levels (`tables.review.workflow.stages_for`): the 主管部门 agrees
    (`stage` moves on) or refuses; the bureau grants it, which reopens the table as a new version
    through `workflow.reopen`, or refuses it and the table stays approved. Written by
    `tables.review.adjustments`; the decision is kept here and in the audit log.
    """

    class Outcome(models.TextChoices):
        PENDING = "pending", "审核中"
        GRANTED = "granted", "已同意"
        REFUSED = "refused", "未同意"

    table = models.ForeignKey(
        "tables.TargetTable",
        verbose_name="绩效目标表",
        on_delete=models.PROTECT,
        related_name="adjustment_requests",
    )
    revision = models.PositiveIntegerField("申请时的批复版次")
    reason = models.TextField("调整理由")
    budget = AmountField("调整后的预算总额（万元）")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="申请人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    requested_at = models.DateTimeField("申请时间", default=timezone.now)
    stage = models.CharField("审核环节", max_length=20, choices=Stage.choices, default=Stage.FINANCE)
    outcome = models.CharField("结果", max_length=20, choices=Outcome.choices, default=Outcome.PENDING)
    department_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="主管部门审核人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    department_at = models.DateTimeField("主管部门审核时间", null=True, blank=True)
    department_note = models.TextField("主管部门意见", blank=True, default="")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="决定人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField("决定时间", null=True, blank=True)
    decision_note = models.TextField("决定意见", blank=True, default="")

    class Meta:
        verbose_name = "年中调整申请"
        verbose_name_plural = "年中调整申请"
        ordering = ["requested_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["table"], condition=Q(outcome="pending"), name="tables_adjustment_one_pending_per_table"
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="tables_adjustment_has_reason"),
            models.CheckConstraint(
                condition=~Q(outcome="refused") | ~Q(decision_note=""), name="tables_adjustment_refusal_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.table_id} 年中调整申请（{self.get_outcome_display()}）"

    def decisions(self) -> list[str]:
        """Each level's decision so far, in words: `主管部门审核（李四，2026-03-01）：同意。意见`."""

        def who(user, at) -> str:
            name = (user.get_full_name() or user.username) if user else "—"
            return f"{name}，{timezone.localtime(at):%Y-%m-%d}" if at else name

        def line(label: str, user, at, agreed: bool, note: str, granted: str = "") -> str:
            said = ("同意" + granted) if agreed else "不同意，保持已批复"
            return f"{label}（{who(user, at)}）：{said}" + (f"。{note}" if note else "")

        refused = self.outcome == self.Outcome.REFUSED
        lines = []
        if self.department_at:
            agreed = not (refused and self.stage == Stage.DEPARTMENT)
            lines.append(
                line(Stage.DEPARTMENT.label, self.department_by, self.department_at, agreed, self.department_note)
            )
        if self.decided_at and self.stage == Stage.FINANCE:
            lines.append(
                line(
                    Stage.FINANCE.label,
                    self.decided_by,
                    self.decided_at,
                    not refused,
                    self.decision_note,
                    "，已开启新版本",
                )
            )
        return lines
