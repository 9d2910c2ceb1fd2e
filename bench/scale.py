"""Scale a database up to a city's deadline day: hundreds of organisations, their tables and people.

Two users: `bench.bench_review` (organisations and bare tables inside a rolled-back
transaction) and `bench.load` (a whole round of realistic tables for the load test).
Everything is written with `bulk_create`: 500 organisations, 1,500 tables and ~20,000
indicator rows take a few seconds.
"""

from __future__ import annotations

import copy
import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta

UNITS_PER_DEPARTMENT = 4
LOAD_PASSWORD = "load-2026-deadline"
LOAD_YEAR = 2026
REVIEWER_GROUPS = 8  # departments are split into this many groups …
REVIEWERS_PER_GROUP = 2  # … each reviewed by two people (so two reviewers can race on one table)
# Department tables: (status, share). Fillers edit draft and returned ones; reviewers decide submitted ones.
DEPARTMENT_STATUSES = [("draft", 35), ("returned", 15), ("submitted", 35), ("approved", 15)]
PROJECT_STATUSES = [("draft", 40), ("returned", 10), ("submitted", 35), ("approved", 15)]


def organisations(count: int, *, code: str, department_name: str, unit_name: str):
    """`count` organisations: one department per five, each with four units. Returns (departments, units)."""
    from tables.models import Organisation

    departments = Organisation.objects.bulk_create(
        [Organisation(code=f"{code}-{i:03d}", name=f"{department_name}{i}") for i in range(count // 5)]
    )
    units = Organisation.objects.bulk_create(
        [
            Organisation(code=f"{code}-{i:03d}-{j}", name=f"{unit_name}{i}-{j}", parent=d)
            for i, d in enumerate(departments)
            for j in range(UNITS_PER_DEPARTMENT)
        ]
    )
    return departments, units


@dataclass
class LoadWorld:
    """What `build_deadline_day` made, for the load script to pick its users from."""

    password: str
    organisations: int = 0
    tables: int = 0
    indicators: int = 0
    users: int = 0
    statuses: Counter = field(default_factory=Counter)
    seconds: float = 0.0


# The template rows' content columns, copied into each scaled table.
_TASK_FIELDS = ("name", "content", "total", "fiscal", "other")
_INDICATOR_FIELDS = ("level1", "level2", "level3", "description", "value", "basis", "note")


def _copied(row, fields: tuple[str, ...]) -> dict:
    return {name: getattr(row, name) for name in fields}


def _pick(rng: random.Random, weights: list[tuple[str, int]]) -> str:
    return rng.choices([s for s, _ in weights], weights=[w for _, w in weights])[0]


def _template_rows(layout_code: str) -> tuple[list, list, list]:
    """Indicator rows, task rows and tables of the demo tables of one layout: the content new tables copy."""
    from indicators.models import Indicator
    from tables.models import TargetTable, Task

    tables = list(TargetTable.objects.filter(layout__code=layout_code).order_by("pk"))
    if not tables:
        raise RuntimeError(f"没有表样 {layout_code} 的演示表：先运行 manage.py load_demo")
    indicators = list(Indicator.objects.filter(table__in=tables).order_by("table_id", "position"))
    tasks = list(Task.objects.filter(table__in=tables).order_by("table_id", "position"))
    return indicators, tasks, tables


def _decision(snapshot, action: str, reviewer, opinion: str, **extra):
    """The finance bureau's decision that closed `snapshot`."""
    from tables.models import ReviewDecision, Stage

    return ReviewDecision(
        table=snapshot.table,
        snapshot=snapshot,
        stage=Stage.FINANCE,
        action=action,
        reviewer=reviewer,
        decided_at=snapshot.closed_at,
        opinion=opinion,
        **extra,
    )


def build_deadline_day(orgs: int = 500, *, seed: int = 7, year: int = LOAD_YEAR) -> LoadWorld:
    """A round at its deadline: `orgs` organisations, each with its department table (20–40 indicators)
    and two project tables, fillers (two for every fourth organisation), 16 reviewers, and tables in
    every state: submitted ones wait in the reviewers' queues. Needs the demo (`load_demo`) loaded.
    """
    import time

    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.db import transaction
    from django.db.models import Exists, OuterRef, Subquery
    from django.utils import timezone

    from indicators.models import Indicator
    from tables.imports.exchange import export_table, tables_for_export
    from tables.models import (
        Comment,
        Layout,
        Membership,
        ReviewDecision,
        Round,
        RoundOrganisation,
        Snapshot,
        Stage,
        TargetTable,
        Task,
    )

    started = time.perf_counter()
    rng = random.Random(seed)
    world = LoadWorld(password=LOAD_PASSWORD)
    dept_rows, dept_tasks, _ = _template_rows("xinjiang-2022-dept")
    project_rows, _, project_templates = _template_rows("hebei-2023-project")
    project_rows_by_table: dict[int, list] = {}
    for row in project_rows:
        project_rows_by_table.setdefault(row.table_id, []).append(row)
    now = timezone.now()

    with transaction.atomic():
        dept_layout = Layout.objects.get(code="xinjiang-2022-dept")
        project_layout = Layout.objects.get(code="hebei-2023-project")
        dept_round = Round.objects.create(
            year=year, title=f"{year}年部门整体绩效目标（压测）", layout=dept_layout, deadline=timezone.localdate()
        )
        project_round = Round.objects.create(
            year=year, title=f"{year}年项目支出绩效目标（压测）", layout=project_layout, deadline=timezone.localdate()
        )
        departments, units = organisations(orgs, code="load", department_name="压测部门", unit_name="压测单位")
        everyone = departments + units
        world.organisations = len(everyone)
        RoundOrganisation.objects.bulk_create(
            [RoundOrganisation(round=r, organisation=o) for r in (dept_round, project_round) for o in everyone]
        )

        # People: one hash for all (PBKDF2 costs 0.65 s a password here; the server still checks each login).
        User = get_user_model()
        hashed = make_password(LOAD_PASSWORD)
        filler_users = []
        for index, org in enumerate(everyone):
            filler_users.append((User(username=f"load-filler-{index:03d}", password=hashed), org))
            if index % 4 == 0:
                filler_users.append((User(username=f"load-filler-{index:03d}b", password=hashed), org))
        reviewer_users = [
            User(username=f"load-reviewer-{k:02d}", password=hashed, first_name=f"审核人{k}")
            for k in range(REVIEWER_GROUPS * REVIEWERS_PER_GROUP)
        ]
        User.objects.bulk_create([u for u, _ in filler_users] + reviewer_users)
        world.users = len(filler_users) + len(reviewer_users)
        memberships = [Membership(user=u, organisation=o, role=Membership.Role.FILLER) for u, o in filler_users]
        group_reviewers: dict[int, list] = {}
        for k, reviewer in enumerate(reviewer_users):
            group_reviewers.setdefault(k // REVIEWERS_PER_GROUP, []).append(reviewer)
        for i, department in enumerate(departments):
            for reviewer in group_reviewers[i % REVIEWER_GROUPS]:
                memberships.append(Membership(user=reviewer, organisation=department, role=Membership.Role.REVIEWER))
        Membership.objects.bulk_create(memberships)

        # Tables: one department table and two project tables per organisation.
        tables: list = []
        for index, org in enumerate(everyone):
            tables.append(
                TargetTable(
                    organisation=org,
                    year=year,
                    round=dept_round,
                    layout=dept_layout,
                    kind="department",
                    title=dept_layout.title,
                    goal=f"目标1：保障{org.name}机构正常运转。\n目标2：按时完成年度重点工作任务。",
                    status=_pick(rng, DEPARTMENT_STATUSES),
                    version=rng.randint(1, 30),
                    source="压测",
                )
            )
            for k in range(2):
                template = project_templates[(index * 2 + k) % len(project_templates)]
                project = TargetTable(
                    organisation=org,
                    year=year,
                    round=project_round,
                    layout=project_layout,
                    kind="project",
                    title=template.title,
                    project_code=f"{template.project_code[:12]}{index:04d}{k}",
                    project_name=f"{template.project_name}（{org.name}）",
                    project_purpose=template.project_purpose,
                    goal=template.goal,
                    **{f"budget_{key}": getattr(template, f"budget_{key}") for key in TargetTable.BUDGET_KEYS},
                    **{f"plan_{m}": getattr(template, f"plan_{m}") for m in TargetTable.PLAN_MONTHS},
                    status=_pick(rng, PROJECT_STATUSES),
                    version=rng.randint(1, 30),
                    source="压测",
                    position=k + 1,
                )
                project.load_template_id = template.pk  # which demo table its indicator rows copy
                tables.append(project)
        tables = TargetTable.objects.bulk_create(tables)
        world.tables = len(tables)
        world.statuses = Counter(f"{t.kind} {t.status}" for t in tables)

        indicators, tasks = [], []
        for t in tables:
            if t.kind == "department":
                count = rng.randint(20, 40)
                start = rng.randrange(len(dept_rows))
                # Contiguous template rows keep the 一级/二级 groups together, in printed order.
                picked = sorted(
                    ((start + i) % len(dept_rows) for i in range(min(count, len(dept_rows)))),
                )
                rows = [dept_rows[i] for i in picked]
                first = rng.randrange(len(dept_tasks))
                for position, task in enumerate(dept_tasks[first : first + rng.randint(3, 5)] or dept_tasks[:3], 1):
                    tasks.append(Task(table=t, position=position, **_copied(task, _TASK_FIELDS)))
            else:
                rows = project_rows_by_table.get(t.load_template_id, [])
            for position, row in enumerate(rows, start=1):
                indicators.append(Indicator(table=t, position=position, **_copied(row, _INDICATOR_FIELDS)))
        Task.objects.bulk_create(tasks, batch_size=2000)
        Indicator.objects.bulk_create(indicators, batch_size=2000)
        world.indicators = len(indicators)

        # The review history: snapshots (the table as exported, with row ids), decisions, comments.
        reviewer_of = {d.pk: group_reviewers[i % REVIEWER_GROUPS][0] for i, d in enumerate(departments)}
        filler_of = {o.pk: u for u, o in filler_users}
        reviewed = [t.pk for t in tables if t.status != "draft"]
        snapshots, decisions, comments = [], [], []
        for chunk_start in range(0, len(reviewed), 300):
            chunk = tables_for_export().filter(pk__in=reviewed[chunk_start : chunk_start + 300])
            for t in chunk:
                data = export_table(t, with_ids=True)
                reviewer = reviewer_of[t.organisation.parent_id or t.organisation_id]
                # Decided ones were submitted a day or more ago: every decision lies in the past.
                hours = rng.randint(2, 96) if t.status == "submitted" else rng.randint(24, 240)
                submitted_at = now - timedelta(hours=hours, minutes=rng.randint(0, 59))
                history = t.status == "returned" or (t.status == "submitted" and rng.random() < 0.35)
                number = 1
                if history:
                    earlier = copy.deepcopy(data)
                    if earlier["indicators"]:
                        earlier["indicators"][0]["value"] = "（上次提交的指标值）"
                    returned = Snapshot(
                        table=t,
                        number=1,
                        table_version=max(1, t.version - 1),
                        data=earlier,
                        stage=Stage.FINANCE,
                        outcome="returned",
                        submitted_by=filler_of[t.organisation_id],
                        submitted_at=submitted_at - timedelta(days=2),
                        opened_at=submitted_at - timedelta(days=1, hours=20),
                        opened_by=reviewer,
                        closed_at=submitted_at - timedelta(days=1),
                    )
                    snapshots.append(returned)
                    decisions.append(_decision(returned, "return", reviewer, "指标值不够具体，请细化后重新提交。"))
                    comments.append(
                        Comment(
                            table=t,
                            snapshot=returned,
                            anchor_kind="table",
                            author=reviewer,
                            body="请补充可量化的产出指标。",
                            created_at=returned.closed_at,
                        )
                    )
                    number = 2
                if t.status in ("submitted", "approved"):
                    outcome = "pending" if t.status == "submitted" else "approved"
                    snapshot = Snapshot(
                        table=t,
                        number=number,
                        table_version=t.version,
                        data=data,
                        stage=Stage.FINANCE,
                        outcome=outcome,
                        submitted_by=filler_of[t.organisation_id],
                        submitted_at=submitted_at,
                    )
                    snapshots.append(snapshot)
                    if outcome == "approved":
                        snapshot.opened_at = submitted_at + timedelta(hours=1)
                        snapshot.opened_by = reviewer
                        snapshot.closed_at = submitted_at + timedelta(hours=3)
                        passed = {f"{stem}_passed": True for stem, _ in ReviewDecision.CHECKLIST}
                        decisions.append(_decision(snapshot, "approve", reviewer, "同意。", published=True, **passed))
        Snapshot.objects.bulk_create(snapshots, batch_size=500)
        latest = Snapshot.objects.filter(table=OuterRef("pk")).order_by("-number").values("submitted_at")[:1]
        TargetTable.objects.filter(Exists(latest)).update(submitted_at=Subquery(latest))
        ReviewDecision.objects.bulk_create(decisions, batch_size=1000)
        Comment.objects.bulk_create(comments, batch_size=1000)
    world.seconds = time.perf_counter() - started
    return world


if __name__ == "__main__":
    import os
    import sys

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    w = build_deadline_day(int(sys.argv[1]) if len(sys.argv) > 1 else 500)
    print(w)
