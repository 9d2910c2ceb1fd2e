"""The grid's indicator row is built in Python for speed (tables.editor.display._indicator_row):
it must stay the HTML its template, `editor/step_indicators.html#indicator-row`, draws."""

from __future__ import annotations

import re

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory

from tables.access import load_table
from tables.editor.context import _step_context
from tables.editor.display import findings_data, findings_html, grid_indicators
from tables.editor.steps import FindingView
from tables.imports.exchange import attach_rows
from tables.models import TargetTable
from tables.review import comments, workflow
from tests.factories import IndicatorFactory, TableFactory, layout

pytestmark = pytest.mark.django_db

HOSTILE = "<b>\"它\"</b> & 'x'"


def normalised(html: str) -> str:
    """Whitespace between tags and inside them is layout, not content."""
    html = re.sub(r"\s+", " ", html)
    return re.sub(r"\s+>", ">", re.sub(r">\s+<", "><", html)).strip()


def _grid(table: TargetTable, user, *, can_edit: bool, role: str, as_values: bool = False) -> tuple[dict, object]:
    """Step 4's context; `as_values`: its indicators read as the step's page reads them (`grid_indicators`)."""
    request = RequestFactory().get("/")
    request.user = user
    table = load_table(table.pk, full=not as_values)
    table.editor_role = role
    if not as_values:
        return _step_context(request, table, can_edit, "indicators"), request
    attach_rows(table, indicators=False)
    return _step_context(request, table, can_edit, "indicators", indicator_rows=grid_indicators(table)), request


def _table(world, code: str) -> TargetTable:
    table = TableFactory(organisation=world.org_a, year=2028, layout=layout(code))
    rows = [
        {"level3": HOSTILE, "value": "≥95%", "description": HOSTILE, "basis": "计划标准", "note": HOSTILE},
        {"level3": "系统故障率", "value": "*", "level1": "", "level2": ""},
        {"level3": "", "value": ""},
        {"level3": "自定义", "value": "≤5%", "level1": "不在体系内", "level2": "也不在"},
        {"level3": "满意度", "value": "100人"},
        # The full record's columns, where a layout prints them (issue 13).
        {
            "level3": "故障率",
            "value": "≤5%",
            "comparator": "≤",
            "number": 5,
            "unit": "%",
            "value_type": "定量",
            "direction": "反向",
            "weight": 5,
            "core": False,
            "explanation": HOSTILE,
            "scoring": HOSTILE,
            "period": "long_term",
        },
        {"level3": "另一个", "value": "优", "comparator": "定性", "unit": HOSTILE, "direction": "侧向", "core": True},
    ]
    for position, values in enumerate(rows, start=1):
        IndicatorFactory(table=table, position=position, **values)
    previous = TableFactory(
        organisation=world.org_a, year=2027, layout=layout(code), status=TargetTable.Status.APPROVED
    )
    IndicatorFactory(table=previous, position=1, level3="系统故障率", value="≤<6>%")
    return table


CODES = [
    "xinjiang-2022-dept",
    "henan-2023-dept",
    "hebei-2023-project",
    # Split columns (指标性质 | 指标值 | 计量单位, no value column), every record column, 中期 beside 年度.
    "chongqing-project-split-unit-sign",
    "national2021-project-score",
    "jiangxi-dept-split-sign-target-unit",
    "dept-overall-explanation-scoring",
    "hubei-88-project-midterm",
]


@pytest.mark.parametrize("code", CODES)
@pytest.mark.parametrize(("can_edit", "role"), [(True, "filler"), (False, "reviewer"), (True, "admin")])
def test_the_built_indicator_row_is_the_templates_row(world, code, can_edit, role):
    table = _table(world, code)
    context, request = _grid(table, world.admin, can_edit=can_edit, role=role)
    rows = context["rows"]
    assert any(row.findings for row in rows) and any(row.last for row in rows)
    for row in rows:
        template = render_to_string("editor/step_indicators.html#indicator-row", {**context, "row": row}, request)
        assert normalised(row.html) == normalised(template)


@pytest.mark.parametrize("code", CODES)
def test_the_grid_read_as_values_is_the_grid_of_the_model_instances(world, code):
    # The step's page draws and checks its indicators as `GridIndicator`s; every other draw (a row's
    # reload, a move, an undo) from model instances. Both give the same rows, groups and findings.
    table = _table(world, code)
    as_models, request = _grid(table, world.filler_a, can_edit=True, role="filler")
    as_values, _ = _grid(table, world.filler_a, can_edit=True, role="filler", as_values=True)

    def drawn(context: dict) -> list:
        return [(r.dom, r.base, r.html, r.group, r.group_size, r.group_vals, r.findings) for r in context["rows"]]

    assert drawn(as_values) == drawn(as_models) and any(r.findings for r in as_values["rows"])
    assert as_values["findings"] == as_models["findings"]
    assert [s.state for s in as_values["steps"]] == [s.state for s in as_models["steps"]]
    grid = render_to_string("editor/step_indicators.html#grid", as_values, request)
    assert grid == render_to_string("editor/step_indicators.html#grid", as_models, request)


def test_a_row_with_comments_is_drawn_alike_with_its_badge(world):
    table = world.table_a
    row = table.indicators.order_by("position").first()
    snapshot = workflow.submit(table, world.filler_a)
    comments.add_comment(table, world.reviewer_a, anchor=f"indicator:{row.pk}", body="请核实")
    workflow.return_table(table, world.reviewer_a, snapshot_number=snapshot.number, reason="请修改")
    context, request = _grid(table, world.filler_a, can_edit=True, role="filler")
    [commented] = [view for view in context["rows"] if view.threads]
    template = render_to_string("editor/step_indicators.html#indicator-row", {**context, "row": commented}, request)
    assert "comment-badge" in commented.html and "批注 1" in commented.html
    assert normalised(commented.html) == normalised(template)


def test_the_built_finding_lists_are_the_templates():
    findings = [
        FindingView("x", "error", HOSTILE, "indicators", "ind-1", "#"),
        FindingView("y", "warning", "请填写", "indicators", "ind-1", "#"),
        FindingView("z", "info", "提示", "basic", "field-title", "#"),
    ]
    for target, found in (("ind-1", findings[:2]), ("field-title", findings[2:]), ("ind-2", [])):
        template = render_to_string("editor/parts.html#row-findings", {"target": target, "findings": found})
        assert findings_html(target, found) == template
    data = render_to_string("editor/parts.html#findings-data", {"findings_data": findings_data(findings)})
    assert data.count("<ul ") == 2 and "&lt;b&gt;" in data and "<b>" not in data
