"""A bulk export says what it holds: the zip's name and the job page name the round and the states,
and the time is local (TIME_ZONE), as the pages show it (issue 19)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from tables.models import ExportJob, Round
from tests.factories import layout
from tests.test_rough_edges import filename_of

pytestmark = pytest.mark.django_db


def test_the_zip_and_the_job_page_name_the_round_the_states_and_the_local_time(client, world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    assert settings.TIME_ZONE == "Asia/Shanghai"  # the project's setting (UTC+8)
    round_ = Round.objects.create(year=2026, title="2026年预算", layout=layout())
    job = ExportJob.objects.create(
        created_by=world.admin,
        round=round_,
        filters={"statuses": ["approved", "submitted"], "kind": "department", "organisation": world.org_a.pk},
        status=ExportJob.Status.DONE,
        file="done.zip",
    )
    ExportJob.objects.filter(pk=job.pk).update(created_at=dt.datetime(2026, 12, 7, 14, 5, tzinfo=dt.UTC))
    (tmp_path / "exports").mkdir()
    (tmp_path / "exports" / "done.zip").write_bytes(b"PK\x05\x06" + b"\0" * 18)
    client.force_login(world.admin)

    page = client.get(reverse("export-job", args=[job.pk])).content.decode()
    assert "填报批次：<strong>2026年预算</strong> · 状态：<strong>已批复、已提交</strong>" in page
    assert "类型：部门（单位）整体 · 部门：100 部门A · 发起于 2026-12-07 22:05" in page
    assert str(ExportJob.objects.get(pk=job.pk)) == "2026-12-07 22:05 已完成"
    response = client.get(reverse("export-download", args=[job.pk]))
    assert filename_of(response) == "2026年预算-已批复、已提交-批量导出-20261207-2205.zip"  # 14:05 UTC
    response.close()  # last: closing a file response ends the request (and its connection)


def test_an_export_of_every_round_says_so(client, world):
    job = ExportJob.objects.create(created_by=world.filler_a, filters={"statuses": ["draft"]})
    client.force_login(world.filler_a)
    page = client.get(reverse("export-job", args=[job.pk])).content.decode()
    assert "填报批次：<strong>绩效目标表（全部批次）</strong> · 状态：<strong>草稿</strong>" in page
    assert job.file_name().startswith("绩效目标表（全部批次）-草稿-批量导出-")
