"""Filling a monitoring form: a row's save, its light and the form's light, with optimistic locking.

Like the editor (`tables/editor/editing.py`): the save carries the fingerprint of the row as the person
saw it (`base`); when the stored row differs (a colleague saved it meanwhile) `Conflict` is raised and
nothing is written. Every save bumps `MonitoringForm.version` (the form's change count, for a later
submit) inside the same transaction, which also takes the form's row lock.

A row's light is computed on save with the round's rules (`lights.indicator_light`); a red or yellow
row must say why and what is done about it (`lights.required_explanations`): the save is refused with
the Chinese messages, naming the indicator, and nothing is written. The form's light is then the worst of
its rows and its money (`lights.worst`).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from tables import permissions
from tables.fields import parse_amount
from tables.models import MonitoringForm, MonitoringRow
from tables.models.monitoring import FUND_SOURCES, MONEY_MEASURES
from tables.monitoring import lights

EDITABLE = (MonitoringForm.Status.DRAFT, MonitoringForm.Status.RETURNED)
ENTERED = (
    "actual", "actual_result", "projected", "projected_result", "reasons", "likelihood", "explanation", "disposal",
    "due",
)  # fmt: skip


class FillError(Exception):
    """A save refused: `messages` in Chinese."""

    def __init__(self, messages: list[str], light: str | None = None):
        super().__init__("；".join(messages))
        self.messages = messages
        self.light = light


class Invalid(FillError):
    """What was sent cannot be saved (a bad number, a red row without its explanations)."""


class Conflict(FillError):
    """The row changed since the person saw it."""


class ReadOnly(FillError):
    """The form is not the user's to fill, or not open for filling."""


@dataclass(frozen=True)
class Saved:
    row: MonitoringRow
    verdict: lights.Verdict
    form_light: str | None
    version: int


def entered(row: MonitoringRow) -> dict:
    """What was entered on a row, as the page's inputs show it (text; the reasons a list)."""
    values = {name: _text(getattr(row, name)) for name in ENTERED}
    values["reasons"] = list(row.reasons or [])
    return values


def row_fingerprint(row: MonitoringRow) -> str:
    """A short hash of what was entered on a row: the base a save is checked against."""
    values = {name: _text(getattr(row, name)) for name in ENTERED}
    raw = json.dumps(values, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(raw.encode()).hexdigest()[:16]


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list):
        return "、".join(value)
    return str(value)


def can_fill(user, form: MonitoringForm) -> permissions.Answer:
    """The unit's fillers (and the bureau's admins) fill a form that is a draft or returned."""
    answer = permissions.can_fill_monitoring(user, form.organisation)
    if answer and form.status not in EDITABLE:
        return permissions.Answer(False, f"该监控表当前状态为“{form.get_status_display()}”，不能修改。")
    return answer


def save_row(form: MonitoringForm, row_pk: int, data: dict, *, user, base: str | None) -> Saved:
    """Save what the person entered on one row (`data`: the form's fields as text); its light follows."""
    with transaction.atomic():
        # Race: two people saving rows of the same form; the UPDATE takes the form's row lock first.
        MonitoringForm.objects.filter(pk=form.pk).update(version=F("version") + 1, updated_at=timezone.now())
        locked = MonitoringForm.objects.select_related("round", "organisation").get(pk=form.pk)
        answer = can_fill(user, locked)
        if not answer:
            raise ReadOnly([answer.reason])
        row = MonitoringRow.objects.filter(form=locked, pk=row_pk).first()
        if row is None:
            raise Conflict(["该指标已不在监控表中，请刷新页面。"])
        if base is not None and base != row_fingerprint(row):
            raise Conflict([f"“{row.level3}”已被他人修改，未保存；已显示最新内容，请核对后再保存。"])
        _read(row, data, locked.round.reasons)
        rules = locked.round.rules()
        verdict = row.verdict(locked.round.month, rules)
        missing = row.missing_explanations(verdict.light)
        if missing:
            raise Invalid(missing, verdict.light)
        row.light = verdict.light or ""
        row.save(update_fields=[*ENTERED, "light"])
        others = MonitoringRow.objects.filter(form=locked).exclude(pk=row.pk).values_list("light", flat=True)
        form_light = lights.worst([row.light, *others, locked.money_verdict(rules).light])
        MonitoringForm.objects.filter(pk=locked.pk).update(light=form_light or "", updated_by=user)
    return Saved(row, verdict, form_light, locked.version)


def _read(row: MonitoringRow, data: dict, reasons_offered: list[str]) -> None:
    """The entered fields from text, each bad one named; the row is changed only when all are good."""
    problems = []
    values: dict = {}
    where = f"“{row.level3}”"
    for name, label in (("actual", "1–N月实际完成值"), ("projected", "全年预计完成值")):
        text = (data.get(name) or "").strip()
        try:
            values[name] = parse_amount(text.removesuffix(row.unit) if row.unit else text)
        except ValueError:
            problems.append(f"{where}的{label}“{text}”应为数字（单位：{row.unit or '无'}）")
    results = set(MonitoringRow.Result.values)
    for name, label in (("actual_result", "1–N月完成情况"), ("projected_result", "全年预计完成情况")):
        text = (data.get(name) or "").strip()
        if text and text not in results:
            problems.append(f"{where}的{label}应为{'/'.join(MonitoringRow.Result.values)}")
        values[name] = text
    reasons = [reason for reason in data.get("reasons") or [] if reason]
    unknown = [reason for reason in reasons if reason not in reasons_offered]
    if unknown:
        problems.append(f"{where}的偏差原因“{'、'.join(unknown)}”不在本批次的选项中")
    values["reasons"] = reasons
    for name, choices, label in (
        ("likelihood", MonitoringRow.Likelihood.values, "完成目标可能性"),
        ("disposal", MonitoringRow.Disposal.values, "处置方式"),
    ):
        text = (data.get(name) or "").strip()
        if text and text not in choices:
            problems.append(f"{where}的{label}应为{'/'.join(choices)}")
        values[name] = text
    values["explanation"] = (data.get("explanation") or "").strip()
    due = (data.get("due") or "").strip()
    try:
        values["due"] = date.fromisoformat(due) if due else None
    except ValueError:
        problems.append(f"{where}的整改完成时限“{due}”不是有效日期（如 2026-09-30）")
    if problems:
        raise Invalid(problems)
    if row.is_qualitative:
        values["actual"] = values["projected"] = None
    else:
        values["actual_result"] = values["projected_result"] = ""
    for name, value in values.items():
        setattr(row, name, value)


