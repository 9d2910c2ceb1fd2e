"""Forms of the editor: starting a table, the header steps, and the row cells (all labelled in Chinese)."""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Div, Field, Layout
from django import forms
from django.core.exceptions import ValidationError

from tables.fields import format_amount, parse_amount
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

    def __init__(self, *args, sources=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["round"].queryset = Round.objects.select_related("layout").order_by("-year", "title")
        self.fields["source"].queryset = sources if sources is not None else TargetTable.objects.none()
        self.fields["source"].label_from_instance = lambda t: (
            f"{t.year}年 · {t.organisation.name} · {t.title}{'（' + t.project_code + '）' if t.project_code else ''}"
        )
        self.helper = _helper()

    def clean(self):
        data = super().clean()
        round_, source = data.get("round"), data.get("source")
        if round_ and source:
            if source.year >= round_.year:
                self.add_error("source", "请选择往年的表（年度早于所选批次）")
            elif source.kind != round_.layout.kind:
                self.add_error("source", f"所选批次是{round_.layout.get_kind_display()}表，来源表类型不符")
        return data


class ImportStartForm(_RoundOrgForm):
    file = forms.FileField(label="文件", help_text="交换格式 JSON（target-table/1）；官方 xlsx 或 txt 文本亦可")


class PasteStartForm(_RoundOrgForm):
    text = forms.CharField(
        label="粘贴的整张表",
        widget=forms.Textarea(attrs={"rows": 12, "class": "font-monospace", "spellcheck": "false"}),
        help_text="从 Excel、WPS、Word 或 PDF 中全选复制整张表后粘贴到这里",
    )
    confirm = forms.BooleanField(label="忽略上面列出的无法识别的内容，继续导入", required=False)


# ---------------------------------------------------------------- the header steps


class BasicForm(forms.Form):
    """Step 1 基本信息."""

    organisation = forms.ModelChoiceField(label="部门（单位）", queryset=Organisation.objects.none(), empty_label=None)
    round = forms.ModelChoiceField(label="填报批次", queryset=Round.objects.none(), empty_label=None)
    title = forms.CharField(label="表名", max_length=300)
    project_code = forms.CharField(label="项目编码", max_length=60)
    project_name = forms.CharField(label="项目名称", max_length=300)
    project_purpose = forms.CharField(label="资金用途", widget=forms.Textarea(attrs={"rows": 3}), required=False)

    # Model attributes the form edits (the fingerprint of what the user saw).
    FIELDS_DEPARTMENT = ("organisation_id", "round_id", "title")
    FIELDS_PROJECT = ("organisation_id", "round_id", "title", "project_code", "project_name", "project_purpose")

    def __init__(self, *args, table: TargetTable, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.table = table
        self.fields["organisation"].queryset = organisations
        self.fields["round"].queryset = Round.objects.filter(layout__kind=table.kind).order_by("-year", "title")
        names = ["organisation", "round", "title"]
        if table.kind != TargetTable.Kind.PROJECT:
            for name in ("project_code", "project_name", "project_purpose"):
                del self.fields[name]
        else:
            names += ["project_code", "project_name", "project_purpose"]
        self.helper = _helper(*[_field_with_findings(n, _FINDING_FIELD.get(n, n)) for n in names])

    @property
    def model_fields(self) -> tuple[str, ...]:
        return self.FIELDS_PROJECT if self.table.kind == TargetTable.Kind.PROJECT else self.FIELDS_DEPARTMENT

    @classmethod
    def initial_for(cls, table: TargetTable) -> dict:
        return {
            "organisation": table.organisation_id,
            "round": table.round_id,
            "title": table.title,
            "project_code": table.project_code,
            "project_name": table.project_name,
            "project_purpose": table.project_purpose,
        }

    def clean(self):
        data = super().clean()
        org, round_ = data.get("organisation"), data.get("round")
        if org and round_:
            qs = TargetTable.objects.filter(organisation=org, year=round_.year, kind=self.table.kind).exclude(
                pk=self.table.pk
            )
            if self.table.kind == TargetTable.Kind.PROJECT:
                qs = qs.filter(project_code=(data.get("project_code") or "").strip())
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
            "title": data["title"].strip(),
        }
        if self.table.kind == TargetTable.Kind.PROJECT:
            values.update(
                project_code=data["project_code"].strip(),
                project_name=data["project_name"].strip(),
                project_purpose=(data.get("project_purpose") or "").strip(),
            )
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
    """Step 3 绩效目标: 年度履职目标 (where the layout has it) and the goal text."""

    mission = forms.CharField(label="年度履职目标", widget=forms.Textarea(attrs={"rows": 5}), required=False)
    goal = forms.CharField(label="年度总体目标", widget=forms.Textarea(attrs={"rows": 10}), required=False)

    def __init__(self, *args, table: TargetTable, **kwargs):
        super().__init__(*args, **kwargs)
        layout = table.layout
        names = []
        if layout.has("mission") or table.mission:
            names.append("mission")
        else:
            del self.fields["mission"]
        if layout.has("goal") or table.goal or not names:
            names.append("goal")
            if table.kind == TargetTable.Kind.PROJECT:
                self.fields["goal"].label = "绩效目标"
                self.fields["goal"].help_text = "分条填写，每条一行"
        else:
            del self.fields["goal"]
        self.model_fields = tuple(names)
        self.helper = _helper(*[_field_with_findings(n) for n in names])

    @classmethod
    def initial_for(cls, table: TargetTable) -> dict:
        return {"mission": table.mission or "", "goal": table.goal or ""}

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


class IndicatorRowForm(forms.Form):
    """An indicator row; only the layout's columns are edited (others are left as stored)."""

    level1 = forms.CharField(label="一级指标", max_length=100, required=False)
    level2 = forms.CharField(label="二级指标", max_length=100, required=False)
    level3 = forms.CharField(label="三级指标", max_length=300, required=False)
    description = forms.CharField(label="绩效指标描述", required=False, widget=forms.Textarea)
    value = forms.CharField(label="指标值", max_length=300, required=False, strip=False)
    basis = forms.CharField(label="指标值确定依据", max_length=300, required=False)
    note = forms.CharField(label="指标值说明", required=False, widget=forms.Textarea)

    def __init__(self, *args, columns: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        for name in list(self.fields):
            if name not in columns and name not in ("level1", "level2", "level3", "value"):
                del self.fields[name]


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
