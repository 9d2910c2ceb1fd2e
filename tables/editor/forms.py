"""Forms of the editor: starting a table, the header steps, and the row cells (all labelled in Chinese)."""

from __future__ import annotations

from functools import cache

from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Div, Field, Layout
from django import forms
from django.core.exceptions import ValidationError
from django.db import models

from indicators import record
from tables.fields import format_amount, parse_amount
from tables.imports.exchange.identity import table_lookup
from tables.layout_spec import FOOTER_FIELDS, HEADER_FIELDS, footer_lines, header_lines
from tables.models import Organisation, Round, TargetTable


class AmountFormField(forms.CharField):
    """An amount in 万元 as typed (`1,055.4`, `１２．５`) → Decimal, keeping the typed scale."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("maxlength", "40")

    def prepare_value(self, value):
        if value is None:
            return ""
        return value if isinstance(value, str) else format_amount(value)

    def to_python(self, value):
        text = super().to_python(value)
        try:
            amount = parse_amount(text)
        except ValueError as exc:
            raise ValidationError(str(exc), code="invalid") from exc
        if amount is not None and amount < 0:
            raise ValidationError("金额不能为负数", code="negative")
        return amount


class PercentFormField(AmountFormField):
    def to_python(self, value):
        amount = super().to_python(value.rstrip("%％ ") if isinstance(value, str) else value)
        if amount is not None and amount > 100:
            raise ValidationError("累计支出比例应在 0–100 之间", code="range")
        return amount


def _helper(*layout) -> FormHelper:
    helper = FormHelper()
    helper.form_tag = False
    helper.disable_csrf = True
    if layout:
        helper.layout = Layout(*layout)
    return helper


def _field_with_findings(name: str, target: str | None = None) -> Div:
    """A field followed by the place where the checks' findings about it show."""
    target = target or name
    return Div(
        Field(name),
        HTML(f'<ul class="field-findings list-unstyled small" data-target="field-{target}"></ul>'),
        css_id=f"field-{target}",
    )


# ---------------------------------------------------------------- starting a table


