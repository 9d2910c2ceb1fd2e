"""Target tables with their tasks, and the overall goals of a department."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, OuterRef, Q, Subquery
from django.urls import reverse

from indicators.fields import NameField
from tables.fields import AmountField
from tables.models.organisations import Layout, Membership, Organisation, Round, Scope
from tables.models.review import Snapshot


class TargetTableQuerySet(models.QuerySet):
    def visible_to(self, user, *, scope: Scope | None = None) -> TargetTableQuerySet:
        """The one gate: the tables `user` may see (filler, reviewer or admin).

        A caller that also filters other rows by what the user sees (the queue's departments) passes
        the `Membership.objects.scope(user)` it read, so it is read once.
        """
        return self.filter((scope or Membership.objects.scope(user)).filter())

    def in_round(self, round_: Round | int | None) -> TargetTableQuerySet:
        """The tables of one round (a Round or its id); None leaves the queryset as it is."""
        if round_ is None:
            return self
        return self.filter(round_id=getattr(round_, "pk", round_))

    def with_review_state(self) -> TargetTableQuerySet:
        """Each table with the `stage` and `opened_at` of the submission under review (None when there is
        none, or when it was not opened at the level it is at): two subqueries, no extra query. (The
        latest submission's time is the table's own `submitted_at`.)"""
        # order_by(): without it the subquery sorts by Snapshot's Meta.ordering, which joins the table
        # and its organisation again for every row (at 30,000 tables most of the queue's time).
        pending = Snapshot.objects.filter(table=OuterRef("pk"), outcome=Snapshot.Outcome.PENDING).order_by()
        return self.annotate(
            stage=Subquery(pending.values("stage")[:1]),
            # opened at the level it is at: after a forward, the bureau has not opened it yet
            opened_at=Subquery(pending.filter(opened_stage=F("stage")).values("opened_at")[:1]),
        )

    def approved_before(self, table: TargetTable) -> TargetTableQuerySet:
        """The organisation's approved tables of the same kind (and project) before `table`, newest first."""
        qs = self.filter(
            organisation_id=table.organisation_id,
            kind=table.kind,
            year__lt=table.year,
            status=TargetTable.Status.APPROVED,
        )
        return qs.filter(**table_identity(table.kind, table.project_code, table.project_name)).order_by("-year", "-pk")


def table_identity(kind: str, project_code: str | None = "", project_name: str | None = "") -> dict:
    """The fields, besides organisation and year, that tell a table apart (the constraints of
    `TargetTable.Meta`): a department table is the only one of its kind; a project table is found by its
    项目编码, or, when it has none (many provinces' forms print no code), by its 项目名称."""
    if kind != TargetTable.Kind.PROJECT:
        return {"kind": kind}
    if project_code:
        return {"kind": kind, "project_code": project_code}
    return {"kind": kind, "project_code": "", "project_name": project_name or ""}


class TargetTable(models.Model):
    """A 绩效目标表: the department-wide table or one project's table."""

    class Kind(models.TextChoices):
        DEPARTMENT = "department", "部门（单位）整体"
        PROJECT = "project", "项目支出"

    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"
        SUBMITTED = "submitted", "已提交"
        RETURNED = "returned", "已退回"
        APPROVED = "approved", "已批复"

    organisation = models.ForeignKey(
        Organisation, verbose_name="部门（单位）", on_delete=models.PROTECT, related_name="tables"
    )
    year = models.PositiveSmallIntegerField("预算年度")
    round = models.ForeignKey(
        Round, verbose_name="填报批次", null=True, blank=True, on_delete=models.PROTECT, related_name="tables"
    )
    layout = models.ForeignKey(Layout, verbose_name="表样", on_delete=models.PROTECT)
    kind = models.CharField("表类型", max_length=20, choices=Kind.choices)
    title = NameField("标题", max_length=300)
    mission = models.TextField("年度履职目标", null=True, blank=True)
    goal = models.TextField("年度总体目标", null=True, blank=True)

    budget_total = AmountField("预算总额（万元）")
    budget_fiscal = AmountField("财政拨款（万元）")
    budget_special_account = AmountField("财政专户管理资金（万元）")
    budget_unit_funds = AmountField("单位资金（万元）")
    budget_other = AmountField("其他资金（万元）")
    budget_basic = AmountField("基本支出（万元）")
    budget_project = AmountField("项目支出（万元）")
    # Lines other provinces' forms print (target-table/2), each only where a layout prints it.
    budget_long_term_total = AmountField("中期资金总额（万元）")
    budget_central = AmountField("中央补助资金（万元）")
    budget_local = AmountField("地方资金（万元）")
    budget_provincial = AmountField("省级资金（万元）")
    budget_city = AmountField("市级资金（万元）")
    budget_county = AmountField("区县级资金（万元）")
    budget_general_budget = AmountField("一般公共预算（万元）")
    budget_fund_budget = AmountField("政府性基金预算（万元）")
    budget_state_capital = AmountField("国有资本经营预算（万元）")
    budget_own_funds = AmountField("自有资金（万元）")

    plan_03 = AmountField("3月底累计支出（%）")
    plan_06 = AmountField("6月底累计支出（%）")
    plan_10 = AmountField("10月底累计支出（%）")
    plan_12 = AmountField("12月底累计支出（%）")

    project_code = NameField("项目编码", max_length=60, blank=True, default="")
    project_name = NameField("项目名称", max_length=300, blank=True, default="")
    project_purpose = models.TextField("资金用途", blank=True, default="")
    project_attribute = NameField("项目属性", max_length=60, blank=True, default="")
    project_category = NameField("项目类别", max_length=100, blank=True, default="")
    project_start = NameField("项目开始时间", max_length=40, blank=True, default="")
    project_end = NameField("项目结束时间", max_length=40, blank=True, default="")
    project_manager = NameField("项目负责人", max_length=60, blank=True, default="")
    project_phone = NameField("项目负责人电话", max_length=60, blank=True, default="")
    # 主管部门 as printed, where the table's organisation is the 实施单位 (the organisation tree may not hold it).
    department_code = NameField("主管部门编码", max_length=60, blank=True, default="")
    department_name = NameField("主管部门", max_length=200, blank=True, default="")
    long_term_goal = models.TextField("中期（长期）目标", null=True, blank=True)

    # The footer a form prints under the grid.
    filled_by = NameField("填表人", max_length=60, blank=True, default="")
    filler_phone = NameField("联系电话", max_length=60, blank=True, default="")
    filled_on = NameField("填报日期", max_length=40, blank=True, default="")
    responsible = NameField("单位负责人", max_length=60, blank=True, default="")
    # 审核意见 rows as printed on the form: [{"by": "主管部门", "text": "同意"}, …].
    opinions = models.JSONField("审核意见（表内）", default=list, blank=True)

    position = models.PositiveIntegerField("册内顺序", default=0)
    source = models.CharField("来源", max_length=200, blank=True, default="")
    status = models.CharField("状态", max_length=20, choices=Status.choices, default=Status.DRAFT)
    version = models.PositiveIntegerField("版本", default=1)
    # The latest submission's time, copied from its snapshot by `review.workflow.submit` (the one place
    # that writes submissions), so the queue orders and pages by an index, not by a subquery per table.
    submitted_at = models.DateTimeField("最近提交时间", null=True, blank=True, editable=False)

    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="创建人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="更新人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = TargetTableQuerySet.as_manager()

    BUDGET_KEYS = (
        "total", "fiscal", "special_account", "unit_funds", "other", "basic", "project",
        "long_term_total", "central", "local", "provincial", "city", "county",
        "general_budget", "fund_budget", "state_capital", "own_funds",
    )  # fmt: skip
    PLAN_MONTHS = ("03", "06", "10", "12")

    class Meta:
        verbose_name = "绩效目标表"
        verbose_name_plural = "绩效目标表"
        ordering = ["year", "organisation__code", "kind", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "year"],
                condition=Q(kind="department"),
                name="tables_one_department_table_per_org_year",
            ),
            models.UniqueConstraint(
                fields=["organisation", "year", "project_code"],
                condition=Q(kind="project") & ~Q(project_code=""),
                name="tables_one_project_table_per_org_year_code",
            ),
            # A project without 项目编码 is told apart by its name (tables/imports/exchange/identity.py).
            models.UniqueConstraint(
                fields=["organisation", "year", "project_name"],
                condition=Q(kind="project", project_code=""),
                name="tables_one_uncoded_project_per_org_year_name",
            ),
        ]
        indexes = [
            models.Index(fields=["year", "status"], name="tables_table_year_status"),
            # The dashboard's and the queue's counts of a round read these three columns only.
            models.Index(fields=["round", "status", "organisation"], name="tables_table_round_status_org"),
            # The queue's status filter across rounds, the counts per status of every list, and the ids
            # of a status's tables the queue matches with their submissions: this index alone answers them.
            models.Index(fields=["status", "organisation", "id"], name="tables_table_status_org_id"),
            # The queue's order (oldest submission first, never submitted last: PostgreSQL's ascending
            # B-tree puts NULLs last), alone and within a status or a round.
            models.Index(fields=["submitted_at", "id"], name="tables_table_submitted"),
            models.Index(fields=["status", "submitted_at", "id"], name="tables_table_status_submitted"),
            # The suggestion index's revision (tables/suggesting.py): count, ids and latest change of the
            # approved tables, read from this index alone on every suggestion.
            models.Index(fields=["status", "updated_at", "id"], name="tables_table_status_updated"),
            models.Index(fields=["round", "submitted_at", "id"], name="tables_table_round_submitted"),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.organisation.name} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("table-detail", args=[self.pk])

    def budget(self) -> dict[str, Decimal | None]:
        return {key: getattr(self, f"budget_{key}") for key in self.BUDGET_KEYS}

    def spending_plan(self) -> dict[str, Decimal | None]:
        return {month: getattr(self, f"plan_{month}") for month in self.PLAN_MONTHS}

    @property
    def is_editable(self) -> bool:
        return self.status in {self.Status.DRAFT, self.Status.RETURNED}


