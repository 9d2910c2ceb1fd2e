"""Organisations, their members, layouts and rounds."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.conf import settings
from django.db import models, transaction
from django.db.models import Q

from indicators.fields import NameField
from indicators.models import Scheme
from tables import layout_spec, layouts


def one(queryset):
    """The row a filtered queryset names (by primary key, say), or None.

    `.first()` orders by the model's `Meta.ordering` (or the primary key) to
    choose among several rows; for a lookup that matches at most one row that
    ORDER BY only costs compile time (0.4 ms for a table: its ordering joins
    the organisation), and the editor does such lookups on every autosave.
    """
    return next(iter(queryset.order_by()[:1]), None)


@dataclass(frozen=True)
class Reach:
    """The organisations a set of memberships reaches: their own, and the units under `with_units`.

    The one rule of visibility: `covers` answers for one organisation,
    `OrganisationQuerySet.reached_by` lists them all, and the two agree by construction.
    """

    own: frozenset[int] = frozenset()
    with_units: frozenset[int] = frozenset()

    def covers(self, organisation_id: int | None, parent_id: int | None) -> bool:
        return organisation_id in self.own or (parent_id is not None and parent_id in self.with_units)

    def __or__(self, other: Reach) -> Reach:
        return Reach(self.own | other.own, self.with_units | other.with_units)


@dataclass(frozen=True)
class Roles:
    """A user's memberships as read once: admin or not, and what they fill and review.

    A filler reaches their organisation, and its units where the membership says
    so; a reviewer reaches their organisations and always the units under them (a
    主管部门 is reviewed together with its units).
    """

    admin: bool = False
    filler: Reach = Reach()
    reviewer: Reach = Reach()

    def role(self, organisation_id: int | None, parent_id: int | None) -> str | None:
        """The strongest role for one organisation (admin, reviewer, filler) or None: not visible."""
        if self.admin:
            return "admin"
        if self.reviewer.covers(organisation_id, parent_id):
            return "reviewer"
        if self.filler.covers(organisation_id, parent_id):
            return "filler"
        return None

    def organisation_ids(self, reach: Reach) -> set[int]:
        """The ids `reach` covers: its own ids, and one query for the units when it reaches any."""
        if not reach.with_units:
            return set(reach.own)
        return set(Organisation.objects.reached_by(reach).order_by().values_list("pk", flat=True))

    def visible_organisation_ids(self) -> set[int] | None:
        """The organisations these roles see; None means every organisation (an admin)."""
        if self.admin:
            return None
        return self.organisation_ids(self.filler | self.reviewer)


# Beyond this many organisations, a filter on what a user sees compares with a subquery of their
# memberships rather than the ids themselves: PostgreSQL plans an IN list of 8,000 ids (a province's
# reviewer) in 10–30 ms, on every query of a page.
MANY_ORGANISATIONS = 500


class OrganisationQuerySet(models.QuerySet):
    def reached_by(self, reach: Reach) -> OrganisationQuerySet:
        """The organisations `reach` covers (the membership → organisations query)."""
        return self.filter(Q(pk__in=reach.own) | Q(parent_id__in=reach.with_units))

    def visible_to(self, user) -> OrganisationQuerySet:
        return self.filter(Membership.objects.scope(user).filter("pk"))


class Organisation(models.Model):
    """A 部门 (department) or a 单位 (unit) under one."""

    code = NameField("编码", max_length=40, null=True, blank=True, unique=True)
    name = NameField("名称", max_length=200)
    parent = models.ForeignKey(
        "self", verbose_name="主管部门", null=True, blank=True, on_delete=models.PROTECT, related_name="units"
    )
    active = models.BooleanField("启用", default=True)

    objects = OrganisationQuerySet.as_manager()

    class Meta:
        verbose_name = "部门（单位）"
        verbose_name_plural = "部门（单位）"
        ordering = ["code", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["name"], condition=Q(code__isnull=True), name="tables_organisation_uncoded_name_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}" if self.code else self.name

    @property
    def is_department(self) -> bool:
        return self.parent_id is None


class LayoutManager(models.Manager):
    def from_record(self, data: object) -> Layout:
        """Create or update the layout a target-layout/1 record describes (`tables/layout_spec.py`).

        A record the editor, prints or checks could not follow is refused with
        `layout_spec.LayoutError` naming each place, and nothing is stored.
        """
        record = layout_spec.check_record(data, set(Scheme.objects.values_list("code", flat=True)))
        with transaction.atomic():
            layout, _ = self.update_or_create(
                code=record["code"],
                defaults={**layout_spec.record_fields(record), "scheme": Scheme.objects.get(code=record["scheme"])},
            )
        return layout


class Layout(models.Model):
    """An official printed form: its blocks and columns are data, not code.

    `blocks` lists the parts the form has (e.g. "mission", "tasks",
    "task_amounts", "budget", "goal", "spending_plan", "project"),
    `budget_keys` the keys of the 预算情况 block it prints, and `columns` the
    indicator columns in printed order.
    """

    class Kind(models.TextChoices):
        DEPARTMENT = "department", "部门（单位）整体"
        PROJECT = "project", "项目支出"

    code = models.SlugField("编码", max_length=60, unique=True)
    name = NameField("名称", max_length=100)
    kind = models.CharField("表类型", max_length=20, choices=Kind.choices)
    scheme = models.ForeignKey("indicators.Scheme", verbose_name="指标体系", on_delete=models.PROTECT)
    title = NameField("默认标题", max_length=200)
    blocks = models.JSONField("区块", default=list)
    budget_keys = models.JSONField("预算字段", default=list, blank=True)
    columns = models.JSONField("指标列", default=list)
    options = models.JSONField("其他设置", default=dict, blank=True)
    # What the printed form declares (`tables/layout_spec.py` names every key and checks a record):
    # header lines [{"key", "label", "required"}], indicator column labels {key: label}, the periods
    # whose indicators stand side by side (["long_term", "annual"]), footer lines [{"key", "label"}],
    # the 审核意见 rows printed under the grid, and the checks' severities on this form {code: severity|"off"}.
    header = models.JSONField("表头项目", default=list, blank=True)
    column_labels = models.JSONField("指标列名称", default=dict, blank=True)
    periods = models.JSONField("指标期限", default=list, blank=True)
    footer = models.JSONField("表尾项目", default=list, blank=True)
    opinion_rows = models.JSONField("审核意见栏", default=list, blank=True)
    # Which 审核意见 row prints each review level's decision {"department"|"finance": row}, and the
    # layouts whose tables may be copied into this one with their field maps [{"layout", "fields"}].
    opinion_levels = models.JSONField("审核意见栏对应的审核级次", default=dict, blank=True)
    compatible = models.JSONField("可复制为本表样的表样", default=list, blank=True)
    checks = models.JSONField("审核规则", default=dict, blank=True)

    objects = LayoutManager()

    class Meta:
        verbose_name = "表样"
        verbose_name_plural = "表样"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    def has(self, block: str) -> bool:
        return block in self.blocks

    def budget_labels(self) -> dict[str, str]:
        """The printed name of each budget key (`tables.layouts.budget_labels`)."""
        return layouts.budget_labels(self)


_YEAR_IN_NAME = re.compile(r"(?:19|20)\d{2}年度?")


class Round(models.Model):
    """A 填报批次: one year, one layout, a window to file in."""

    year = models.PositiveSmallIntegerField("预算年度")
    title = NameField("名称", max_length=200)
    layout = models.ForeignKey(Layout, verbose_name="表样", on_delete=models.PROTECT)
    opens = models.DateField("开始日期", null=True, blank=True)
    deadline = models.DateField("截止日期", null=True, blank=True)
    review_levels = models.PositiveSmallIntegerField(
        "审核级次", default=1, choices=[(1, "财政审核"), (2, "主管部门审核 + 财政审核")]
    )

    class Meta:
        verbose_name = "填报批次"
        verbose_name_plural = "填报批次"
        ordering = ["-year", "title"]
        constraints = [
            models.UniqueConstraint(fields=["year", "layout"], name="tables_round_one_per_year_and_layout"),
        ]

    def __str__(self) -> str:
        return self.title

    @staticmethod
    def default_title(year: int, layout_name: str) -> str:
        """`2022年新疆部门（单位）整体支出绩效目标表`: a layout is named after the year of its printed form
        (`新疆2022年…`), which beside the round's own year reads twice."""
        return f"{year}年{_YEAR_IN_NAME.sub('', layout_name, count=1)}"


