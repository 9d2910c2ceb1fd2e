"""Who may do what: every rule of the app, each answering with a reason in Chinese.

A rule returns an `Answer`, truthy when allowed; when refused, its `reason` is
what the user is told (a 403 page, a message). `has_permission(action, user,
table)` reaches the rules by name (Hypha's `has_permission` shape).

Visibility itself (which organisations a user's memberships reach) is one rule,
`Reach` in `tables/models/organisations.py`, read through
`Membership.objects.roles_of(user)` once per user object: `role_for`,
`visible_organisation_ids` and `TargetTable.objects.visible_to` all answer from it.
Views turn answers into 404 and 403 in `tables/access.py`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from types import EllipsisType

from tables.models import (
    AdjustmentRequest,
    ExportJob,
    ImportBatch,
    Membership,
    Organisation,
    Roles,
    Snapshot,
    Stage,
    TargetTable,
)

Status = TargetTable.Status


@dataclass(frozen=True)
class Answer:
    """Allowed or not, and why not (in Chinese, for the user); truthy when allowed."""

    allowed: bool
    reason: str = ""

    def __bool__(self) -> bool:
        return self.allowed


def _answer(allowed: bool, reason: str) -> Answer:
    return Answer(True) if allowed else Answer(False, reason)


# ---------------------------------------------------------------- roles and visibility


def roles(user) -> Roles:
    """`user`'s memberships, read once per user object."""
    return Membership.objects.roles_of(user)


def is_admin(user) -> Answer:
    allowed = user.is_authenticated and (user.is_superuser or roles(user).admin)
    return _answer(allowed, "只有管理员可以这样做。")


def can_open_monitoring(user) -> Answer:
    """Opening a 绩效运行监控 round (and adding tables to it): the bureau's admins."""
    allowed = user.is_authenticated and (user.is_superuser or roles(user).admin)
    return _answer(allowed, "只有财政局管理员可以开启绩效运行监控。")


def can_fill_monitoring(user, organisation) -> Answer:
    """Entering a monitoring form's figures: the organisation's fillers (as for its tables) and the admins."""
    allowed = user.is_authenticated and (
        bool(is_admin(user)) or roles(user).filler.covers(organisation.pk, organisation.parent_id)
    )
    return _answer(allowed, "只有本部门（单位）的填报人可以填报监控表。")


def visible_organisation_ids(user) -> set[int] | None:
    """Organisation ids `user` may see; None means every organisation.

    A filler sees their own organisation, and its units where the membership
    says so. A reviewer sees the organisations assigned to them and the units
    under those (a 主管部门 is reviewed together with its units).
    """
    return Membership.objects.visible_organisation_ids(user)


def filled_organisation_ids(user) -> set[int]:
    """Organisations whose tables `user` writes as a filler (units too where the membership says so)."""
    found = roles(user)
    return found.organisation_ids(found.filler)


def fillable_organisations(user):
    """Organisations `user` may start and edit tables for (the filler role; admins: all active ones).

    An organisation the user also reviews (or whose parent they review) is left
    out: `role_for` gives "reviewer" there, and a reviewer does not fill in.
    """
    if not user.is_authenticated:
        return Organisation.objects.none()
    if is_admin(user):
        return Organisation.objects.filter(active=True)
    found = roles(user)
    reviewed = found.reviewer.own
    return (
        Organisation.objects.filter(active=True)
        .reached_by(found.filler)
        .exclude(pk__in=reviewed)
        .exclude(parent_id__in=reviewed)
    )


def role_for(user, organisation) -> str | None:
    """The strongest role `user` has for one organisation (an Organisation or its id): admin,
    reviewer, filler or None. Pass the Organisation when it is at hand: its parent is then known.

    None exactly when the organisation is not in `visible_organisation_ids(user)`: both ask
    the same `Reach` (tests/test_permission_matrix.py checks it for every persona).
    """
    if not user.is_authenticated:
        return None
    if is_admin(user):
        return "admin"
    organisation_id = getattr(organisation, "pk", organisation)
    if hasattr(organisation, "parent_id"):
        parent_id = organisation.parent_id
    else:
        parent_id = Organisation.objects.filter(pk=organisation_id).values_list("parent_id", flat=True).first()
    return roles(user).role(organisation_id, parent_id)


def is_filler(user, table: TargetTable) -> Answer:
    """Whether `user` fills in `table` (own organisation, or its 单位 where the membership includes units)."""
    allowed = user.is_authenticated and roles(user).filler.covers(table.organisation_id, table.organisation.parent_id)
    return _answer(allowed, "只有本部门（单位）的填报人可以这样做。")