class Task(models.Model):
    """A 年度主要任务 row."""

    table = models.ForeignKey(TargetTable, verbose_name="绩效目标表", on_delete=models.CASCADE, related_name="tasks")
    position = models.PositiveIntegerField("顺序")
    name = NameField("任务名称", max_length=300)
    content = models.TextField("主要内容", blank=True, default="")
    total = AmountField("总额（万元）")
    fiscal = AmountField("财政拨款（万元）")
    other = AmountField("其他资金（万元）")

    class Meta:
        verbose_name = "年度主要任务"
        verbose_name_plural = "年度主要任务"
        ordering = ["table", "position"]
        constraints = [
            models.UniqueConstraint(fields=["table", "position"], name="tables_task_position_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class ScheduleItem(models.Model):
    """A 项目实施进度计划 row: what is done, from when to when (as printed)."""

    table = models.ForeignKey(TargetTable, verbose_name="绩效目标表", on_delete=models.CASCADE, related_name="schedule")
    position = models.PositiveIntegerField("顺序")
    content = models.TextField("实施内容")
    start = NameField("开始时间", max_length=40, blank=True, default="")
    end = NameField("完成时间", max_length=40, blank=True, default="")

    class Meta:
        verbose_name = "项目实施进度计划"
        verbose_name_plural = "项目实施进度计划"
        ordering = ["table", "position"]
        constraints = [
            models.UniqueConstraint(fields=["table", "position"], name="tables_schedule_position_unique"),
        ]

    def __str__(self) -> str:
        return self.content[:40]


class OverallGoal(models.Model):
    """Part 1 of a department's booklet: 部门整体绩效目标 in prose."""

    organisation = models.ForeignKey(
        Organisation, verbose_name="部门", on_delete=models.PROTECT, related_name="overall_goals"
    )
    year = models.PositiveSmallIntegerField("预算年度")
    goal = models.TextField("总体绩效目标", blank=True, default="")
    measures = models.TextField("工作保障措施", blank=True, default="")
    source = models.CharField("来源", max_length=200, blank=True, default="")

    class Meta:
        verbose_name = "部门整体绩效目标"
        verbose_name_plural = "部门整体绩效目标"
        constraints = [
            models.UniqueConstraint(fields=["organisation", "year"], name="tables_overall_goal_per_org_year"),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.organisation.name}"


class SubGoal(models.Model):
    """A 分项绩效目标 of the booklet's part 1."""

    overall = models.ForeignKey(OverallGoal, verbose_name="整体目标", on_delete=models.CASCADE, related_name="subgoals")
    position = models.PositiveIntegerField("顺序")
    title = NameField("标题", max_length=300)
    goal = models.TextField("绩效目标", blank=True, default="")
    indicators = models.TextField("绩效指标", blank=True, default="")

    class Meta:
        verbose_name = "分项绩效目标"
        verbose_name_plural = "分项绩效目标"
        ordering = ["overall", "position"]
        constraints = [
            models.UniqueConstraint(fields=["overall", "position"], name="tables_subgoal_position_unique"),
        ]

    def __str__(self) -> str:
        return self.title
