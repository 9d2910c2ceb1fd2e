"""The demo: the five seed tables, one login per persona, and a review cycle played through them.

The story runs through `tables.review.workflow` and `tables.editor.editing` as a person's clicks would, so
its snapshots, audit log, comments and notifications are the real ones. Each chapter plays
only on a table that was never submitted: running the demo again replays nothing, and a
table someone has since taken through the workflow by hand is left as it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django.contrib.auth import get_user_model
from django.db import transaction
from django.urls import reverse

from tables.checking import check_stored_table
from tables.editor import editing
from tables.exports import jobs as bulk_export
from tables.imports.exchange import import_document, load_file, tables_for_export
from tables.models import (
    ExportJob,
    Membership,
    Organisation,
    OverallGoal,
    ReviewDecision,
    Snapshot,
    TargetTable,
)
from tables.review import comments, workflow
from tables.setup.duties import Duty, grant

DEMO_DIR = Path(__file__).resolve().parent / "fixtures" / "demo"
DEMO_PASSWORD = "demo-2026"

# The story's tables, by organisation (and project code for project tables).
RETURNED = ("新疆巴州财政局", "")  # filler1's table, returned with a reason and two row comments
RESUBMITTED = ("新疆巴州党委办公室", "")  # returned, fixed, submitted again: a diff to look at
APPROVED = ("新疆巴州世界银行贷款项目执行办公室", "")  # approved with 审核意见 and a grade
APPROVED_TOO = ("中共信阳市平桥区委办公室", "")
UNIT = "丰润区财政局本级"  # a 单位 of 唐山市丰润区财政局: its round has two review levels
AT_DEPARTMENT = (UNIT, "13020823P00023510001U")  # waiting for the 主管部门
FORWARDED = (UNIT, "13020823P00023910001J")  # passed by the 主管部门, waiting for the bureau
RETURNED_BY_DEPARTMENT = (UNIT, "13020823P00024110001C")
APPROVED_TWO_LEVELS = (UNIT, "13020823P00024010001N")
APPROVED_TWO_LEVELS_TOO = (UNIT, "13020823P00023610001H")
REOPENED = (UNIT, "13020823P000216100013")  # approved, then reopened for 调整
FORWARDED_OTHER_UNIT = ("唐山市丰润区国有资产事务中心", "13020823P000245100013")

ALL_PASSED = {stem: (True, "") for stem, _label in ReviewDecision.CHECKLIST}


@dataclass
class DemoLogin:
    username: str
    password: str
    role: str
    scope: str


@dataclass
class TourStep:
    """One line of the "try this" tour: who logs in, which page, what to look at."""

    username: str
    path: str
    look: str


def load_demo() -> list[DemoLogin]:
    """Import the demo tables, create the demo users and play the review story; running it twice changes nothing new."""
    with transaction.atomic():
        _import_tables()
        logins = _create_users()
        _play_story()
    return logins


def _import_tables() -> None:
    for path in sorted(DEMO_DIR.glob("*.json")):
        data = load_file(path)
        # Tables keep the document's own `source`, not the file name; never overwrite a demo
        # table once loaded (someone may have edited it, and the story has submitted it).
        source = (data.get("source") if isinstance(data, dict) else None) or path.name
        if not (
            TargetTable.objects.filter(source=source).exists() or OverallGoal.objects.filter(source=source).exists()
        ):
            import_document(data, path.name)


def _create_users() -> list[DemoLogin]:
    User = get_user_model()
    logins: list[DemoLogin] = []
    admin, _ = User.objects.get_or_create(username="admin", defaults={"is_staff": True, "is_superuser": True})
    _set_password(admin)
    Membership.objects.get_or_create(user=admin, organisation=None, role=Membership.Role.ADMIN)
    logins.append(DemoLogin("admin", DEMO_PASSWORD, "管理员（财政局）", "全部"))

    reviewer, _ = User.objects.get_or_create(username="reviewer", defaults={"first_name": "财政局审核人"})
    _set_password(reviewer)
    departments = Organisation.objects.filter(parent__isnull=True).order_by("pk")
    for org in departments:
        grant(reviewer, org, Duty.FINANCE_REVIEWER)
    logins.append(DemoLogin("reviewer", DEMO_PASSWORD, str(Duty.FINANCE_REVIEWER.label), "全部演示部门"))

    # The 主管部门 with units (唐山市丰润区财政局) reviews its units' tables first.
    department = departments.filter(units__isnull=False).distinct().first()
    if department is not None:
        user, _ = User.objects.get_or_create(
            username="dept_reviewer", defaults={"first_name": f"{department.name}审核人"}
        )
        _set_password(user)
        grant(user, department, Duty.DEPARTMENT_REVIEWER)  # as the set-up pages do
        where = f"{department.name}的下属单位"
        logins.append(DemoLogin("dept_reviewer", DEMO_PASSWORD, str(Duty.DEPARTMENT_REVIEWER.label), where))

    for index, org in enumerate(Organisation.objects.order_by("pk"), start=1):
        username = f"filler{index}"
        user, _ = User.objects.get_or_create(username=username, defaults={"first_name": f"{org.name}填报人"})
        _set_password(user)
        Membership.objects.get_or_create(
            user=user,
            organisation=org,
            role=Membership.Role.FILLER,
            defaults={"include_units": org.parent_id is None and org.units.exists()},
        )
        logins.append(DemoLogin(username, DEMO_PASSWORD, "填报人", str(org)))
    return logins


def _set_password(user) -> None:
    if not user.check_password(DEMO_PASSWORD):
        user.set_password(DEMO_PASSWORD)
        user.save()


# ---------------------------------------------------------------- the story


def story_table(key: tuple[str, str]) -> TargetTable | None:
    """One of the story's tables (RETURNED, APPROVED …), or None when the demo data lacks it."""
    org_name, project_code = key
    return one_table(TargetTable.objects.filter(organisation__name=org_name, project_code=project_code))


