"""The monitoring pages: the bureau opens a round and lists its forms; units see only their own forms."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tables.models import MonitoringForm, MonitoringRound, TargetTable
from tables.monitoring import lights
from tests.monitoring.test_rounds import approve

pytestmark = pytest.mark.django_db

OPEN = {
    "year": "2026",
    "month": "7",
    "scope": "self",
    "deadline": "2026-08-10",
    "reminder_days": "5",
    "preset": "default",
    "reasons": "经费保障\n制度保障\n其他",
    "tables": "",
}


@pytest.fixture
def approved(world):
    approve(world.table_a, world.filler_a, world.reviewer_a)
    approve(world.table_b, world.filler_b, world.reviewer_b)


def test_the_bureau_opens_a_round_and_sees_its_forms(client, world, approved):
    client.force_login(world.admin)
    response = client.post(reverse("monitoring-round-new"), {**OPEN, "preset": "sichuan-2025"})
    round_ = MonitoringRound.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("monitoring-round", args=[round_.pk])
    assert round_.rules() == lights.SICHUAN_2025 and round_.reasons == ["经费保障", "制度保障", "其他"]
    page = client.get(response["Location"])
    html = page.content.decode()
    assert "已开启2026年1–7月绩效运行监控（部门自行监控），新增 2 张监控表。" in html
    assert "部门A" in html and "部门B" in html and "监控表 2 张" in html
    assert "四川省2025年" in html
    assert [f.row_count for f in page.context["page"]] == [4, 4]
    home = client.get(reverse("monitoring-home")).content.decode()
    assert "2026年1–7月" in home


def test_key_monitoring_takes_tables_by_code_and_names_a_code_it_cannot_find(client, world, approved):
    client.force_login(world.admin)
    response = client.post(reverse("monitoring-round-new"), {**OPEN, "scope": "key", "tables": "200\n\nX9"})
    assert response.status_code == 422
    assert "以下编码没有2026年已批复的绩效目标表：第 3 行“X9”" in response.content.decode()
    assert not MonitoringRound.objects.exists()
    response = client.post(reverse("monitoring-round-new"), {**OPEN, "scope": "key", "tables": "200"})
    assert response.status_code == 302
    assert list(MonitoringForm.objects.values_list("table_id", flat=True)) == [world.table_b.pk]


def test_key_monitoring_without_tables_is_refused(client, world, approved):
    client.force_login(world.admin)
    response = client.post(reverse("monitoring-round-new"), {**OPEN, "scope": "key"})
    assert response.status_code == 422 and "至少一个项目编码或部门编码" in response.content.decode()


def test_a_unit_sees_only_its_own_forms(client, world, approved):
    client.force_login(world.admin)
    client.post(reverse("monitoring-round-new"), OPEN)
    client.force_login(world.filler_a)
    html = client.get(reverse("monitoring-home")).content.decode()
    assert "部门A" in html and "部门B" not in html
    client.force_login(world.reviewer_b)
    html = client.get(reverse("monitoring-home")).content.decode()
    assert "部门B" in html and "部门A" not in html


def test_refreshing_a_round_adds_the_tables_approved_since(client, world, approved):
    client.force_login(world.admin)
    client.post(reverse("monitoring-round-new"), OPEN)
    round_ = MonitoringRound.objects.get()
    TargetTable.objects.filter(pk=world.table_unit_a.pk).update(status=TargetTable.Status.APPROVED)
    response = client.post(reverse("monitoring-round-refresh", args=[round_.pk]), follow=True)
    assert "新增 1 张监控表" in response.content.decode()
    assert round_.forms.count() == 3


def test_the_round_page_reads_a_fixed_number_of_queries(client, world, approved, django_assert_num_queries):
    client.force_login(world.admin)
    client.post(reverse("monitoring-round-new"), OPEN)
    round_ = MonitoringRound.objects.get()
    url = reverse("monitoring-round", args=[round_.pk])
    client.get(url)
    # session, user, roles, the round, the light counts, the page count, the unread notifications of the
    # menu, the page's forms with their rows counted
    with django_assert_num_queries(8):
        assert client.get(url).status_code == 200
