"""Opening a monitoring round: the bureau names a year and a period (1–N月), and every approved table in
its scope gets a monitoring form copying its targets, read-only.

- Which tables: those of the year with an approved version in force — 已批复, or reopened for a
  年中调整 (the approved snapshot stays in force until the new version is approved) — all of them for
  部门自行监控, the chosen ones for 财政重点监控.
- What is copied: the approved snapshot's content (`workflow.approved_snapshot`: the version in force,
  调整 included); a table marked 已批复 without one (written so by an import of old data) is copied
  as it stands. Its 年度 indicators become rows (中期/长期 targets are not followed in-year), each
  with its sign, number, unit, direction, type and 累计型/时点型 (`catalog.accumulations`: the
  indicator's own, else the library's, else by name and unit). 年初预算数 is the first approved
  version's budget, 全年预算数 the one in force.
- Atomic and idempotent: the round is found or created and locked, then forms are added only for
  tables that have none in it; opening the same round again adds the tables approved since.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.db.models import Exists, OuterRef, Q

from indicators import record
from indicators.catalog import accumulations
from indicators.models import Indicator
from tables import permissions
from tables.fields import parse_amount
from tables.imports.exchange import export_table, tables_for_export
from tables.models import MonitoringForm, MonitoringRound, MonitoringRow, Snapshot, TargetTable
from tables.monitoring import lights
from tables.review.workflow import Blocked, require_allowed

APPROVED_VERSIONS = (Snapshot.Outcome.APPROVED, Snapshot.Outcome.SUPERSEDED)


@dataclass(frozen=True)
class Opened:
    """What opening a round did: the round, whether it is new, and how many forms it gained."""

    round: MonitoringRound
    created: bool
    added: int


def approved_tables(year: int):
    """The tables of `year` with an approved version in force (已批复, or reopened after approval)."""
    in_force = Snapshot.objects.filter(table=OuterRef("pk"), outcome=Snapshot.Outcome.APPROVED)
    return TargetTable.objects.filter(year=year).filter(Q(status=TargetTable.Status.APPROVED) | Exists(in_force))


def open_round(
    user,
    *,
    year: int,
    month: int,
    scope: str = MonitoringRound.Scope.SELF,
    table_ids: list[int] | None = None,
    deadline: date | None = None,
    reminder_days: int | None = None,
    thresholds: lights.Thresholds | None = None,
    reasons: list[str] | None = None,
) -> Opened:
    """Open (or open again) the round of `year`, 1–`month`月 and `scope`, and give each table in scope a form.

    财政重点监控 takes `table_ids` (tables of that year not approved are refused, naming them); a round
    opened before keeps its settings unless new ones are given. Raises `Blocked` with a Chinese reason.
    """
    require_allowed(permissions.can_open_monitoring(user))
    lights.time_progress(month)  # 1–12, else ValueError with the Chinese message
    if scope == MonitoringRound.Scope.KEY and not table_ids:
        raise Blocked("财政重点监控须选择至少一张已批复的绩效目标表。")
    candidates = approved_tables(year)
    if scope == MonitoringRound.Scope.KEY:
        chosen = set(table_ids or ())
        candidates = candidates.filter(pk__in=chosen)
        missing = chosen - set(candidates.values_list("pk", flat=True))
        if missing:
            raise Blocked(f"以下表不是{year}年已批复的绩效目标表，未开启监控：{'、'.join(map(str, sorted(missing)))}")
    with transaction.atomic():
        round_, created = MonitoringRound.objects.get_or_create(
            year=year, month=month, scope=scope, defaults={"opened_by": user}
        )
        # Race: two admins opening the same round at once would each copy the same tables.
        round_ = MonitoringRound.objects.select_for_update().get(pk=round_.pk)
        changed = _settings(round_, deadline, reminder_days, thresholds, reasons)
        if changed:
            round_.save(update_fields=changed)
        tables = list(candidates.exclude(monitoring_forms__round=round_).select_related("organisation").order_by("pk"))
        _add_forms(round_, tables)
    return Opened(round_, created, len(tables))


def _settings(round_, deadline, reminder_days, thresholds, reasons) -> list[str]:
    changed = []
    if deadline is not None:
        round_.deadline = deadline
        changed.append("deadline")
    if reminder_days is not None:
        round_.reminder_days = reminder_days
        changed.append("reminder_days")
    if thresholds is not None:
        round_.thresholds = thresholds.as_json()
        changed.append("thresholds")
    if reasons is not None:
        cleaned = [reason.strip() for reason in reasons if reason.strip()]
        if not cleaned:
            raise Blocked("偏差原因选项不能为空。")
        round_.reasons = list(dict.fromkeys(cleaned))
        changed.append("reasons")
    return changed


def _add_forms(round_: MonitoringRound, tables: list[TargetTable]) -> None:
    """A form per table, its rows copied from the version in force: a fixed number of queries."""
    if not tables:
        return
    ids = [table.pk for table in tables]
    in_force: dict[int, Snapshot] = {}
    first: dict[int, Snapshot] = {}
    for snapshot in Snapshot.objects.filter(table_id__in=ids, outcome__in=APPROVED_VERSIONS).order_by("number"):
        first.setdefault(snapshot.table_id, snapshot)
        if snapshot.outcome == Snapshot.Outcome.APPROVED:
            in_force[snapshot.table_id] = snapshot
    contents = {pk: snapshot.data for pk, snapshot in in_force.items()}
    unfrozen = [pk for pk in ids if pk not in in_force]
    if unfrozen:  # marked 已批复 without a snapshot: copied as stored (three queries for all of them)
        for table in tables_for_export().filter(pk__in=unfrozen):
            contents[table.pk] = export_table(table, with_ids=True)

    forms = []
    for table in tables:
        data, snapshot = contents[table.pk], in_force.get(table.pk)
        budget, initial = data.get("budget") or {}, (first[table.pk].data if table.pk in first else data)
        forms.append(
            MonitoringForm(
                round=round_,
                table=table,
                organisation=table.organisation,
                snapshot=snapshot,
                revision=snapshot.revision if snapshot else 1,
                title=data.get("title") or table.title,
                goal=data.get("goal") or "",
                **_money("budget", budget),
                **_money("initial", initial.get("budget") or {}),
            )
        )
    MonitoringForm.objects.bulk_create(forms)
    forms = {form.table_id: form for form in MonitoringForm.objects.filter(round=round_, table_id__in=ids)}

    targets = [
        (forms[table.pk], row)
        for table in tables
        for row in contents[table.pk].get("indicators") or []
        if (row.get("period") or record.ANNUAL) == record.ANNUAL
    ]
    own = dict(
        Indicator.objects.filter(pk__in=[row["id"] for _, row in targets if row.get("id")]).values_list(
            "pk", "accumulation"
        )
    )
    rows = [_target(row, own.get(row.get("id"), "")) for _, row in targets]
    kinds = accumulations(rows)
    positions: dict[int, int] = {}
    copies = []
    for (form, row), target, kind in zip(targets, rows, kinds, strict=True):
        positions[form.pk] = positions.get(form.pk, 0) + 1
        indicator_id = row.get("id") if row.get("id") in own else None
        fields = {**target, "accumulation": kind}
        copies.append(MonitoringRow(form=form, position=positions[form.pk], indicator_id=indicator_id, **fields))
    MonitoringRow.objects.bulk_create(copies, batch_size=1000)


def _money(measure: str, budget: dict) -> dict:
    """The 资金来源 lines a table's budget holds: 年度资金总额, 财政拨款, 其他资金 (上年结转 is the unit's to give)."""
    return {f"{measure}_{source}": _amount(budget.get(source)) for source in ("total", "fiscal", "other")}


def _amount(text: object) -> Decimal | None:
    try:
        return parse_amount(text)
    except ValueError:
        return None


def _target(row: dict, own_accumulation: str) -> dict:
    """A copied target: its names, printed value and the parts the value grammar reads from it."""
    parts = record.split_value(row.get("value") or "")
    value_type = row.get("value_type") or parts.value_type
    return {
        "level1": row.get("level1") or "",
        "level2": row.get("level2") or "",
        "level3": row.get("level3") or "",
        "value": row.get("value") or "",
        "comparator": parts.comparator,
        "number": parts.number,
        "unit": parts.unit,
        "direction": row.get("direction") or "",
        "value_type": value_type,
        "accumulation": own_accumulation,
    }
