"""The library pages' forms: a workbook's upload and the name of the edition it becomes."""

from __future__ import annotations

from django import forms


class UploadForm(forms.Form):
    file = forms.FileField(label="指标库工作簿（.xlsx）", help_text="各省发布的指标库 Excel/WPS 工作簿，按列名识别")


class ConfirmForm(forms.Form):
    name = forms.CharField(label="版本名称", max_length=200, help_text="例：某省预算绩效指标库（2025年版）")
