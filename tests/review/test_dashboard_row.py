"""The dashboard's row is built in Python for speed (tables.review.views.dashboard._dashboard_row):
it must stay the HTML its template, `review/dashboard_department.html#dashboard-row`, draws."""

from __future__ import annotations

import pytest
from django.template.loader import render_to_string

from tables.models import Organisation
from tables.review.views.dashboard import _dashboard_row

QUEUE_URL = "/review/?round=3&organisation="
PARENT = Organisation(pk=1, code="01", name="主管<局>&'\"")


def _row(code, parent, statuses):
    organisation = Organisation(pk=7, code=code, name="部门\"<b>'&", parent=parent)
    total = sum(statuses)
    return {"organisation": organisation, "statuses": statuses, "total": total, "not_started": total == 0,
            "percent": 33 if total else 0}  # fmt: skip


@pytest.mark.parametrize("code", ["", "001", "a<b>&"])
@pytest.mark.parametrize("parent", [None, PARENT])
@pytest.mark.parametrize("statuses", [[0, 0, 0, 0, 0, 0], [1, 0, 2, 0, 0, 3]])
def test_the_built_dashboard_row_is_the_templates_row(code, parent, statuses):
    row = _row(code, parent, statuses)
    template = render_to_string("review/dashboard_department.html#dashboard-row", {"row": row, "queue_url": QUEUE_URL})
    assert _dashboard_row(row, QUEUE_URL) == template.strip()
    assert "<b>" not in template and "&lt;b&gt;" in template
