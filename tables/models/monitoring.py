"""In-year monitoring (绩效运行监控): a round the bureau opens, a form per approved table, its rows.

A `MonitoringRound` is one year and one period (1–N月) under one scope: 部门自行监控 (every approved
table) or 财政重点监控 (the tables the bureau chose). Opening it (`tables/monitoring/rounds.py`) gives
each table a `MonitoringForm` holding a read-only copy of its targets, as approved in the version in
force (a 年中调整 included), as `MonitoringRow`s; the unit enters the money executed and each row's
completion. The lights are the rules of `tables/monitoring/lights.py`, with the round's thresholds.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from indicators import record
from indicators.fields import NameField
from indicators.models import ACCUMULATION_CHOICES, DIRECTION_CHOICES, VALUE_TYPE_CHOICES
from tables.fields import AmountField
from tables.models.organisations import Membership, Organisation
from tables.models.review import Snapshot
from tables.models.tables import TargetTable
from tables.monitoring import lights

__all__ = ["MonitoringForm", "MonitoringFormQuerySet", "MonitoringRound", "MonitoringRow"]

DEFAULT_REASONS = ["经费保障", "制度保障", "人员保障", "硬件条件保障", "其他"]
LIGHT_CHOICES = lights.LIGHT_CHOICES


def default_thresholds() -> dict:
    return lights.DEFAULT.as_json()


def default_reasons() -> list[str]:
    return list(DEFAULT_REASONS)


class MonitoringRound(models.Model):
    """A monitoring round: a year, the months it covers (1–N月), its scope, deadline and light rules."""

    class Scope(models.TextChoices):
        SELF = "self", "部门自行监控"
        KEY = "key", "财政重点监控"

    year = models.PositiveSmallIntegerField("预算年度")
    month = models.PositiveSmallIntegerField(
        "监控截至月份", validators=[MinValueValidator(1), MaxValueValidator(12)], help_text="监控期间为 1–N 月"
    )
    scope = models.CharField("监控方式", max_length=10, choices=Scope.choices, default=Scope.SELF)
    deadline = models.DateField("填报截止日期", null=True, blank=True)
    reminder_days = models.PositiveSmallIntegerField("截止前提醒天数", default=5)
    thresholds = models.JSONField("亮灯规则", default=default_thresholds, blank=True)
    reasons = models.JSONField("偏差原因选项", default=default_reasons, blank=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="开启人", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    opened_at = models.DateTimeField("开启时间", auto_now_add=True)

    class Meta:
        verbose_name = "运行监控批次"
        verbose_name_plural = "运行监控批次"
        ordering = ["-year", "-month", "scope"]
        constraints = [
            models.UniqueConstraint(fields=["year", "month", "scope"], name="tables_monitoring_round_unique"),
            models.CheckConstraint(condition=Q(month__gte=1, month__lte=12), name="tables_monitoring_round_month"),
        ]

    def __str__(self) -> str:
        return f"{self.year}年{self.period_label}绩效运行监控（{self.get_scope_display()}）"

    @property
    def period_label(self) -> str:
        return "1月" if self.month == 1 else f"1–{self.month}月"

    def rules(self) -> lights.Thresholds:
        """The round's thresholds as the light rules read them (a bad stored value raises ValueError)."""
        return lights.Thresholds.from_json(self.thresholds)


class MonitoringFormQuerySet(models.QuerySet):
    def visible_to(self, user) -> MonitoringFormQuerySet:
        """The forms `user` may see: those of the organisations they see (the rule of `Reach`)."""
        return self.filter(Membership.objects.scope(user).filter())


# The money lines of the form: (资金来源 key, label) × (measure key, label), fields `<measure>_<source>`.
FUND_SOURCES = (
    ("total", "年度资金总额"),
    ("fiscal", "其中：财政拨款"),
    ("carryover", "上年结转"),
    ("other", "其他资金"),
)
MONEY_MEASURES = (
    ("initial", "年初预算数"),
    ("budget", "全年预算数"),
    ("executed", "执行数"),
    ("projected", "全年预计执行数"),
)


