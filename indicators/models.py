"""Indicator schemes (一级 → 二级 trees), indicator rows and the catalog."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from indicators import record
from indicators.fields import NameField

VALUE_TYPE_CHOICES = [(t, t) for t in record.VALUE_TYPES]
DIRECTION_CHOICES = [(d, d) for d in record.DIRECTIONS]
PERIOD_CHOICES = list(record.PERIODS.items())
ACCUMULATION_CHOICES = [(record.CUMULATIVE, "累计型（流量）"), (record.POINT, "时点型（存量、比率）")]


class Scheme(models.Model):
    """An indicator scheme: the 一级 → 二级 tree plus the check parameters that go with it.

    `params` holds what differs by scheme for the checks (e.g. which 一级
    categories are required, the satisfaction floor, the share of qualitative
    values that warns, the spending-plan floors).
    """

    code = models.SlugField("编码", max_length=40, unique=True)
    name = NameField("名称", max_length=100)
    params = models.JSONField("审核参数", default=dict, blank=True)
    # Replaced whenever one of its categories changes (signals below): the key of the
    # per-process cache of its tree, so every app server sees an edit at once. A fresh
    # random value, not a counter: a rolled-back edit's value never comes back.
    revision = models.UUIDField("类别版本", default=uuid.uuid4, editable=False)

    class Meta:
        verbose_name = "指标体系"
        verbose_name_plural = "指标体系"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    def tree(self) -> dict[str, list[str]]:
        """{一级: [二级, …]} in printed order.

        Every editor request and every check needs it, and it changes only when someone edits
        the categories, so each process keeps it by (scheme, revision): no query after the first.
        """
        key = (self.pk, self.revision)
        tree = _TREES.get(key)
        if tree is None:
            categories = list(Category.objects.filter(scheme_id=self.pk).order_by("position", "id"))
            names = {c.pk: c.name for c in categories if c.parent_id is None}
            tree = {name: [] for name in names.values()}
            for category in categories:
                if category.parent_id is not None:
                    tree[names[category.parent_id]].append(category.name)
            for old in [k for k in _TREES if k[0] == self.pk]:
                del _TREES[old]
            _TREES[key] = tree
        return {level1: list(level2) for level1, level2 in tree.items()}


_TREES: dict[tuple[int, uuid.UUID], dict[str, list[str]]] = {}


def forget_scheme_trees() -> None:
    """Empty this process's cache of scheme trees (tests start from a cold cache)."""
    _TREES.clear()


class Category(models.Model):
    """A 一级 (no parent) or 二级 (with a 一级 parent) indicator category."""

    scheme = models.ForeignKey(Scheme, verbose_name="指标体系", on_delete=models.CASCADE, related_name="categories")
    parent = models.ForeignKey(
        "self", verbose_name="一级指标", null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    name = NameField("名称", max_length=100)
    position = models.PositiveIntegerField("顺序", default=0)

    class Meta:
        verbose_name = "指标类别"
        verbose_name_plural = "指标类别"
        ordering = ["scheme", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "parent", "name"], name="indicators_category_unique_in_parent"),
            models.UniqueConstraint(
                fields=["scheme", "name"],
                condition=models.Q(parent__isnull=True),
                name="indicators_category_unique_level1",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.parent.name} / {self.name}" if self.parent_id else self.name

    @property
    def level(self) -> int:
        return 1 if self.parent_id is None else 2


