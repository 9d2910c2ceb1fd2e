"""The review workflow's forms: submit, forward, return, approve, reopen, a 年中调整 request and its decision,
comment and reply."""

from __future__ import annotations

from django import forms

from tables.fields import MAX_AMOUNT_DIGITS
from tables.models import (
    ReviewDecision,
)


class SubmitForm(forms.Form):
    fingerprint = forms.CharField(widget=forms.HiddenInput, required=False)
    warning_reason = forms.CharField(
        label="提交说明（对警告的解释，审核人可见）",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class SnapshotForm(forms.Form):
    # Hidden, so its errors show beside the form's own (review/_form_errors.html): it needs a Chinese label.
    snapshot = forms.IntegerField(label="提交次序", widget=forms.HiddenInput)


class ForwardForm(SnapshotForm):
    opinion = forms.CharField(
        label="主管部门审核意见", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class ReturnForm(SnapshotForm):
    reason = forms.CharField(
        label="退回原因",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "请填写退回原因（只有空格不算）。"},
    )


PASS_CHOICES = [("1", "通过"), ("0", "不通过")]


class ApproveForm(SnapshotForm):
    opinion = forms.CharField(
        label="审核意见",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "请填写审核意见。"},
    )
    grade = forms.ChoiceField(label="评级", required=False, choices=[("", "不评级"), *ReviewDecision.Grade.choices])
    published = forms.ChoiceField(label="公开", choices=[("1", "公开"), ("0", "不公开")], initial="1")
    unpublished_reason = forms.CharField(label="不公开原因", required=False, max_length=2000)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for stem, label in ReviewDecision.CHECKLIST:
            self.fields[f"{stem}_passed"] = forms.ChoiceField(
                label=label, choices=PASS_CHOICES, widget=forms.RadioSelect
            )
            self.fields[f"{stem}_remark"] = forms.CharField(label=f"{label}说明", required=False, max_length=500)

    def clean(self):
        data = super().clean()
        if data.get("published") == "0" and not (data.get("unpublished_reason") or "").strip():
            self.add_error("unpublished_reason", "不公开时请填写原因。")
        return data

    def checklist_rows(self) -> list[tuple[str, forms.BoundField, forms.BoundField]]:
        return [(label, self[f"{stem}_passed"], self[f"{stem}_remark"]) for stem, label in ReviewDecision.CHECKLIST]

    def checklist(self) -> dict[str, tuple[bool, str]]:
        data = self.cleaned_data
        return {stem: (data[f"{stem}_passed"] == "1", data[f"{stem}_remark"]) for stem, _ in ReviewDecision.CHECKLIST}


class ReopenForm(forms.Form):
    version = forms.IntegerField(label="表版本号", widget=forms.HiddenInput)
    reason = forms.CharField(
        label="撤销批复（调整）原因",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "请填写撤销批复（调整）的原因。"},
    )


class AdjustmentRequestForm(forms.Form):
    version = forms.IntegerField(label="表版本号", widget=forms.HiddenInput)
    reason = forms.CharField(
        label="申请年中调整的理由",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "请填写申请年中调整的理由。"},
    )
    budget = forms.DecimalField(
        label="调整后的预算总额（万元）",
        required=False,
        min_value=0,
        max_digits=MAX_AMOUNT_DIGITS,
        decimal_places=6,
        help_text="预算有变化时填写；不变则留空",
    )


class AdjustmentDecisionForm(forms.Form):
    request = forms.IntegerField(label="调整申请", widget=forms.HiddenInput)
    decision = forms.ChoiceField(label="审核结果", choices=[("agree", "同意"), ("refuse", "不同意")])
    note = forms.CharField(label="审核意见（不同意时必填）", required=False, max_length=2000)

    def clean(self):
        data = super().clean()
        if data.get("decision") == "refuse" and not (data.get("note") or "").strip():
            self.add_error("note", "不同意年中调整申请时，请填写理由。")
        return data


class CommentForm(forms.Form):
    anchor = forms.ChoiceField(label="位置")
    body = forms.CharField(
        label="批注",
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "批注内容不能为空。"},
    )

    def __init__(self, *args, places=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.places = list((places or {}).values())
        self.fields["anchor"].choices = [(p.key, p.label) for p in self.places]


class ReplyForm(forms.Form):
    body = forms.CharField(
        label="回复",
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 1}),
        error_messages={"required": "回复内容不能为空。"},
    )