class MonitoringForm(models.Model):
    """项目支出（部门整体）绩效目标执行监控表: one approved table followed through one round."""

    Status = TargetTable.Status

    round = models.ForeignKey(MonitoringRound, verbose_name="监控批次", on_delete=models.CASCADE, related_name="forms")
    table = models.ForeignKey(
        TargetTable, verbose_name="绩效目标表", on_delete=models.PROTECT, related_name="monitoring_forms"
    )
    organisation = models.ForeignKey(
        Organisation, verbose_name="部门（单位）", on_delete=models.PROTECT, related_name="monitoring_forms"
    )
    snapshot = models.ForeignKey(
        Snapshot,
        verbose_name="所据批复版本",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="复制目标时现行的批复快照；空表示按表中已批复内容复制",
    )
    revision = models.PositiveIntegerField("批复版次", default=1, help_text="1 为年初批复，2 起为年中调整")
    title = NameField("标题", max_length=300)
    status = models.CharField("状态", max_length=20, choices=TargetTable.Status.choices, default=Status.DRAFT)
    version = models.PositiveIntegerField("版本", default=1)

    initial_total = AmountField("年初预算数·年度资金总额（万元）")
    initial_fiscal = AmountField("年初预算数·财政拨款（万元）")
    initial_carryover = AmountField("年初预算数·上年结转（万元）")
    initial_other = AmountField("年初预算数·其他资金（万元）")
    budget_total = AmountField("全年预算数·年度资金总额（万元）")
    budget_fiscal = AmountField("全年预算数·财政拨款（万元）")
    budget_carryover = AmountField("全年预算数·上年结转（万元）")
    budget_other = AmountField("全年预算数·其他资金（万元）")
    executed_total = AmountField("执行数·年度资金总额（万元）")
    executed_fiscal = AmountField("执行数·财政拨款（万元）")
    executed_carryover = AmountField("执行数·上年结转（万元）")
    executed_other = AmountField("执行数·其他资金（万元）")
    projected_total = AmountField("全年预计执行数·年度资金总额（万元）")
    projected_fiscal = AmountField("全年预计执行数·财政拨款（万元）")
    projected_carryover = AmountField("全年预计执行数·上年结转（万元）")
    projected_other = AmountField("全年预计执行数·其他资金（万元）")

    money_reasons = models.JSONField("资金执行偏差原因", default=list, blank=True)
    money_explanation = models.TextField("资金执行原因说明及纠偏措施", blank=True, default="")

    goal = models.TextField("全年预期目标", blank=True, default="")
    goal_progress = models.TextField("目标执行情况", blank=True, default="")
    summary = models.TextField("总体执行情况", blank=True, default="")
    problems = models.TextField("存在问题", blank=True, default="")
    measures = models.TextField("整改措施", blank=True, default="")

    money_light = models.CharField("资金执行灯", max_length=10, blank=True, default="", choices=LIGHT_CHOICES)
    light = models.CharField("整表灯", max_length=10, blank=True, default="", choices=LIGHT_CHOICES)

    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="更新人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = MonitoringFormQuerySet.as_manager()

    class Meta:
        verbose_name = "绩效目标执行监控表"
        verbose_name_plural = "绩效目标执行监控表"
        ordering = ["round", "organisation__code", "table__kind", "table__position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["round", "table"], name="tables_monitoring_form_one_per_table"),
        ]
        indexes = [
            models.Index(fields=["round", "organisation"], name="tables_monitoring_form_org"),
            models.Index(fields=["round", "status", "light"], name="tables_monitoring_form_status"),
        ]

    def __str__(self) -> str:
        return f"{self.round.period_label} {self.title}"

    def money(self) -> list[dict]:
        """The money block as printed: a line per 资金来源 with its four measures and its 执行率 (%)."""
        lines = []
        for source, label in FUND_SOURCES:
            amounts = {measure: getattr(self, f"{measure}_{source}") for measure, _ in MONEY_MEASURES}
            rate = lights.execution_rate(amounts["executed"], amounts["budget"])
            lines.append({"source": source, "label": label, **amounts, "rate": rate})
        return lines

    def money_verdict(self, rules: lights.Thresholds | None = None) -> lights.Verdict:
        """The money's light: 年度资金总额's execution against the round's rule."""
        rules = rules or self.round.rules()
        return lights.money_light(self.executed_total, self.budget_total, self.round.month, rules)

    def missing_money_explanations(self, light: str | None) -> list[str]:
        """What a red or yellow money light still lacks: a reason and a measure (`required_explanations`)."""
        given = lights.Explanations(reasons=tuple(self.money_reasons or ()), explanation=self.money_explanation)
        return lights.required_explanations(light, given, place="资金执行", subject="资金执行", disposal=False)