# ---------------------------------------------------------------- the money and the narrative

# What the unit enters of the money: per 资金来源 its 1–N月执行数 and 全年预计执行数, and 上年结转's
# 全年预算数 (the approved table has no carry-over: the unit gives it).
MONEY_ENTERED = (
    *(f"{measure}_{source}" for source, _ in FUND_SOURCES for measure in ("executed", "projected")),
    "budget_carryover",
)
MONEY_LABELS = {
    f"{measure}_{source}": f"{source_label}的{measure_label}"
    for source, source_label in FUND_SOURCES
    for measure, measure_label in (*MONEY_MEASURES, ("executed", "1–N月执行数"))
}
AMOUNT_PLACES = 6  # AmountField's decimal places (`tables/fields.py`)
NARRATIVE = ("goal_progress", "summary", "problems", "measures")


@dataclass(frozen=True)
class FormSaved:
    form: MonitoringForm
    money: lights.Verdict
    form_light: str | None
    version: int


def money_entered(form: MonitoringForm) -> dict:
    """The money's inputs as the page shows them (text; the reasons a list)."""
    values = {name: _text(getattr(form, name)) for name in MONEY_ENTERED}
    values["money_reasons"] = list(form.money_reasons or [])
    values["money_explanation"] = form.money_explanation
    return values


def _locked(form: MonitoringForm, user, version: int | None) -> MonitoringForm:
    """Inside a transaction: bump the form's version (taking its row lock), check the user may fill it and
    that nobody saved it since `version` was read."""
    MonitoringForm.objects.filter(pk=form.pk).update(version=F("version") + 1, updated_at=timezone.now())
    locked = MonitoringForm.objects.select_related("round", "organisation").get(pk=form.pk)
    answer = can_fill(user, locked)
    if not answer:
        raise ReadOnly([answer.reason])
    if version is None or version != locked.version - 1:
        raise Conflict(["该监控表已被他人修改，未保存；您填写的内容仍在页面上，请核对最新内容后再保存。"])
    return locked


def _form_light(form: MonitoringForm, money_light: str | None) -> str | None:
    rows = MonitoringRow.objects.filter(form=form).values_list("light", flat=True)
    return lights.worst([*rows, money_light])


def save_money(form: MonitoringForm, data: dict, *, user, version: int | None) -> FormSaved:
    """Save the money the unit entered (`data`: text per `MONEY_ENTERED`, the reasons a list); the money's
    light and the form's follow. A red or yellow money light needs a reason and a measure."""
    with transaction.atomic():
        locked = _locked(form, user, version)
        _read_money(locked, data)
        verdict = locked.money_verdict()
        missing = locked.missing_money_explanations(verdict.light)
        if missing:
            raise Invalid(missing, verdict.light)
        locked.money_light = verdict.light or ""
        locked.light = _form_light(locked, verdict.light) or ""
        locked.updated_by = user
        fields = [*MONEY_ENTERED, "money_reasons", "money_explanation", "money_light", "light", "updated_by"]
        locked.save(update_fields=fields)
    return FormSaved(locked, verdict, locked.light or None, locked.version)


def _read_money(form: MonitoringForm, data: dict) -> None:
    problems, values = [], {}
    for name in MONEY_ENTERED:
        text = (data.get(name) or "").strip()
        label = MONEY_LABELS[name].replace("1–N月", f"1–{form.round.month}月")
        try:
            value = parse_amount(text)
        except ValueError:
            problems.append(f"{label}“{text}”应为数字（单位：万元）")
            continue
        if value is not None and value < 0:
            problems.append(f"{label}“{text}”不能为负数")
        elif value is not None and -value.as_tuple().exponent > AMOUNT_PLACES:
            problems.append(f"{label}“{text}”最多{AMOUNT_PLACES}位小数")
        values[name] = value
    reasons = [reason for reason in data.get("money_reasons") or [] if reason]
    unknown = [reason for reason in reasons if reason not in form.round.reasons]
    if unknown:
        problems.append(f"资金执行的偏差原因“{'、'.join(unknown)}”不在本批次的选项中")
    if problems:
        raise Invalid(problems)
    values["money_reasons"] = reasons
    values["money_explanation"] = (data.get("money_explanation") or "").strip()
    for name, value in values.items():
        setattr(form, name, value)


def save_narrative(form: MonitoringForm, data: dict, *, user, version: int | None) -> FormSaved:
    """Save the goal's 1–N月执行情况, 总体执行情况, 存在问题 and 整改措施 (`NARRATIVE`, text)."""
    with transaction.atomic():
        locked = _locked(form, user, version)
        for name in NARRATIVE:
            setattr(locked, name, (data.get(name) or "").strip())
        locked.updated_by = user
        locked.save(update_fields=[*NARRATIVE, "updated_by"])
    return FormSaved(locked, locked.money_verdict(), locked.light or None, locked.version)
