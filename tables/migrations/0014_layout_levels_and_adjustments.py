"""Layouts declare which 审核意见 row prints each review level and which layouts copy into them
(issue 19); the 年中调整 request of a unit.

The shipped records that declare either (tables/layout_data/, listed in UPDATED) get the two keys
from their files; nothing else of a stored layout changes (an admin's edit of it stays).
"""

import json
from pathlib import Path

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

import tables.fields

FOLDER = Path(__file__).resolve().parent.parent / "layout_data"
UPDATED = [
    "ezhou-project-standard-expected.json",
    "hunan-project-annual-note-signoff.json",
    "anhui-project-source-period.json",
]


def declare(apps, schema_editor):
    Layout = apps.get_model("tables", "Layout")
    for name in UPDATED:
        record = json.loads((FOLDER / name).read_text(encoding="utf-8"))
        Layout.objects.filter(code=record["code"]).update(
            opinion_levels=record.get("opinion_levels", {}), compatible=record.get("compatible", [])
        )


class Migration(migrations.Migration):
    dependencies = [
        ("tables", "0013_snapshot_opened_stage"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="layout",
            name="compatible",
            field=models.JSONField(blank=True, default=list, verbose_name="可复制为本表样的表样"),
        ),
        migrations.AddField(
            model_name="layout",
            name="opinion_levels",
            field=models.JSONField(blank=True, default=dict, verbose_name="审核意见栏对应的审核级次"),
        ),
        migrations.AlterField(
            model_name="auditentry",
            name="action",
            field=models.CharField(
                choices=[
                    ("submit", "提交"),
                    ("withdraw", "撤回"),
                    ("open", "开始审核"),
                    ("forward", "审核通过并转报"),
                    ("return", "退回"),
                    ("approve", "批复"),
                    ("reopen", "撤销批复"),
                    ("change", "修改"),
                    ("adjust_request", "申请年中调整"),
                    ("adjust_decision", "审核调整申请"),
                ],
                max_length=20,
                verbose_name="操作",
            ),
        ),
        migrations.AlterField(
            model_name="notification",
            name="kind",
            field=models.CharField(
                choices=[
                    ("submitted", "已提交"),
                    ("withdrawn", "已撤回"),
                    ("forwarded", "已转报"),
                    ("returned", "已退回"),
                    ("approved", "已批复"),
                    ("reopened", "已撤销批复"),
                    ("adjustment", "年中调整申请"),
                    ("reminder", "催报提醒"),
                    ("exported", "批量导出"),
                ],
                max_length=20,
                verbose_name="类型",
            ),
        ),
        migrations.CreateModel(
            name="AdjustmentRequest",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("revision", models.PositiveIntegerField(verbose_name="申请时的批复版次")),
                ("reason", models.TextField(verbose_name="调整理由")),
                ("budget", tables.fields.AmountField(blank=True, null=True, verbose_name="调整后的预算总额（万元）")),
                ("requested_at", models.DateTimeField(default=django.utils.timezone.now, verbose_name="申请时间")),
                (
                    "stage",
                    models.CharField(
                        choices=[("department", "主管部门审核"), ("finance", "财政审核")],
                        default="finance",
                        max_length=20,
                        verbose_name="审核环节",
                    ),
                ),
                (
                    "outcome",
                    models.CharField(
                        choices=[("pending", "审核中"), ("granted", "已同意"), ("refused", "未同意")],
                        default="pending",
                        max_length=20,
                        verbose_name="结果",
                    ),
                ),
                ("department_at", models.DateTimeField(blank=True, null=True, verbose_name="主管部门审核时间")),
                ("department_note", models.TextField(blank=True, default="", verbose_name="主管部门意见")),
                ("decided_at", models.DateTimeField(blank=True, null=True, verbose_name="决定时间")),
                ("decision_note", models.TextField(blank=True, default="", verbose_name="决定意见")),
                (
                    "decided_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="决定人",
                    ),
                ),
                (
                    "department_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="主管部门审核人",
                    ),
                ),
                (
                    "requested_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="申请人",
                    ),
                ),
                (
                    "table",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="adjustment_requests",
                        to="tables.targettable",
                        verbose_name="绩效目标表",
                    ),
                ),
            ],
            options={
                "verbose_name": "年中调整申请",
                "verbose_name_plural": "年中调整申请",
                "ordering": ["requested_at", "id"],
                "constraints": [
                    models.UniqueConstraint(
                        condition=models.Q(("outcome", "pending")),
                        fields=("table",),
                        name="tables_adjustment_one_pending_per_table",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("reason", ""), _negated=True), name="tables_adjustment_has_reason"
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("outcome", "refused"), _negated=True),
                            models.Q(("decision_note", ""), _negated=True),
                            _connector="OR",
                        ),
                        name="tables_adjustment_refusal_has_reason",
                    ),
                ],
            },
        ),
        migrations.RunPython(declare, migrations.RunPython.noop),
    ]