class _RoundOrgForm(forms.Form):
    round = forms.ModelChoiceField(label="填报批次", queryset=Round.objects.none(), empty_label="请选择")
    organisation = forms.ModelChoiceField(
        label="部门（单位）", queryset=Organisation.objects.none(), empty_label="请选择"
    )

    def __init__(self, *args, organisations=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["round"].queryset = Round.objects.select_related("layout").order_by("-year", "title")
        self.fields["organisation"].queryset = (
            organisations if organisations is not None else Organisation.objects.none()
        )
        self.helper = _helper()


class BlankStartForm(_RoundOrgForm):
    project_code = forms.CharField(label="项目编码", max_length=60, required=False, help_text="项目支出表必填")
    project_name = forms.CharField(label="项目名称", max_length=300, required=False, help_text="项目支出表必填")

    def clean(self):
        data = super().clean()
        round_ = data.get("round")
        if round_ and round_.layout.kind == TargetTable.Kind.PROJECT:
            for name in ("project_code", "project_name"):
                if not (data.get(name) or "").strip():
                    self.add_error(name, "项目支出表须填写项目编码和项目名称")
        return data


class CopyStartForm(forms.Form):
    round = forms.ModelChoiceField(label="填报批次", queryset=Round.objects.none(), empty_label="请选择")
    source = forms.ModelChoiceField(
        label="复制来源（往年的表）", queryset=TargetTable.objects.none(), empty_label="请选择"
    )
    confirm = forms.BooleanField(
        label="我已了解上面列出的变化，确认复制",
        required=False,
        help_text="复制到另一表样的批次时，先列出将要变化的内容，确认后再复制",
    )

    def __init__(self, *args, sources=None, rounds=None, **kwargs):
        super().__init__(*args, **kwargs)
        # Any round may be posted (a refused pair is told why: `starting.carry_plan`), but the list offers only
        # `rounds`, those some source can be carried into (`starting.copy_rounds`).
        field = self.fields["round"]
        field.queryset = Round.objects.select_related("layout").order_by("-year", "title")
        field.choices = [("", field.empty_label), *((r.pk, f"{r} · 表样：{r.layout.name}") for r in rounds or [])]
        self.fields["source"].queryset = sources if sources is not None else TargetTable.objects.none()
        self.fields["source"].label_from_instance = lambda t: (
            f"{t.year}年 · {t.organisation.name} · {t.title}{'（' + t.project_code + '）' if t.project_code else ''}"
            f" · 表样：{t.layout.name}"
        )
        self.helper = _helper()


class ImportStartForm(_RoundOrgForm):
    file = forms.FileField(
        label="文件",
        help_text="交换格式 JSON、本系统导出的 Excel，或各省表样的 Excel（.xlsx）、Word（.docx）、PDF、文本（.txt）",
    )


class PasteStartForm(_RoundOrgForm):
    text = forms.CharField(
        label="粘贴的整张表",
        widget=forms.Textarea(attrs={"rows": 12, "class": "font-monospace", "spellcheck": "false"}),
        help_text="从 Excel、WPS、Word 或 PDF 中全选复制整张表后粘贴到这里",
    )
    confirm = forms.BooleanField(label="忽略上面列出的无法识别的内容，继续导入", required=False)


# ---------------------------------------------------------------- the header steps


class MarkedField(forms.CharField):
    """A header line the layout marks required: the form shows the mark, yet saves it empty (every
    change autosaves the whole step); the checks report it missing (`header.required`)."""

    def validate(self, value):
        if value not in self.empty_values:
            super().validate(value)


# Header lines another step edits (绩效目标), and the organisation's own code (from the organisation).
_GOAL_LINES = ("mission", "goal", "long_term_goal")
_PROJECT_LINES = ("project_code", "project_name", "project_purpose")
# The header lines stored as the table's own text fields.
HEADER_LINE_FIELDS = tuple(
    key for key in HEADER_FIELDS if key not in ("organization", "organization_code", *_GOAL_LINES)
)
# The label of the organisation select where the layout keeps the default wording.
_ORGANISATION_LABEL = "部门（单位）"


class BasicForm(forms.Form):
    """Step 1 基本信息: the unit, the round and the title, then the layout's header lines in its order,
    with its labels and required marks, and its footer lines (填表人, 联系电话, 填报日期, 单位负责人).

    A project table always has its 项目编码/项目名称/资金用途 (they name it); a layout without header
    lines shows what the editor showed before layouts had them.
    """

    organisation = forms.ModelChoiceField(label="部门（单位）", queryset=Organisation.objects.none(), empty_label=None)
    round = forms.ModelChoiceField(label="填报批次", queryset=Round.objects.none(), empty_label=None)
    title = forms.CharField(label="表名", max_length=300)
    project_code = forms.CharField(label="项目编码", max_length=60)
    project_name = forms.CharField(label="项目名称", max_length=300)
    project_purpose = forms.CharField(label="资金用途", widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args, table: TargetTable, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.table = table
        self.fields["organisation"].queryset = organisations
        self.fields["round"].queryset = Round.objects.filter(layout__kind=table.kind).order_by("-year", "title")
        project = table.kind == TargetTable.Kind.PROJECT
        if not project:
            for name in _PROJECT_LINES:
                del self.fields[name]
        names: list[str] = []
        for line in header_lines({"header": table.layout.header}):
            names += self._add_line(line, project)
        if "organisation" not in names:
            names[:0] = ["organisation", "round", "title"]
        names += [name for name in _PROJECT_LINES if project and name not in names]
        items = [_field_with_findings(n, _FINDING_FIELD.get(n, n)) for n in names]
        footer = [
            self._add_text(line["key"], line["label"], False) for line in footer_lines({"footer": table.layout.footer})
        ]
        if footer:
            items.append(HTML('<h3 class="h6 mt-3">填报信息</h3>'))
            items += [_field_with_findings(n) for n in footer]
        self.model_fields = tuple(
            "organisation_id" if n == "organisation" else "round_id" if n == "round" else n
            for n in names + footer
            if n != "organization_code"
        )
        self.helper = _helper(*items)

    def _add_line(self, line: dict, project: bool) -> list[str]:
        """The field names one header line puts on the form."""
        key, label = line["key"], line["label"]
        if key == "organization":
            if label != HEADER_FIELDS["organization"]:
                self.fields["organisation"].label = label
            return ["organisation", "round", "title"]
        if key in _GOAL_LINES:
            return []
        if key in _PROJECT_LINES and project:
            self.fields[key].label = label
            return [key]
        if key == "organization_code":  # the organisation's code: shown, chosen with the organisation
            self.fields[key] = forms.CharField(label=label, required=False, disabled=True)
            self.initial[key] = self.table.organisation.code
            return [key]
        return [self._add_text(key, label, line["required"])]

    def _add_text(self, key: str, label: str, required: bool) -> str:
        model_field = TargetTable._meta.get_field(key)
        if isinstance(model_field, models.TextField):
            field = (MarkedField if required else forms.CharField)(
                label=label, required=required, widget=forms.Textarea(attrs={"rows": 3})
            )
        else:
            field = (MarkedField if required else forms.CharField)(
                label=label, required=required, max_length=model_field.max_length
            )
        self.fields[key] = field
        return key

    @classmethod
    def initial_for(cls, table: TargetTable) -> dict:
        initial = {"organisation": table.organisation_id, "round": table.round_id, "title": table.title}
        names = set(_PROJECT_LINES) | set(HEADER_LINE_FIELDS) | set(FOOTER_FIELDS)
        return initial | {name: getattr(table, name) for name in names}

    def clean(self):
        data = super().clean()
        org, round_ = data.get("organisation"), data.get("round")
        if org and round_:
            code = (data.get("project_code") or "").strip() if "project_code" in data else self.table.project_code
            name = (data.get("project_name") or "").strip() if "project_name" in data else self.table.project_name
            lookup = table_lookup(self.table.kind, code, name)  # a project by its code, or without one by its name
            qs = TargetTable.objects.filter(organisation=org, year=round_.year, **lookup).exclude(pk=self.table.pk)
            if qs.exists():
                raise ValidationError(f"{org.name}{round_.year}年已有这张表，不能重复。")
        return data

    def model_values(self) -> dict:
        data = self.cleaned_data
        values = {
            "organisation_id": data["organisation"].pk,
            "round_id": data["round"].pk,
            "year": data["round"].year,
            "layout_id": data["round"].layout_id,
        }
        for name in self.model_fields:
            if name not in values:
                values[name] = (data.get(name) or "").strip()
        return values


_FINDING_FIELD = {"organisation": "organization"}


class BudgetForm(forms.Form):
    """Step 2's summary fields: the layout's 预算情况 keys and the 资金支出计划."""

    def __init__(self, *args, table: TargetTable, **kwargs):
        super().__init__(*args, **kwargs)
        layout = table.layout
        labels = layout.budget_labels()
        names = []
        for key in layout.budget_keys:
            name = f"budget_{key}"
            self.fields[name] = AmountFormField(
                label=f"{labels[key]}（万元）" if "万元" not in labels[key] else labels[key]
            )
            self.fields[name].widget.attrs.update({"inputmode": "decimal", "class": "text-end"})
            names.append(name)
        if layout.has("spending_plan"):
            for month in TargetTable.PLAN_MONTHS:
                name = f"plan_{month}"
                self.fields[name] = PercentFormField(label=f"{int(month)}月底累计支出（%）")
                self.fields[name].widget.attrs.update({"inputmode": "decimal", "class": "text-end"})
                names.append(name)
        self.model_fields = tuple(names)
        layout_items = [_field_with_findings(n) for n in names if n.startswith("budget_")]
        if layout.has("spending_plan"):
            layout_items.append(
                Div(
                    HTML('<p class="form-label mb-1">资金支出计划（累计%）</p>'),
                    Div(*[Div(Field(f"plan_{m}"), css_class="col") for m in TargetTable.PLAN_MONTHS], css_class="row"),
                    HTML('<ul class="field-findings list-unstyled small" data-target="field-spending_plan"></ul>'),
                    css_id="field-spending_plan",
                )
            )
        self.helper = _helper(*layout_items)

    @classmethod
    def initial_for(cls, table: TargetTable) -> dict:
        initial = {f"budget_{k}": getattr(table, f"budget_{k}") for k in TargetTable.BUDGET_KEYS}
        initial.update({f"plan_{m}": getattr(table, f"plan_{m}") for m in TargetTable.PLAN_MONTHS})
        return initial

    def model_values(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in self.model_fields}


class GoalsForm(forms.Form):
    """Step 3 绩效目标: 年度履职目标, 中期（长期）目标 and the goal text, where the layout has them,
    under the layout's header labels."""

    mission = forms.CharField(label="年度履职目标", widget=forms.Textarea(attrs={"rows": 5}), required=False)
    long_term_goal = forms.CharField(label="中期目标", widget=forms.Textarea(attrs={"rows": 6}), required=False)
    goal = forms.CharField(label="年度总体目标", widget=forms.Textarea(attrs={"rows": 10}), required=False)

    def __init__(self, *args, table: TargetTable, **kwargs):
        super().__init__(*args, **kwargs)
        layout = table.layout
        labels = {line["key"]: line["label"] for line in header_lines({"header": layout.header})}
        names = []
        if layout.has("mission") or table.mission:
            names.append("mission")
        else:
            del self.fields["mission"]
        if layout.has("long_term_goal") or "long_term_goal" in labels or table.long_term_goal:
            names.append("long_term_goal")
        else:
            del self.fields["long_term_goal"]
        if layout.has("goal") or table.goal or not names:
            names.append("goal")
            if table.kind == TargetTable.Kind.PROJECT:
                self.fields["goal"].label = "绩效目标"
                self.fields["goal"].help_text = "分条填写，每条一行"
        else:
            del self.fields["goal"]
        for name in names:
            if name in labels:
                self.fields[name].label = labels[name]
        self.model_fields = tuple(names)
        self.helper = _helper(*[_field_with_findings(n) for n in names])

    @classmethod
    def initial_for(cls, table: TargetTable) -> dict:
        return {name: getattr(table, name) or "" for name in _GOAL_LINES}

    def model_values(self) -> dict:
        return {name: (self.cleaned_data.get(name) or "").strip() or None for name in self.model_fields}


# ---------------------------------------------------------------- row cells


class TaskRowForm(forms.Form):
    """A 年度主要任务 row. A plain form: saved as typed, the checks report what is missing."""

    name = forms.CharField(label="任务名称", max_length=300, required=False)
    content = forms.CharField(label="主要内容", required=False, widget=forms.Textarea)
    total = AmountFormField(label="总额（万元）")
    fiscal = AmountFormField(label="财政拨款（万元）")
    other = AmountFormField(label="其他资金（万元）")

    def __init__(self, *args, with_amounts: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if not with_amounts:
            for name in ("total", "fiscal", "other"):
                del self.fields[name]


def _choices(values) -> list[tuple[str, str]]:
    return [("", "")] + [(v, v) for v in values]


COMPARATOR_CHOICES = _choices(record.COMPARATORS)
VALUE_TYPE_CHOICES = _choices(record.VALUE_TYPES)
DIRECTION_CHOICES = _choices(record.DIRECTIONS)
CORE_CHOICES = [("", ""), ("是", "是"), ("否", "否")]


class RecordNumberField(forms.CharField):
    """目标值 / 分值 as typed; refused when it is not a number (`10分`, `1,000` are)."""

    def __init__(self, *, weight: bool = False, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 40)
        super().__init__(**kwargs)
        self.weight = weight

    def validate(self, value):
        super().validate(value)
        number = record.read_weight(value) if self.weight else record.join_value("", value, "")
        if value and number in (None, ""):
            raise ValidationError("应为数字", code="invalid")


class IndicatorRowForm(forms.Form):
    """An indicator row; only the layout's columns are edited (others are left as stored)."""

    level1 = forms.CharField(label="一级指标", max_length=100, required=False)
    level2 = forms.CharField(label="二级指标", max_length=100, required=False)
    level3 = forms.CharField(label="三级指标", max_length=300, required=False)
    description = forms.CharField(label="绩效指标描述", required=False, widget=forms.Textarea)
    value = forms.CharField(label="指标值", max_length=300, required=False, strip=False)
    basis = forms.CharField(label="指标值确定依据", max_length=300, required=False)
    note = forms.CharField(label="指标值说明", required=False, widget=forms.Textarea)
    # The full record (indicators/record.py); the grid posts the ones its layout prints.
    comparator = forms.ChoiceField(label="计算符号", choices=COMPARATOR_CHOICES, required=False)
    number = RecordNumberField(label="目标值")
    unit = forms.CharField(label="计量单位", max_length=40, required=False)
    value_type = forms.ChoiceField(label="指标值类型", choices=VALUE_TYPE_CHOICES, required=False)
    direction = forms.ChoiceField(label="指标方向", choices=DIRECTION_CHOICES, required=False)
    weight = RecordNumberField(label="分值", weight=True)
    explanation = forms.CharField(label="指标解释", required=False, widget=forms.Textarea)
    scoring = forms.CharField(label="评（扣）分标准", required=False, widget=forms.Textarea)
    core = forms.ChoiceField(label="是否核心指标", choices=CORE_CHOICES, required=False)

    def __init__(self, *args, columns: list[str], labels: dict[str, str] | None = None, **kwargs):
        # A form copies its base fields: only the layout's, rather than all sixteen then dropping most.
        self.base_fields = _indicator_row_fields(tuple(columns))
        super().__init__(*args, **kwargs)
        for name, label in (labels or {}).items():  # the form's own words, in the error messages
            if name in self.fields:
                self.fields[name].label = label


@cache
def _indicator_row_fields(columns: tuple[str, ...]) -> dict[str, forms.Field]:
    """The fields of `IndicatorRowForm` a layout's grid posts: its columns, and the three levels always."""
    kept = {*columns, "level1", "level2", "level3"}
    return {name: field for name, field in IndicatorRowForm.base_fields.items() if name in kept}


class PasteRowsForm(forms.Form):
    text = forms.CharField(
        label="粘贴的行",
        widget=forms.Textarea(attrs={"rows": 6, "class": "font-monospace", "spellcheck": "false"}),
        help_text="从 Excel、WPS 或 Word 复制若干行（可含表头、可有合并单元格留下的空格）",
    )
    after = forms.IntegerField(label="插入到此行之后", required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper()