class MembershipQuerySet(models.QuerySet):
    def roles_of(self, user) -> Roles:
        """`user`'s memberships, read once per user object (one query; none for an anonymous user)."""
        if not user.is_authenticated:
            return Roles()
        cached = getattr(user, "_membership_cache", None)
        if cached is None:
            admin = False
            own: dict[str, set[int]] = {Membership.Role.FILLER: set(), Membership.Role.REVIEWER: set()}
            with_units: dict[str, set[int]] = {Membership.Role.FILLER: set(), Membership.Role.REVIEWER: set()}
            for role, org_id, include_units in self.filter(user=user).values_list(
                "role", "organisation_id", "include_units"
            ):
                if role == Membership.Role.ADMIN:
                    admin = True
                    continue
                own[role].add(org_id)
                if include_units or role == Membership.Role.REVIEWER:
                    with_units[role].add(org_id)
            cached = Roles(
                admin=admin or user.is_superuser,
                filler=Reach(frozenset(own["filler"]), frozenset(with_units["filler"])),
                reviewer=Reach(frozenset(own["reviewer"]), frozenset(with_units["reviewer"])),
            )
            user._membership_cache = cached
        return cached

    def visible_organisation_ids(self, user) -> set[int] | None:
        """Organisation ids `user` may see; None means every organisation (admins, superusers)."""
        if not user.is_authenticated:
            return set()
        if user.is_superuser:
            return None  # no query: a superuser sees everything
        roles = self.roles_of(user)
        if not roles.admin and _many(roles):
            # A province's reviewer: the same ids, read through the memberships rather than sent as lists.
            return set(self.visible_organisations_query(user).values_list("pk", flat=True))
        return roles.visible_organisation_ids()

    def visible_organisations_query(self, user) -> models.QuerySet:
        """The ids `visible_organisation_ids` lists, as a query the database runs."""
        return Organisation.objects.filter(self.scope(user, many=True).filter("pk")).values("pk")

    def scope(self, user, *, many: bool | None = None) -> Scope:
        """What `user` sees, as a filter every list applies (`Scope.filter`). Up to MANY_ORGANISATIONS
        organisations, their ids (one query when units are reached, none otherwise); beyond (or with
        `many`), subqueries of the memberships the database runs; no query here either way."""
        if not user.is_authenticated:
            return Scope(ids=frozenset())
        if user.is_superuser:
            return Scope(everything=True)  # no query: a superuser sees everything
        roles = self.roles_of(user)
        if roles.admin:
            return Scope(everything=True)
        if not (_many(roles) if many is None else many):
            return Scope(ids=frozenset(roles.visible_organisation_ids()))
        mine = self.filter(user=user).exclude(role=Membership.Role.ADMIN)
        with_units = mine.filter(Q(role=Membership.Role.REVIEWER) | Q(include_units=True))
        # The rule of `Roles`: own organisations, and the units under a reviewer's (and under a
        # filler's that include units).
        return Scope(subqueries=(mine.values("organisation_id"), with_units.values("organisation_id")))


