"""The monitoring pages' forms (crispy, every field labelled)."""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from django import forms
from django.db.models import Q
from django.utils import timezone

from tables.models import MonitoringRound, TargetTable
from tables.models.monitoring import DEFAULT_REASONS
from tables.monitoring import lights
from tables.monitoring.rounds import approved_tables

PRESET_CHOICES = [
    ("default", "默认：资金按序时进度 60%/80%，指标 60%/80%/120%"),
    ("sichuan-2025", lights.SICHUAN_2025.name),
]


class OpenRoundForm(forms.Form):
    """The bureau opens a round: its year, period, scope, deadline and light rules, and for 财政重点监控
    the tables, one 项目编码 (a project table) or 部门编码 (an organisation's 整体 table) a line."""

    year = forms.IntegerField(label="预算年度", min_value=2000, max_value=2100)
    month = forms.TypedChoiceField(
        label="监控期间", coerce=int, choices=[(n, "1月" if n == 1 else f"1–{n}月") for n in range(1, 13)], initial=7
    )
    scope = forms.ChoiceField(
        label="监控方式", choices=MonitoringRound.Scope.choices, initial=MonitoringRound.Scope.SELF
    )
    deadline = forms.DateField(label="填报截止日期", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    reminder_days = forms.IntegerField(label="截止前提醒天数", min_value=0, max_value=60, initial=5)
    preset = forms.ChoiceField(label="亮灯规则", choices=PRESET_CHOICES, initial="default")
    reasons = forms.CharField(
        label="偏差原因选项（每行一个）", widget=forms.Textarea(attrs={"rows": 5}), initial="\n".join(DEFAULT_REASONS)
    )
    tables = forms.CharField(
        label="重点监控的表（每行一个项目编码或部门编码）",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="仅财政重点监控需要填写；部门自行监控包括该年度全部已批复的表",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].initial = timezone.localdate().year
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True

    def clean_reasons(self) -> list[str]:
        reasons = [line.strip() for line in self.cleaned_data["reasons"].splitlines() if line.strip()]
        if not reasons:
            raise forms.ValidationError("请至少填写一个偏差原因选项。")
        return list(dict.fromkeys(reasons))

    def clean(self) -> dict:
        data = super().clean()
        data["table_ids"] = None
        if data.get("scope") != MonitoringRound.Scope.KEY or data.get("year") is None:
            return data
        lines = [line.strip() for line in (data.get("tables") or "").splitlines()]
        if not any(lines):
            self.add_error("tables", "财政重点监控须填写至少一个项目编码或部门编码。")
            return data
        year, ids, unknown = data["year"], [], []
        for number, code in enumerate(lines, start=1):
            if not code:
                continue
            found = list(
                approved_tables(year)
                .filter(
                    Q(kind=TargetTable.Kind.PROJECT, project_code=code)
                    | Q(kind=TargetTable.Kind.DEPARTMENT, organisation__code=code)
                )
                .values_list("pk", flat=True)
            )
            if found:
                ids.extend(found)
            else:
                unknown.append(f"第 {number} 行“{code}”")
        if unknown:
            self.add_error("tables", f"以下编码没有{year}年已批复的绩效目标表：{'、'.join(unknown)}")
        data["table_ids"] = list(dict.fromkeys(ids))
        return data

    def thresholds(self) -> lights.Thresholds:
        return lights.PRESETS[self.cleaned_data["preset"]]