class MonitoringRow(models.Model):
    """One indicator of a monitoring form: the approved target (copied, read-only) and its completion."""

    class Likelihood(models.TextChoices):
        CERTAIN = "确定能", "确定能"
        POSSIBLE = "有可能", "有可能"
        IMPOSSIBLE = "完全不可能", "完全不可能"

    class Disposal(models.TextChoices):
        CONTINUE = "继续执行", "继续执行"
        REALLOCATE = "调剂", "调剂"
        CANCEL = "取消", "取消"

    class Result(models.TextChoices):
        ACHIEVED = lights.ACHIEVED, lights.ACHIEVED
        PARTLY = lights.PARTLY, lights.PARTLY
        NOT_ACHIEVED = lights.NOT_ACHIEVED, lights.NOT_ACHIEVED

    form = models.ForeignKey(MonitoringForm, verbose_name="监控表", on_delete=models.CASCADE, related_name="rows")
    position = models.PositiveIntegerField("顺序")
    indicator = models.ForeignKey(
        "indicators.Indicator",
        verbose_name="来源指标",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # The target as approved, copied when the round opened: never edited here.
    level1 = models.CharField("一级指标", max_length=100, blank=True, default="")
    level2 = models.CharField("二级指标", max_length=100, blank=True, default="")
    level3 = models.CharField("三级指标", max_length=300)
    value = models.CharField("年度指标值", max_length=300, blank=True, default="")
    comparator = models.CharField("计算符号", max_length=10, blank=True, default="")
    number = models.DecimalField(
        "指标值（数值）",
        max_digits=record.NUMBER_MAX_DIGITS,
        decimal_places=record.NUMBER_DECIMAL_PLACES,
        null=True,
        blank=True,
    )
    unit = models.CharField("计量单位", max_length=40, blank=True, default="")
    direction = models.CharField("指标方向", max_length=10, blank=True, default="", choices=DIRECTION_CHOICES)
    value_type = models.CharField("指标值类型", max_length=10, blank=True, default="", choices=VALUE_TYPE_CHOICES)
    accumulation = models.CharField("累计方式", max_length=10, choices=ACCUMULATION_CHOICES)

    # What the unit enters.
    actual = models.DecimalField(
        "实际完成值",
        max_digits=record.NUMBER_MAX_DIGITS,
        decimal_places=record.NUMBER_DECIMAL_PLACES,
        null=True,
        blank=True,
    )
    actual_result = models.CharField(
        "实际完成情况（定性）", max_length=10, blank=True, default="", choices=Result.choices
    )
    projected = models.DecimalField(
        "全年预计完成值",
        max_digits=record.NUMBER_MAX_DIGITS,
        decimal_places=record.NUMBER_DECIMAL_PLACES,
        null=True,
        blank=True,
    )
    projected_result = models.CharField(
        "全年预计完成情况（定性）", max_length=10, blank=True, default="", choices=Result.choices
    )
    reasons = models.JSONField("偏差原因", default=list, blank=True)
    likelihood = models.CharField("完成目标可能性", max_length=10, blank=True, default="", choices=Likelihood.choices)
    explanation = models.TextField("原因说明及纠偏措施", blank=True, default="")
    disposal = models.CharField("处置方式", max_length=10, blank=True, default="", choices=Disposal.choices)
    due = models.DateField("整改完成时限", null=True, blank=True)

    light = models.CharField("指标灯", max_length=10, blank=True, default="", choices=LIGHT_CHOICES)

    class Meta:
        verbose_name = "监控指标"
        verbose_name_plural = "监控指标"
        ordering = ["form", "position"]
        constraints = [
            models.UniqueConstraint(fields=["form", "position"], name="tables_monitoring_row_position_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.level3} {self.value}"

    @property
    def is_qualitative(self) -> bool:
        return lights.is_qualitative(self.value_type, self.comparator)

    def verdict(self, month: int, rules: lights.Thresholds) -> lights.Verdict:
        """This row's light for what is entered now."""
        return lights.indicator_light(
            comparator=self.comparator,
            number=self.number,
            direction=self.direction,
            value_type=self.value_type,
            accumulation=self.accumulation,
            actual=self.actual_result if self.is_qualitative else self.actual,
            month=month,
            t=rules,
        )

    def explanations(self) -> lights.Explanations:
        return lights.Explanations(
            reasons=tuple(self.reasons or ()), explanation=self.explanation, disposal=self.disposal, due=self.due
        )

    def missing_explanations(self, light: str | None) -> list[str]:
        """What a row with `light` still lacks (`lights.required_explanations`), naming the indicator."""
        return lights.required_explanations(light, self.explanations(), place=f"“{self.level3}”")
