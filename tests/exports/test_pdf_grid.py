"""The PDF's page tables are built in Python for speed (tables.exports.pdf._grid_markup): they must
stay the markup their templates, `print/_table.html#grid-cols` and `#grid-rows`, draw."""

from __future__ import annotations

import copy
import json

import pytest
from django.template.loader import render_to_string

from tables.exports.pdf import _grid_markup, _TableView
from tables.exports.printed import build_table, layout_for
from tables.layouts import LAYOUTS_BY_CODE, infer_layout_code
from tests.conftest import EXPECTED

SEEDS = sorted(p.stem for p in EXPECTED.glob("0*.json") if "23c08299" not in p.stem)  # not the booklet


def _views(data: dict) -> list[_TableView]:
    layout = LAYOUTS_BY_CODE[infer_layout_code(data)]
    return [_TableView(build_table(data, layout_for(data, layout)), key="t0", data=data, meta=None)]


def _classes(values) -> dict[str, str]:
    """Class names in order of first use, as _grid_markup gives them."""
    names: dict[str, str] = {}
    for value in values:
        names.setdefault(value, f"{len(names)}")
    return names


@pytest.mark.parametrize("name", SEEDS)
def test_the_built_page_tables_are_the_templates(name):
    data = json.loads((EXPECTED / f"{name}.json").read_text(encoding="utf-8"))
    data = copy.deepcopy(data)
    data["indicators"][0]["level3"] = "<b>\"它\"</b> & 'x'"  # every text is escaped alike
    views = _views(data)
    css = _grid_markup(views)
    view = views[0]
    widths = _classes(view.widths)
    heights = _classes(f"{row.height:.1f}" for page in view.pages for row in page["rows"])
    cols = render_to_string("print/_table.html#grid-cols", {"cols": [f"w{widths[w]}" for w in view.widths]})
    assert view.colgroup == cols
    for page in view.pages:
        rows = [(row, f"h{heights[f'{row.height:.1f}']}") for row in page["rows"]]
        assert page["body"] == render_to_string("print/_table.html#grid-rows", {"rows": rows})
    assert "&lt;b&gt;" in view.pages[0]["body"] + "".join(p["body"] for p in view.pages[1:])
    assert css.startswith("col.w0{width:")
