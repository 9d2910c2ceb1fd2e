"""The names of the budget keys: one function, for the stored layout, its dict form and the checks."""

from __future__ import annotations

import pytest

from tables.checking import shipped_layout
from tables.layouts import BUDGET_LABELS, LAYOUTS_BY_CODE, budget_labels, layout_as_dict
from tables.models import Layout


def test_a_layouts_own_names_override_the_defaults_and_the_rest_keep_theirs():
    labels = budget_labels(LAYOUTS_BY_CODE["hebei-2023-project"])
    assert labels["total"] == "预算数" and labels["fiscal"] == "财政资金"
    assert labels["basic"] == BUDGET_LABELS["basic"]
    assert budget_labels(LAYOUTS_BY_CODE["xinjiang-2022-dept"]) == BUDGET_LABELS


def test_a_layout_without_options_has_the_default_names():
    assert budget_labels({"code": "x"}) == BUDGET_LABELS


@pytest.mark.django_db
def test_the_stored_layout_its_dict_and_the_shipped_layout_name_the_keys_alike():
    stored = Layout.objects.get(code="henan-2023-dept")
    expected = budget_labels(LAYOUTS_BY_CODE["henan-2023-dept"])
    assert stored.budget_labels() == expected
    assert layout_as_dict(stored)["options"]["budget_labels"] == expected
    layout, _, _ = shipped_layout("henan-2023-dept")
    assert layout["options"]["budget_labels"] == expected
    # The shipped layouts themselves are left as they are.
    assert LAYOUTS_BY_CODE["xinjiang-2022-dept"]["options"]["budget_labels"] == {}
