"""What tables/_django.py takes from Django's ORM internals is still there, and still enough.

Each failure names the installed Django and the module that relies on the internal:
after an upgrade, adapt that module (its docstring gives the measured reason for it)
or keep the pin in requirements.txt.
"""

from __future__ import annotations

import re
from importlib.metadata import version
from pathlib import Path

import pytest
from django.db.models import prefetch_related_objects

from indicators.models import Indicator
from tables._django import set_prefetched
from tables.models import TargetTable, Task
from tests.factories import IndicatorFactory, TableFactory, TaskFactory

pytestmark = pytest.mark.django_db
REQUIREMENTS = Path(__file__).resolve().parents[1] / "requirements.txt"


def broken(what: str) -> str:
    return (
        f"Django {version('django')} is installed and {what}: tables/_django.py relies on it. "
        f"Adapt that module or go back to the version requirements.txt pins."
    )


def test_the_installed_django_is_the_version_the_adaptation_was_written_for():
    pinned = re.search(r"(?im)^django==([\w.]+)", REQUIREMENTS.read_text(encoding="utf-8"))
    assert pinned, "requirements.txt no longer pins Django=="
    assert version("django") == pinned[1], broken(f"requirements.txt pins {pinned[1]}")


def test_rows_set_as_prefetched_are_what_the_related_manager_gives_without_a_query(django_assert_num_queries):
    table = TableFactory()
    TaskFactory.create_batch(2, table=table)
    IndicatorFactory.create_batch(3, table=table)
    table = TargetTable.objects.get(pk=table.pk)
    for name, model in (("tasks", Task), ("indicators", Indicator)):
        queryset = model.objects.filter(table_id=table.pk)
        rows = sorted(queryset, key=lambda row: -row.pk)  # an order the database would not give
        set_prefetched(table, name, queryset, rows)
    with django_assert_num_queries(0, info=broken("a related manager no longer answers from the cache set")):
        tasks, indicators = list(table.tasks.all()), list(table.indicators.all())
        assert [row.pk for row in indicators] == sorted((row.pk for row in indicators), reverse=True), broken(
            "the rows come back in another order"
        )
        assert all(row.table is table for row in (*tasks, *indicators)), broken("a row's table is not the one set")
        assert table.indicators.count() == 3, broken("count() no longer reads the prefetched rows")
        prefetch_related_objects([table], "tasks", "indicators")  # recognised as done already