class Indicator(models.Model):
    """A 三级指标 row of a table, in printed order."""

    table = models.ForeignKey(
        "tables.TargetTable", verbose_name="绩效目标表", on_delete=models.CASCADE, related_name="indicators"
    )
    task = models.ForeignKey(
        "tables.Task",
        verbose_name="对应任务",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="indicators",
    )
    position = models.PositiveIntegerField("顺序")
    level1 = models.CharField("一级指标", max_length=100)
    level2 = models.CharField("二级指标", max_length=100)
    level3 = NameField("三级指标", max_length=300)
    description = models.TextField("绩效指标描述", null=True, blank=True)
    value = models.CharField("指标值", max_length=300, help_text="按填写原样保存")
    basis = models.CharField("指标值确定依据", max_length=300, null=True, blank=True)
    note = models.TextField("指标值说明", null=True, blank=True)

    # The full record (`indicators/record.py`): the parts of `value` a split form prints apart, always
    # derived from `value` (or `value` rebuilt from them), and the columns other provinces' forms add.
    comparator = models.CharField("计算符号", max_length=10, blank=True, default="")
    number = models.DecimalField(
        "指标值（数值）",
        max_digits=record.NUMBER_MAX_DIGITS,
        decimal_places=record.NUMBER_DECIMAL_PLACES,
        null=True,
        blank=True,
    )
    unit = models.CharField("计量单位", max_length=40, blank=True, default="")
    value_type = models.CharField("指标值类型", max_length=10, blank=True, default="", choices=VALUE_TYPE_CHOICES)
    direction = models.CharField("指标方向", max_length=10, blank=True, default="", choices=DIRECTION_CHOICES)
    weight = models.DecimalField("分值", max_digits=8, decimal_places=2, null=True, blank=True)
    explanation = models.TextField("指标解释", null=True, blank=True)
    scoring = models.TextField("评（扣）分标准", null=True, blank=True)
    core = models.BooleanField("核心指标", null=True, blank=True)
    period = models.CharField("期限", max_length=20, default=record.ANNUAL, choices=PERIOD_CHOICES)
    # Blank: the default of `record.default_accumulation` (the library entry's, else by name and unit),
    # resolved when monitoring reads it (`catalog.accumulations`); a person may set it either way.
    accumulation = models.CharField(
        "累计方式", max_length=10, blank=True, default="", choices=ACCUMULATION_CHOICES,
        help_text="运行监控时累计型按序时进度比较，时点型（覆盖率、满意度、合格率）按全年目标比较；空为按默认",
    )  # fmt: skip

    class Meta:
        verbose_name = "绩效指标"
        verbose_name_plural = "绩效指标"
        ordering = ["table", "position"]
        constraints = [
            models.UniqueConstraint(fields=["table", "position"], name="indicators_indicator_position_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.level3} {self.value}"


class LibraryField(models.Model):
    """A 行业/领域 of the indicator library, in a tree: a 功能分类 类 and its 款 (`205` 教育支出 →
    `20502` 普通教育), or a named field and its sub-fields where a province's library names them."""

    code = models.CharField("编码", max_length=20, blank=True, default="")
    name = NameField("名称", max_length=100)
    parent = models.ForeignKey(
        "self", verbose_name="上级领域", null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    position = models.PositiveIntegerField("顺序", default=0)

    class Meta:
        verbose_name = "行业/领域"
        verbose_name_plural = "行业/领域"
        ordering = ["position", "code", "name"]
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="indicators_libraryfield_unique_in_parent"),
            models.UniqueConstraint(
                fields=["name"], condition=models.Q(parent__isnull=True), name="indicators_libraryfield_unique_top"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}".strip()


class LibraryEdition(models.Model):
    """One edition brought into the library: the starter library, or a province's workbook imported.

    Re-importing a new edition updates the entries it still holds and retires (`retired_at`) the
    ones it no longer holds; tables that used a retired entry keep their rows, which are copies.
    """

    class Source(models.TextChoices):
        STARTER = "starter", "本系统编写的起步指标库"
        WORKBOOK = "workbook", "指标库工作簿导入"

    name = NameField("版本名称", max_length=200)
    source = models.CharField("来源", max_length=20, choices=Source.choices, default=Source.WORKBOOK)
    file_name = models.CharField("文件名", max_length=255, blank=True, default="")
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="导入人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    imported_at = models.DateTimeField("导入时间", auto_now_add=True)
    added = models.PositiveIntegerField("新增条目", default=0)
    updated = models.PositiveIntegerField("更新条目", default=0)
    unchanged = models.PositiveIntegerField("未变条目", default=0)
    retired = models.PositiveIntegerField("停用条目", default=0)

    class Meta:
        verbose_name = "指标库版本"
        verbose_name_plural = "指标库版本"
        ordering = ["-imported_at", "-id"]

    def __str__(self) -> str:
        return self.name


class CatalogEntry(models.Model):
    """An entry of the indicator library (指标库): a model indicator with its definition, formula,
    unit, direction, reference value and scoring rule, under a 行业/领域 and a 一级/二级 category.

    Entries come from three places (`origin`): the starter library written for this project, a
    province's library workbook (an `edition`), and indicators of approved tables accepted through
    纳入指标库 (`LibraryProposal`). Fillers get them as suggestions; reviewers open an entry's
    reference sheet from any indicator row.
    """

    class Origin(models.TextChoices):
        STARTER = "starter", "本系统编写"
        WORKBOOK = "workbook", "指标库导入"
        TABLE = "table", "纳入（来自已批复表）"

    class Nature(models.TextChoices):
        COMMON = "共性", "共性指标"
        SPECIFIC = "个性", "个性指标"

    class Accumulation(models.TextChoices):
        CUMULATIVE = "累计型", "累计型（流量）"
        POINT = "时点型", "时点型（存量、比率）"

    scheme = models.ForeignKey(
        Scheme, verbose_name="指标体系", null=True, blank=True, on_delete=models.SET_NULL, related_name="catalog"
    )
    field = models.ForeignKey(
        LibraryField, verbose_name="行业/领域", null=True, blank=True, on_delete=models.SET_NULL, related_name="entries"
    )
    code = models.CharField("指标编码", max_length=60, blank=True, default="")
    level1 = models.CharField("一级指标", max_length=100)
    level2 = models.CharField("二级指标", max_length=100)
    level3 = NameField("三级指标", max_length=300)
    value = models.CharField("参考指标值", max_length=300, blank=True, default="")
    comparator = models.CharField("计算符号", max_length=10, blank=True, default="")
    unit = models.CharField("计量单位", max_length=40, blank=True, default="")
    direction = models.CharField("指标方向", max_length=10, blank=True, default="", choices=DIRECTION_CHOICES)
    value_type = models.CharField("指标值类型", max_length=10, blank=True, default="", choices=VALUE_TYPE_CHOICES)
    description = models.TextField("绩效指标描述", blank=True, default="")
    definition = models.TextField("指标解释", blank=True, default="")
    formula = models.TextField("计算公式", blank=True, default="")
    data_source = models.CharField("数据来源", max_length=300, blank=True, default="")
    frequency = models.CharField("采集频率", max_length=40, blank=True, default="")
    basis = models.CharField("指标值确定依据（绩效标准）", max_length=300, blank=True, default="")
    scoring = models.TextField("评分标准", blank=True, default="")
    keywords = models.CharField("关键词", max_length=300, blank=True, default="")
    nature = models.CharField("共性/个性", max_length=10, blank=True, default="", choices=Nature.choices)
    accumulation = models.CharField(
        "累计方式", max_length=10, blank=True, default="", choices=Accumulation.choices,
        help_text="累计型按序时进度比较，时点型（覆盖率、满意度、合格率）按全年目标比较",
    )  # fmt: skip
    valid_from = models.DateField("启用日期", null=True, blank=True)
    valid_to = models.DateField("停用日期", null=True, blank=True)
    origin = models.CharField("来源", max_length=20, choices=Origin.choices, default=Origin.TABLE)
    edition = models.ForeignKey(
        LibraryEdition,
        verbose_name="指标库版本",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="entries",
    )
    source_table = models.ForeignKey(
        "tables.TargetTable",
        verbose_name="来源表",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="纳入人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("纳入时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    active = models.BooleanField("启用", default=True)
    retired_at = models.DateTimeField("停用时间", null=True, blank=True, help_text="新版本指标库不再包含时停用")

    class Meta:
        verbose_name = "指标库条目"
        verbose_name_plural = "指标库"
        ordering = ["level1", "level2", "level3"]
        constraints = [
            models.UniqueConstraint(
                fields=["level2", "level3"],
                condition=models.Q(field__isnull=True),
                name="indicators_catalog_unique_name_in_level2",
            ),
            models.UniqueConstraint(
                fields=["field", "level2", "level3"],
                condition=models.Q(field__isnull=False),
                name="indicators_catalog_unique_name_in_field",
            ),
        ]
        indexes = [models.Index(fields=["code"], name="indicators_catalog_code")]

    def __str__(self) -> str:
        return f"{self.level2} / {self.level3}"


class LibraryProposal(models.Model):
    """纳入指标库: a reviewer proposes an indicator of an approved table for the library; a bureau
    admin accepts it (a new entry, or merged into a near-same one shown as a duplicate) or declines."""

    class Status(models.TextChoices):
        PENDING = "pending", "待审核"
        ACCEPTED = "accepted", "已纳入"
        DECLINED = "declined", "未纳入"

    indicator = models.ForeignKey(
        Indicator, verbose_name="来源指标", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    source_table = models.ForeignKey(
        "tables.TargetTable", verbose_name="来源表", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    field = models.ForeignKey(
        LibraryField, verbose_name="行业/领域", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    level1 = models.CharField("一级指标", max_length=100)
    level2 = models.CharField("二级指标", max_length=100)
    level3 = NameField("三级指标", max_length=300)
    value = models.CharField("参考指标值", max_length=300, blank=True, default="")
    unit = models.CharField("计量单位", max_length=40, blank=True, default="")
    definition = models.TextField("指标解释", blank=True, default="")
    basis = models.CharField("指标值确定依据（绩效标准）", max_length=300, blank=True, default="")
    reason = models.TextField("推荐理由", blank=True, default="")
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="推荐人", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    proposed_at = models.DateTimeField("推荐时间", auto_now_add=True)
    status = models.CharField("状态", max_length=20, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="审核人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField("审核时间", null=True, blank=True)
    decision_note = models.TextField("审核意见", blank=True, default="")
    entry = models.ForeignKey(
        CatalogEntry,
        verbose_name="纳入的条目",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="proposals",
    )

    class Meta:
        verbose_name = "纳入指标库推荐"
        verbose_name_plural = "纳入指标库推荐"
        ordering = ["-proposed_at", "-id"]
        indexes = [models.Index(fields=["status", "-proposed_at"], name="indicators_proposal_status")]

    def __str__(self) -> str:
        return f"{self.level2} / {self.level3}（{self.get_status_display()}）"


def _bump_scheme_revision(sender, instance: Category, **kwargs) -> None:
    """A category was added, renamed, moved or removed: its scheme's cached tree is stale."""
    Scheme.objects.filter(pk=instance.scheme_id).update(revision=uuid.uuid4())


models.signals.post_save.connect(_bump_scheme_revision, sender=Category, dispatch_uid="category-saved")
models.signals.post_delete.connect(_bump_scheme_revision, sender=Category, dispatch_uid="category-deleted")
