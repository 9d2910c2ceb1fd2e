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

    class Meta:
        verbose_name = "绩效指标"
        verbose_name_plural = "绩效指标"
        ordering = ["table", "position"]
        constraints = [
            models.UniqueConstraint(fields=["table", "position"], name="indicators_indicator_position_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.level3} {self.value}"


class CatalogEntry(models.Model):
    """An indicator kept in the catalog (指标库) as a model to follow, tagged by its category.

    Fillers get these as suggestions while typing a 三级 name; reviewers and
    admins add well-written indicators from any table (纳入指标库).
    """

    scheme = models.ForeignKey(
        Scheme, verbose_name="指标体系", null=True, blank=True, on_delete=models.SET_NULL, related_name="catalog"
    )
    level1 = models.CharField("一级指标", max_length=100)
    level2 = models.CharField("二级指标", max_length=100)
    level3 = NameField("三级指标", max_length=300)
    value = models.CharField("参考指标值", max_length=300, blank=True, default="")
    description = models.TextField("绩效指标描述", blank=True, default="")
    basis = models.CharField("指标值确定依据", max_length=300, blank=True, default="")
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
    active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "指标库条目"
        verbose_name_plural = "指标库"
        ordering = ["level1", "level2", "level3"]
        constraints = [
            models.UniqueConstraint(fields=["level2", "level3"], name="indicators_catalog_unique_name_in_level2"),
        ]

    def __str__(self) -> str:
        return f"{self.level2} / {self.level3}"


def _bump_scheme_revision(sender, instance: Category, **kwargs) -> None:
    """A category was added, renamed, moved or removed: its scheme's cached tree is stale."""
    Scheme.objects.filter(pk=instance.scheme_id).update(revision=uuid.uuid4())


models.signals.post_save.connect(_bump_scheme_revision, sender=Category, dispatch_uid="category-saved")
models.signals.post_delete.connect(_bump_scheme_revision, sender=Category, dispatch_uid="category-deleted")