def one_table(queryset) -> TargetTable | None:
    return tables_for_export().select_related("round").filter(pk__in=queryset.values("pk")).first()


def filler_of(table: TargetTable):
    """The demo filler of the table's own organisation (filler1 … filler7)."""
    membership = (
        Membership.objects.filter(organisation_id=table.organisation_id, role=Membership.Role.FILLER)
        .select_related("user")
        .order_by("user__username")
        .first()
    )
    return membership.user if membership else None


def _unplayed(key: tuple[str, str]) -> TargetTable | None:
    """The table, if its chapter has not been played: still a draft and never submitted."""
    table = story_table(key)
    if table is None or table.status != TargetTable.Status.DRAFT or Snapshot.objects.filter(table=table).exists():
        return None
    return table


def _fresh(table: TargetTable) -> TargetTable:
    return one_table(TargetTable.objects.filter(pk=table.pk))


def _submit(table: TargetTable, filler, explanation: str = "") -> Snapshot:
    """Submit as the filler would; a table with warnings goes with the filler's explanation."""
    table = _fresh(table)
    warnings = [f for f in check_stored_table(table) if f.severity == "warning"]
    reason = (explanation or "已逐项核实，警告所涉指标按实际情况填写。") if warnings else ""
    return workflow.submit(table, filler, warning_reason=reason)


def _open(table: TargetTable, reviewer) -> Snapshot:
    workflow.mark_opened(table, reviewer)
    return workflow.pending_snapshot(table)


def _comment_on(table: TargetTable, reviewer, kind: str, position: int, body: str) -> None:
    rows = table.tasks if kind == "task" else table.indicators
    row = rows.get(position=position)
    comments.add_comment(_fresh(table), reviewer, anchor=f"{kind}:{row.pk}", body=body)


def _forward(table: TargetTable, department_reviewer, opinion: str) -> None:
    pending = _open(table, department_reviewer)
    workflow.forward(table, department_reviewer, snapshot_number=pending.number, opinion=opinion)


def _approve(table: TargetTable, reviewer, opinion: str, grade: str, feasibility: str = "") -> None:
    pending = _open(table, reviewer)
    checklist = {**ALL_PASSED, "feasibility": (True, feasibility)}
    approval = workflow.Approval(opinion=opinion, checklist=checklist, grade=grade, published=True)
    workflow.approve(table, reviewer, approval, snapshot_number=pending.number)


def _play_story() -> None:
    # Read after the memberships exist: the permission helpers cache them on the user object.
    reviewer = get_user_model().objects.get(username="reviewer")
    department_reviewer = get_user_model().objects.filter(username="dept_reviewer").first()
    _play_single_level(reviewer)
    unit_table = story_table(AT_DEPARTMENT)
    if unit_table is None or department_reviewer is None or unit_table.round is None:
        return
    _play_two_levels(reviewer, department_reviewer, unit_table.round)
    _export_approved(story_table(APPROVED))