def _review_levels(user) -> dict[int, set[str]]:
    """{organisation id: review levels} of `user`'s reviewer memberships, read once per user object."""
    cached = getattr(user, "_review_levels_cache", None)
    if cached is None:
        cached = {}
        memberships = Membership.objects.filter(user=user, role=Membership.Role.REVIEWER).values_list(
            "organisation_id", "review_duty__level"
        )
        for org_id, level in memberships:
            cached.setdefault(org_id, set()).add(level or Stage.FINANCE)
        user._review_levels_cache = cached
    return cached


def reviewer_stages(user, table: TargetTable) -> set[str]:
    """The levels at which `user` may decide on `table` (admins: every level)."""
    if not user.is_authenticated:
        return set()
    if is_admin(user):
        return {Stage.DEPARTMENT, Stage.FINANCE}
    levels = _review_levels(user)
    org = table.organisation
    return levels.get(org.pk, set()) | levels.get(org.parent_id, set())


def review_levels(user) -> set[str]:
    """Every level at which `user` decides on some table (admins: every level)."""
    if not user.is_authenticated:
        return set()
    if is_admin(user):
        return {Stage.DEPARTMENT, Stage.FINANCE}
    return set().union(*_review_levels(user).values())


def is_reviewer(user, table: TargetTable | None = None) -> Answer:
    """A reviewer of `table` (or of anything, without a table: the queue and the dashboard), or an admin."""
    if table is None:
        allowed = user.is_authenticated and bool(is_admin(user) or roles(user).reviewer.own)
        return _answer(allowed, "只有审核人和管理员可以查看。")
    return _answer(bool(reviewer_stages(user, table)), "只有审核人可以这样做。")


# ---------------------------------------------------------------- the editor


def can_edit(user, table: TargetTable, role: str | EllipsisType | None = ...) -> Answer:
    """Fillers of the table's organisation and admins edit draft or returned tables; reviewers
    (and everyone on a submitted or approved table) only read. `role`: `role_for`'s answer, if known."""
    role = role_for(user, table.organisation) if role is ... else role
    if role not in ("filler", "admin"):
        return Answer(False, "您是审核人，只能查看，不能修改。")
    return _answer(table.is_editable, f"该表{table.get_status_display()}，不能修改。")


def can_catalog(user, table: TargetTable) -> Answer:
    """纳入指标库: reviewers of the table and admins propose a well-written indicator for the library."""
    return _answer(role_for(user, table.organisation) in ("reviewer", "admin"), "只有审核人或管理员可以纳入指标库。")


def can_propose(user, table: TargetTable) -> Answer:
    """纳入指标库 proposals come from approved tables, by their reviewers and the admins."""
    answer = can_catalog(user, table)
    if not answer:
        return answer
    return _answer(table.status == TargetTable.Status.APPROVED, "只有已批复表中的指标可以推荐纳入指标库。")


def can_decide_proposals(user) -> Answer:
    """The bureau admin accepts or declines 纳入指标库 proposals."""
    return _answer(bool(is_admin(user)), "只有财政局管理员可以审核纳入指标库的推荐。")


def can_see_proposal(user, proposal) -> Answer:
    """A proposal is its proposer's and the bureau admins'."""
    allowed = user.is_authenticated and (proposal.proposed_by_id == user.pk or bool(is_admin(user)))
    return _answer(allowed, "没有找到该推荐")


# ---------------------------------------------------------------- exports


def can_see_export_job(user, job: ExportJob) -> Answer:
    """A bulk export job is its creator's (and the admins')."""
    return _answer(job.created_by_id == user.pk or bool(is_admin(user)), "没有找到该导出任务")


# ---------------------------------------------------------------- batch imports


def can_import_batch(user) -> Answer:
    """A batch import writes tables: the fillers (of some organisation) and the admins upload one."""
    allowed = user.is_authenticated and fillable_organisations(user).exists()
    return _answer(allowed, "只有填报人可以批量导入绩效目标表。")


def can_see_import_batch(user, batch: ImportBatch) -> Answer:
    """A batch import is its uploader's (and the admins')."""
    return _answer(batch.created_by_id == user.pk or bool(is_admin(user)), "没有找到该批量导入")


# ---------------------------------------------------------------- the review workflow


def can_submit(user, table: TargetTable) -> Answer:
    return _answer(bool(is_filler(user, table)), "只有本部门（单位）的填报人可以提交。")