def _many(roles: Roles) -> bool:
    reach = roles.filler | roles.reviewer
    return len(reach.own) + len(reach.with_units) > MANY_ORGANISATIONS


@dataclass(frozen=True)
class Scope:
    """The organisations a user sees, as `MembershipQuerySet.scope` read them: every one, a few ids,
    or (a province's reviewer) two subqueries of their memberships: the organisations they hold, and
    those whose units they see."""

    everything: bool = False
    ids: frozenset[int] = frozenset()
    subqueries: tuple[models.QuerySet, models.QuerySet] | None = None

    def filter(self, field: str = "organisation_id") -> Q:
        """A filter on `field`, an organisation's id (`pk`, `organisation_id`, `table__organisation_id`).

        The subqueries are OR-ed, not joined into one: each stays a hashed filter PostgreSQL builds
        once and probes per row, so an index walked in a page's order stays in order (a semi-join
        would hash the tables, then sort them all) and a count reads an index alone (issue 15:
        10,000 organisations, 30,000 tables, no sequential scan of tables)."""
        if self.everything:
            return Q()
        if self.subqueries is None:
            return Q(**{f"{field}__in": self.ids})
        own, parents = self.subqueries
        units = Organisation.objects.filter(parent_id__in=parents).values("pk")
        return Q(**{f"{field}__in": own}) | Q(**{f"{field}__in": units})

    def filter_by_parent(self, organisation: str = "organisation") -> Q:
        """`filter` as a test of the `organisation` joined to each row, its id or its parent: for a
        list ordered by the organisation, which PostgreSQL then walks in that order through its
        index, probing each one's tables (a filter on the rows alone would have it read every
        visible table and sort them)."""
        if self.subqueries is None:
            return self.filter(f"{organisation}_id")
        own, parents = self.subqueries
        return Q(**{f"{organisation}_id__in": own}) | Q(**{f"{organisation}__parent_id__in": parents})

    def filter_joined(self, field: str) -> Q:
        """`filter` for a `field` reached through a join (an indicator's `table__organisation_id`): the
        subqueries as one, which PostgreSQL semi-joins with the rows of the join, rather than a test
        on the joined table it would then read whole (rows found by an index of their own, 30,000
        indicators out of 600,000, are then tested by an index probe each)."""
        if self.subqueries is None:
            return self.filter(field)
        return Q(**{f"{field}__in": Organisation.objects.filter(self.filter("pk")).values("pk")})


class Membership(models.Model):
    """Who may do what for which organisation."""

    class Role(models.TextChoices):
        FILLER = "filler", "填报人"
        REVIEWER = "reviewer", "审核人"
        ADMIN = "admin", "管理员"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="用户", on_delete=models.CASCADE, related_name="memberships"
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name="部门（单位）",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="memberships",
        help_text="管理员可不填（管理全部部门）",
    )
    role = models.CharField("角色", max_length=20, choices=Role.choices)
    include_units = models.BooleanField("含下属单位", default=False)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = "成员"
        verbose_name_plural = "成员"
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation", "role"], name="tables_membership_no_duplicates"),
            models.CheckConstraint(
                condition=Q(role="admin") | Q(organisation__isnull=False),
                name="tables_membership_org_required_unless_admin",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.organisation or '全部'}"