def _play_single_level(reviewer) -> None:
    """新疆's round: returned with comments, resubmitted after a fix, approved; 河南's: approved."""
    # A single-level round (新疆): returned with comments, resubmitted after a fix, approved.
    if table := _unplayed(RETURNED):
        _submit(table, filler_of(table))
        pending = _open(table, reviewer)
        _comment_on(
            table,
            reviewer,
            "indicator",
            42,
            "“有效提高”无法衡量，请改为可量化的指标值（如财政信息公开率≥95%）。",
        )
        _comment_on(table, reviewer, "task", 5, "162万元含会计职称考试、办公楼搬迁维护和专项工作三项，请分别列明金额。")
        workflow.return_table(
            table,
            reviewer,
            snapshot_number=pending.number,
            reason="部分指标不可量化，任务内容不完整，请按批注修改后重新提交。",
        )

    if table := _unplayed(RESUBMITTED):
        filler = filler_of(table)
        _submit(table, filler)
        pending = _open(table, reviewer)
        _comment_on(table, reviewer, "indicator", 26, "故障修复24小时过长，会影响日常办公，请压缩到12小时以内。")
        workflow.return_table(
            table, reviewer, snapshot_number=pending.number, reason="系统故障修复处理时间目标偏宽，请修改后重新提交。"
        )
        row = table.indicators.get(position=26)
        editing.save_row(
            table,
            "indicators",
            row.pk,
            {"value": "≤12小时"},
            base=editing.row_fingerprint(row),
            based_on=_fresh(table).version,
            user=filler,
        )
        comment = table.comments.get(parent__isnull=True)
        comments.reply(comment, filler, body="已调整为≤12小时。")
        _submit(table, filler)

    if table := _unplayed(APPROVED):
        _submit(table, filler_of(table), "第10、23行的指标方向按项目协议的考核口径填写。")
        _approve(
            table, reviewer, "目标明确，指标细化量化，与预算资金匹配，同意批复。", "优", "指标值有近三年实际数据支撑"
        )

    # A single-level round (河南): approved.
    if table := _unplayed(APPROVED_TOO):
        _submit(table, filler_of(table))
        _approve(table, reviewer, "目标与部门职责相符，同意批复。", "良")


def _play_two_levels(reviewer, department_reviewer, round_) -> None:
    """The round of 唐山市丰润区财政局's units: 主管部门审核, then 财政审核."""
    if not Snapshot.objects.filter(table__round=round_).exists():
        round_.review_levels = 2
        round_.save(update_fields=["review_levels"])

    if table := _unplayed(AT_DEPARTMENT):
        _submit(table, filler_of(table))

    if table := _unplayed(FORWARDED):
        _submit(table, filler_of(table))
        _forward(table, department_reviewer, "经主管部门审核，目标与项目内容相符，同意报送财政审核。")

    if table := _unplayed(RETURNED_BY_DEPARTMENT):
        _submit(table, filler_of(table))
        pending = _open(table, department_reviewer)
        comments.add_comment(
            _fresh(table), department_reviewer, anchor="field:title", body="表名沿用了请示文件的标题，请改为项目名称。"
        )
        workflow.return_table(
            table, department_reviewer, snapshot_number=pending.number, reason="表名不规范，请修改后重新提交。"
        )

    for key, grade in ((APPROVED_TWO_LEVELS, "良"), (APPROVED_TWO_LEVELS_TOO, "优"), (REOPENED, "良")):
        if table := _unplayed(key):
            _submit(table, filler_of(table))
            _forward(table, department_reviewer, "主管部门审核通过。")
            _approve(table, reviewer, "绩效目标合理，指标可衡量，同意批复。", grade)
            if key == REOPENED:
                workflow.reopen(_fresh(table), reviewer, reason="年中追加防疫物资预算，需调整数量指标。", version=None)

    if table := _unplayed(FORWARDED_OTHER_UNIT):
        _submit(table, filler_of(table), "工期完工时间按合同约定的完工率考核。")
        _forward(table, department_reviewer, "同意报送。")


def _export_approved(approved: TargetTable | None) -> None:
    """The bureau's admin exports the approved tables of 新疆's round once: a zip to download and a
    notification saying it is ready (or, on a machine that cannot print, why it failed)."""
    admin = get_user_model().objects.get(username="admin")
    if (
        approved is None
        or approved.status != TargetTable.Status.APPROVED
        or ExportJob.objects.filter(created_by=admin).exists()
    ):
        return
    job = bulk_export.start_job(admin, round_=approved.round, filters={"statuses": [TargetTable.Status.APPROVED]})
    bulk_export.execute(str(job.pk))  # at once: the demo does not wait for `make run`'s worker


def tour(base_url: str = "") -> list[TourStep]:
    """The three-step tour `make run` prints: the queue, the returned table, the approved PDF."""
    base = base_url.rstrip("/")
    steps = [
        TourStep(
            "reviewer",
            f"{base}{reverse('review-queue')}",
            f"审核队列里是已提交的表；点开“{RESUBMITTED[0]}”，看第 2 次提交相对退回版本改了什么。",
        )
    ]
    returned = story_table(RETURNED)
    if returned is not None and (filler := filler_of(returned)) is not None:
        steps.append(
            TourStep(
                filler.username,
                f"{base}{returned.get_absolute_url()}",
                "被退回的表：页首是退回原因，两条批注标在对应的指标行和任务行旁。",
            )
        )
    approved = story_table(APPROVED)
    if approved is not None and (filler := filler_of(approved)) is not None:
        steps.append(
            TourStep(
                filler.username,
                f"{base}{approved.get_absolute_url()}",
                "已批复的表：点“下载批复版 PDF”，表尾印有审核状态、评级和审核意见。",
            )
        )
    return steps
