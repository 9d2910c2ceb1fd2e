"""累计型 / 时点型 per indicator: its own, else the library entry's, else by name and unit (one rule)."""

from __future__ import annotations

import pytest

from indicators.catalog import accumulations
from indicators.models import CatalogEntry

pytestmark = pytest.mark.django_db


def test_an_indicators_own_accumulation_wins_then_the_librarys_then_the_name():
    CatalogEntry.objects.create(
        level1="产出指标", level2="数量指标", level3="在校学生人数", accumulation="时点型", origin="starter"
    )
    CatalogEntry.objects.create(
        level1="产出指标", level2="质量指标", level3="设备完好率", accumulation="累计型", origin="starter"
    )
    rows = [
        {"level2": "数量指标", "level3": "培训人次", "unit": "人次", "accumulation": "时点型"},  # set by a person
        {"level2": "数量指标", "level3": "在校学生人数", "unit": "人", "accumulation": ""},  # the library's
        {"level2": "质量指标", "level3": "设备完好率", "unit": "%", "accumulation": ""},  # the library's, not the %
        {"level2": "数量指标", "level3": "培训人次", "unit": "人次", "accumulation": ""},  # by name
        {"level2": "满意度指标", "level3": "服务对象满意度", "unit": "%", "accumulation": ""},
    ]
    assert accumulations(rows) == ["时点型", "时点型", "累计型", "累计型", "时点型"]


def test_a_retired_library_entry_no_longer_decides(django_assert_num_queries):
    from django.utils import timezone

    CatalogEntry.objects.create(
        level1="产出指标", level2="数量指标", level3="在校学生人数", accumulation="时点型", retired_at=timezone.now()
    )
    with django_assert_num_queries(1):  # the library entries of these names
        assert accumulations([{"level2": "数量指标", "level3": "在校学生人数", "unit": "人"}]) == ["累计型"]