def can_withdraw(user, table: TargetTable) -> Answer:
    return _answer(bool(is_filler(user, table)), "只有本部门（单位）的填报人可以撤回。")


def can_forward(user, table: TargetTable) -> Answer:
    return _answer(Stage.DEPARTMENT in reviewer_stages(user, table), "只有主管部门的审核人可以审核转报。")


def can_return(user, table: TargetTable, stage: str) -> Answer:
    """Return the submission now at `stage`: a reviewer of that level."""
    return _answer(stage in reviewer_stages(user, table), f"该表正处于“{Stage(stage).label}”环节，您不能退回。")


def can_approve(user, table: TargetTable) -> Answer:
    """批复 is the bureau's: a 财政审核 reviewer of the table, or an admin."""
    return _answer(Stage.FINANCE in reviewer_stages(user, table), "只有财政审核人可以批复。")


def can_reopen(user, table: TargetTable) -> Answer:
    return _answer(Stage.FINANCE in reviewer_stages(user, table), "只有财政审核人或管理员可以撤销批复。")


def can_request_adjustment(user, table: TargetTable) -> Answer:
    """申请年中调整: the table's filler, once the table is approved (the request then goes to its review levels)."""
    if not is_filler(user, table):
        return Answer(False, "只有本部门（单位）的填报人可以申请年中调整。")
    return _answer(
        table.status == Status.APPROVED, f"该表{table.get_status_display()}，只有已批复的表可以申请年中调整。"
    )


def can_decide_adjustment(user, table: TargetTable, stage: str) -> Answer:
    """Decide a 年中调整 request now at `stage`: a reviewer of that level (the bureau's grant reopens the table)."""
    if stage == Stage.DEPARTMENT:
        return _answer(stage in reviewer_stages(user, table), "只有主管部门的审核人可以审核这项年中调整申请。")
    return _answer(stage in reviewer_stages(user, table), "只有财政审核人可以同意或不同意年中调整申请。")


def can_comment(user, table: TargetTable) -> Answer:
    return _answer(bool(is_reviewer(user, table)), "只有审核人可以添加批注；填报人可以回复。")


def can_reply(user, table: TargetTable) -> Answer:
    return _answer(bool(is_filler(user, table) or is_reviewer(user, table)), "您不能回复这条批注。")


def can_resolve(user, table: TargetTable) -> Answer:
    return _answer(bool(is_filler(user, table) or is_reviewer(user, table)), "您不能处理这条批注。")


def available_actions(
    table: TargetTable, user, pending: Snapshot | None = None, adjustment: AdjustmentRequest | None = None
) -> set[str]:
    """The moves `user` may make now: submit, withdraw, forward, return, approve, reopen, comment, reply, review,
    request_adjustment (none pending: `adjustment` is the pending request) and decide_adjustment."""
    actions: set[str] = set()
    filler = bool(is_filler(user, table))
    stages = reviewer_stages(user, table)
    if filler:
        actions.add("reply")
        if table.status in (Status.DRAFT, Status.RETURNED):
            actions.add("submit")
    if stages:
        actions |= {"review", "comment", "reply"}
    if table.status == Status.SUBMITTED and pending is not None:
        if filler and pending.opened_at is None:
            actions.add("withdraw")
        if pending.stage in stages:
            actions.add("return")
            actions.add("forward" if pending.stage == Stage.DEPARTMENT else "approve")
    if table.status == Status.APPROVED and Stage.FINANCE in stages:
        actions.add("reopen")
    if table.status == Status.APPROVED and filler and adjustment is None:
        actions.add("request_adjustment")
    if table.status == Status.APPROVED and adjustment is not None and adjustment.stage in stages:
        actions.add("decide_adjustment")
    return actions


RULES: dict[str, Callable[..., Answer]] = {
    "edit": can_edit,
    "catalog": can_catalog,
    "propose": can_propose,
    "fill": is_filler,
    "review": is_reviewer,
    "submit": can_submit,
    "withdraw": can_withdraw,
    "forward": can_forward,
    "approve": can_approve,
    "reopen": can_reopen,
    "request_adjustment": can_request_adjustment,
    "comment": can_comment,
    "reply": can_reply,
    "resolve": can_resolve,
}


def has_permission(action: str, user, table: TargetTable) -> Answer:
    """The rule named `action` for `user` on `table` (`return` and deciding an adjustment need their stage:
    call `can_return` and `can_decide_adjustment`)."""
    return RULES[action](user, table)
