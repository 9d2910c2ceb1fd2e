"""Rough edges found walking the journeys in a browser (issue 11, item 6): every refused form says why,
every download is named for what it is, every default view is the one its user needs first."""

from __future__ import annotations

import re
from urllib.parse import unquote

import pytest
from django.apps import apps as django_apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from tables.models import AuditEntry, Comment, ExportJob, Layout, OverallGoal, Round, Snapshot, TargetTable
from tables.review import comments, workflow
from tests.factories import MembershipFactory, layout
from tests.review.test_review_views import approve_data, messages_of
from tests.review.test_workflow import approve, comment_on_indicator, two_level_round

pytestmark = pytest.mark.django_db
Status = TargetTable.Status


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def body_of(response) -> str:
    return response.content.decode()


def filename_of(response) -> str:
    """The UTF-8 file name of an attachment (RFC 5987 `filename*`)."""
    header = response["Content-Disposition"]
    return unquote(re.search(r"filename\*=utf-8''([^;\s]+)", header, re.IGNORECASE).group(1))


def submitted(world):
    return workflow.submit(world.table_a, world.filler_a)


def submitted_unit(world):
    """The unit's table, submitted by its own filler (in a two-level round it waits for 主管部门审核)."""
    return workflow.submit(world.table_unit_a, MembershipFactory(organisation=world.unit_a).user)


# ---------------------------------------------------------------- every refused form shows why


def test_a_return_reason_of_only_spaces_is_refused_with_the_reason_shown(client, world):
    snapshot = submitted(world)
    comment_on_indicator(world.table_a, world.reviewer_a)
    client.force_login(world.reviewer_a)
    response = client.post(
        reverse("review-return", args=[world.table_a.pk]), {"snapshot": snapshot.number, "reason": "   "}
    )
    assert response.status_code == 422
    assert "请填写退回原因" in body_of(response)
    assert TargetTable.objects.get(pk=world.table_a.pk).status == Status.SUBMITTED


def _review_refusals(world) -> list[tuple[str, dict, str]]:
    """(url name, posted data, the message the page must show) for each refusable form on the review page."""
    number = workflow.pending_snapshot(world.table_a).number
    return [
        ("review-return", {"snapshot": number, "reason": " \t "}, "请填写退回原因"),
        ("review-return", {"reason": "指标需修改"}, "提交次序：这个字段是必填项。"),
        ("review-approve", approve_data(Snapshot(number=number), opinion="  "), "请填写审核意见。"),
        ("review-approve", approve_data(Snapshot(number=number), grade="甲"), "选择一个有效的选项"),
        ("review-approve", approve_data(Snapshot(number=number), published="0"), "不公开时请填写原因。"),
        ("review-approve", approve_data(Snapshot(number=number), completeness_remark="长" * 501), "不超过 500 字符"),
        ("review-comments", {"anchor": "table", "body": "   "}, "批注内容不能为空。"),
        ("review-comments", {"anchor": "indicator:999999", "body": "请核实"}, "选择一个有效的选项"),
    ]


def test_every_refusable_form_on_the_review_page_shows_its_error(client, world):
    submitted(world)
    client.force_login(world.admin)  # sees every form of the page
    for name, data, message in _review_refusals(world):
        response = client.post(reverse(name, args=[world.table_a.pk]), data)
        assert response.status_code == 422, (name, data)
        assert message in body_of(response), (name, message)
    assert TargetTable.objects.get(pk=world.table_a.pk).status == Status.SUBMITTED


def test_the_forward_form_shows_why_its_opinion_was_refused(client, world):
    two_level_round(world)
    snapshot = submitted_unit(world)
    client.force_login(world.admin)
    response = client.post(
        reverse("review-forward", args=[world.table_unit_a.pk]), {"snapshot": snapshot.number, "opinion": "意" * 2001}
    )
    assert response.status_code == 422
    assert "不超过 2000 字符" in body_of(response)


def test_forms_that_answer_with_a_redirect_say_why_in_a_message(client, world):
    snapshot = submitted(world)
    thread = comment_on_indicator(world.table_a, world.reviewer_a)
    client.force_login(world.filler_a)
    response = client.post(reverse("review-comment-reply", args=[thread.pk]), {"body": "  "}, follow=True)
    assert "回复内容不能为空。" in body_of(response)

    workflow.withdraw(world.table_a, world.filler_a, snapshot_number=snapshot.number)
    response = client.post(
        reverse("review-submit", args=[world.table_a.pk]), {"warning_reason": "理" * 2001}, follow=True
    )
    assert "提交说明（对警告的解释，审核人可见）：确保该变量包含不超过 2000 字符" in body_of(response)
    assert TargetTable.objects.get(pk=world.table_a.pk).status == Status.DRAFT

    approve(world.table_a, world.reviewer_a, submitted(world).number)
    client.force_login(world.reviewer_a)
    response = client.post(reverse("review-reopen", args=[world.table_a.pk]), {"reason": "调整"}, follow=True)
    assert "表版本号：这个字段是必填项。" in body_of(response)  # not "please give a reason": a reason was given
    response = client.post(
        reverse("review-reopen", args=[world.table_a.pk]), {"reason": "  ", "version": 1}, follow=True
    )
    assert "请填写撤销批复（调整）的原因。" in body_of(response)
    assert TargetTable.objects.get(pk=world.table_a.pk).status == Status.APPROVED


def test_the_accounts_import_shows_why_its_round_was_refused(client, world):
    client.force_login(world.admin)
    upload = SimpleUploadedFile("账号.xlsx", b"PK", content_type="application/octet-stream")
    response = client.post(reverse("review-accounts-import"), {"file": upload, "round": "999999"})
    assert response.status_code == 422
    assert "选择一个有效的选项" in body_of(response)


def test_the_editor_forms_show_why_they_were_refused_with_field_labels(client, world):
    client.force_login(world.filler_a)
    round_ = Round.objects.create(year=2027, title="2027年河北项目支出绩效目标表", layout=layout("hebei-2023-project"))
    response = client.post(
        reverse("editor-start"), {"mode": "blank", "blank-round": round_.pk, "blank-organisation": world.org_a.pk}
    )
    assert response.status_code == 422
    assert "项目编码" in body_of(response) and "invalid-feedback" in body_of(response)

    url = reverse("editor-step", args=[world.table_a.pk, "basic"])
    data = {"organisation": world.org_a.pk, "round": "", "title": "", "base": "", "version": world.table_a.version}
    response = client.post(url, data, headers={"HX-Request": "true"})
    assert response.status_code == 422
    body = body_of(response)
    assert "表名：这个字段是必填项。" in body  # the label, not the field's name `title`
    assert "title：" not in body


# ---------------------------------------------------------------- the queue's default view


def test_the_queue_opens_on_what_waits_for_the_reviewer_and_drafts_have_no_review_button(client, world):
    submitted(world)
    client.force_login(world.reviewer_a)
    response = client.get(reverse("review-queue"))
    rows = list(response.context["page"])
    assert [t.pk for t in rows] == [world.table_a.pk]  # not the draft of the unit beside it
    assert response.context["filters"]["status"] == Status.SUBMITTED
    body = body_of(response)
    assert "显示等待您审核的表" in body
    assert f'href="{reverse("review-table", args=[world.table_a.pk])}">审核</a>' in body

    # 全部 (an empty status) is a choice the reviewer makes: then drafts show, without a 审核 button.
    response = client.get(reverse("review-queue"), {"status": ""})
    pks = {t.pk for t in response.context["page"]}
    assert pks == {world.table_a.pk, world.table_unit_a.pk}
    body = body_of(response)
    assert f'href="{reverse("review-table", args=[world.table_unit_a.pk])}"' not in body
    assert "显示等待您审核的表" not in body


def test_a_department_reviewer_is_shown_the_department_level_by_default(client, world):
    from tables.models import ReviewDuty

    two_level_round(world)
    membership = world.reviewer_a.memberships.get()
    ReviewDuty.objects.create(membership=membership, level=workflow.Stage.DEPARTMENT)
    submitted_unit(world)
    client.force_login(world.reviewer_a)
    response = client.get(reverse("review-queue"))
    assert response.context["filters"]["stage"] == workflow.Stage.DEPARTMENT
    assert [t.pk for t in response.context["page"]] == [world.table_unit_a.pk]


def test_a_submission_at_another_level_offers_its_record_not_a_review_button(client, world):
    two_level_round(world)
    submitted_unit(world)  # waits for 主管部门审核; reviewer_a reviews for the bureau
    client.force_login(world.reviewer_a)
    response = client.get(reverse("review-queue"), {"status": Status.SUBMITTED})
    body = body_of(response)
    assert f'href="{reverse("review-table", args=[world.table_unit_a.pk])}">审核记录</a>' in body
    assert f'href="{reverse("review-table", args=[world.table_unit_a.pk])}">审核</a>' not in body


# ---------------------------------------------------------------- approving with open comments


def test_the_approve_form_says_how_many_comments_are_open_and_asks_to_confirm(client, world):
    submitted(world)
    comment_on_indicator(world.table_a, world.reviewer_a, 1)
    resolved = comment_on_indicator(world.table_a, world.reviewer_a, 2)
    comments.set_resolved(resolved, world.filler_a, resolved=True)
    client.force_login(world.reviewer_a)
    body = body_of(client.get(reverse("review-table", args=[world.table_a.pk])))
    assert "还有 1 条批注未解决" in body
    assert 'data-confirm="还有 1 条批注未解决，批复后将一并标为已解决。确定批复吗？"' in body


def test_approving_resolves_the_open_comments_with_an_audit_entry_and_says_so(client, world):
    snapshot = submitted(world)
    comment_on_indicator(world.table_a, world.reviewer_a, 1, body="完成率偏低")
    comment_on_indicator(world.table_a, world.reviewer_a, 2, body="请量化")
    client.force_login(world.reviewer_a)
    response = client.post(reverse("review-approve", args=[world.table_a.pk]), approve_data(snapshot))
    assert response.status_code == 302
    assert any("2 条未解决的批注已一并标为已解决" in m for m in messages_of(response))
    threads = Comment.objects.filter(table=world.table_a, parent__isnull=True)
    assert all(t.resolved and t.resolved_by == world.reviewer_a for t in threads)
    entry = AuditEntry.objects.filter(table=world.table_a).order_by("-id").first()
    assert entry.what == "批复时将 2 条未解决的批注标为已解决" and entry.user == world.reviewer_a
    assert "指标" in entry.note  # which places they were on


def test_approving_without_open_comments_adds_no_audit_entry_and_no_note(client, world):
    snapshot = submitted(world)
    client.force_login(world.reviewer_a)
    assert "条批注未解决" not in body_of(client.get(reverse("review-table", args=[world.table_a.pk])))
    response = client.post(reverse("review-approve", args=[world.table_a.pk]), approve_data(snapshot))
    assert messages_of(response) == ["已批复，表格已锁定。"]
    assert not AuditEntry.objects.filter(what__contains="批注标为已解决").exists()


# ---------------------------------------------------------------- downloads named for what they are


def test_the_approved_pdf_is_named_as_the_approved_version_not_as_a_submission(client, world):
    first = submitted(world)
    comment_on_indicator(world.table_a, world.reviewer_a)
    workflow.return_table(world.table_a, world.reviewer_a, snapshot_number=first.number, reason="请修改")
    second = submitted(world)
    approve(world.table_a, world.reviewer_a, second.number)
    client.force_login(world.filler_a)
    stem = f"{world.table_a.year}-部门A-{world.table_a.title}"
    response = client.get(reverse("review-snapshot-pdf", args=[second.pk]))
    assert filename_of(response) == f"{stem}-批复版.pdf"
    response = client.get(reverse("review-snapshot-json", args=[first.pk]))
    assert filename_of(response) == f"{stem}-第1次提交（已退回）.json"


def test_an_adjusted_and_a_superseded_approval_say_which_they_are(client, world):
    first = submitted(world)
    approve(world.table_a, world.reviewer_a, first.number)
    table = TargetTable.objects.get(pk=world.table_a.pk)
    workflow.reopen(table, world.reviewer_a, reason="年中调整", version=table.version)
    second = submitted(world)
    approve(world.table_a, world.reviewer_a, second.number)
    client.force_login(world.filler_a)
    stem = f"{world.table_a.year}-部门A-{world.table_a.title}"
    names = [filename_of(client.get(reverse("review-snapshot-json", args=[s.pk]))) for s in (first, second)]
    assert names == [f"{stem}-批复版（已被替代）.json", f"{stem}-第1次调整批复版.json"]


def test_the_tables_own_downloads_carry_its_state(client, world):
    client.force_login(world.filler_a)
    stem = f"{world.table_a.year}-部门A-{world.table_a.title}-草稿"
    assert filename_of(client.get(reverse("table-json", args=[world.table_a.pk]))) == f"{stem}.json"
    assert filename_of(client.get(reverse("table-download", args=[world.table_a.pk, "xlsx"]))) == f"{stem}.xlsx"


def test_the_booklet_dashboard_and_template_downloads_are_named_for_their_content(client, world):
    overall = OverallGoal.objects.create(organisation=world.org_a, year=2026)
    round_ = Round.objects.create(year=2026, title="2026年预算", layout=layout())
    client.force_login(world.admin)
    response = client.get(reverse("booklet-download", args=[overall.pk, "xlsx"]))
    assert filename_of(response) == "2026-部门A-部门绩效目标册.xlsx"
    response = client.get(reverse("review-dashboard-xlsx", args=[round_.pk]))
    assert filename_of(response) == f"2026年预算-完成情况-{timezone.localdate():%Y%m%d}.xlsx"
    code = layout().code
    response = client.get(reverse("blank-template", args=[code]))
    assert filename_of(response) == f"{Layout.objects.get(code=code).name}（空白模板）.xlsx"
    assert filename_of(client.get(reverse("review-accounts-template"))) == "部门和账号导入模板.xlsx"


def test_the_bulk_zip_is_named_for_its_round_and_states(client, world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    round_ = Round.objects.create(year=2026, title="2026年预算", layout=layout())
    job = ExportJob.objects.create(
        created_by=world.admin,
        round=round_,
        filters={"statuses": ["approved", "submitted"]},
        status=ExportJob.Status.DONE,
        file="done.zip",
    )
    (tmp_path / "exports").mkdir()
    (tmp_path / "exports" / "done.zip").write_bytes(b"PK\x05\x06" + b"\0" * 18)
    client.force_login(world.admin)
    response = client.get(reverse("export-download", args=[job.pk]))
    stamp = f"{timezone.localtime(job.created_at):%Y%m%d-%H%M}"
    assert filename_of(response) == f"2026年预算-已批复、已提交-批量导出-{stamp}.zip"
    response.close()


# ---------------------------------------------------------------- which version the table page shows


def test_the_table_page_names_the_version_by_submission_not_by_autosave_count(client, world):
    TargetTable.objects.filter(pk=world.table_a.pk).update(version=19)  # 19 saves
    client.force_login(world.filler_a)
    body = body_of(client.get(reverse("table-detail", args=[world.table_a.pk])))
    assert "版本 19" not in body and "年初版 · 尚未提交" in body
    first = submitted(world)
    body = body_of(client.get(reverse("table-detail", args=[world.table_a.pk])))
    assert "年初版 · 第 1 次提交（审核中）" in body
    approve(world.table_a, world.reviewer_a, first.number)
    table = TargetTable.objects.get(pk=world.table_a.pk)
    workflow.reopen(table, world.reviewer_a, reason="年中调整", version=table.version)
    body = body_of(client.get(reverse("table-detail", args=[world.table_a.pk])))
    assert "第 1 次调整 · 尚未提交" in body


# ---------------------------------------------------------------- round names


def test_a_round_built_from_a_layout_says_its_year_once():
    assert (
        Round.default_title(2022, "新疆2022年部门（单位）整体支出绩效目标表")
        == "2022年新疆部门（单位）整体支出绩效目标表"
    )
    assert Round.default_title(2024, "河北2023年项目支出绩效目标表") == "2024年河北项目支出绩效目标表"
    assert Round.default_title(2024, "部门整体支出绩效目标表") == "2024年部门整体支出绩效目标表"


def test_importing_a_table_names_its_round_without_the_layouts_year(world):
    from tables.imports.exchange import export_table, import_document, tables_for_export

    data = export_table(tables_for_export().get(pk=world.table_a.pk))
    data["year"] = 2031
    import_document(data)
    assert Round.objects.get(year=2031).title == "2031年新疆部门（单位）整体支出绩效目标表"


def test_the_migration_renames_rounds_named_the_old_way_and_leaves_typed_titles(world):
    from importlib import import_module

    migration = import_module("tables.migrations.0008_round_titles_without_the_layouts_year")
    lay = layout()
    old = Round.objects.create(year=2022, title=f"2022年{lay.name}", layout=lay)
    typed = Round.objects.create(year=2023, title="2023年自治区本级预算", layout=lay)
    migration.rename(django_apps, None)
    old.refresh_from_db()
    typed.refresh_from_db()
    assert old.title == "2022年新疆部门（单位）整体支出绩效目标表"
    assert typed.title == "2023年自治区本级预算"


# ---------------------------------------------------------------- the editor's step 5 and value line


def test_step_five_lists_each_finding_once(client, world):
    row = world.table_a.indicators.order_by("position").first()
    row.value = "≥"
    row.save()
    client.force_login(world.filler_a)
    body = body_of(client.get(reverse("editor-step", args=[world.table_a.pk, "check"])))
    [message] = {m for m in re.findall(r"<li[^>]*>.*?<a [^>]*>([^<]*“≥”[^<]*)</a>", body)}
    assert len(re.findall(r"<li[^>]*>(?:<strong>[^<]*</strong> )?<a [^>]*>" + re.escape(message), body)) == 1
    assert "全表智能审核：错误 1 项" in body


def test_a_comparator_without_a_number_blocks_submission(client, world):
    row = world.table_a.indicators.order_by("position").first()
    row.value = "≥"
    row.save()
    with pytest.raises(workflow.Blocked):
        workflow.submit(world.table_a, world.filler_a)


def test_the_value_line_keeps_its_warning_apart_from_what_was_read(client, world):
    client.force_login(world.filler_a)
    body = body_of(client.get(reverse("editor-parse-value"), {"value": "≥90"}))
    assert '缺少计量单位</span> <span class="parse-part">' in body


# ---------------------------------------------------------------- where a login lands


@pytest.mark.parametrize(("persona", "landing"), [("reviewer_a", "review-queue"), ("filler_a", "home")])
def test_a_login_lands_a_reviewer_on_the_queue_and_a_filler_on_the_tables(client, world, persona, landing):
    password = "pw-for-tests-1"  # tests.factories.UserFactory
    response = client.post(reverse("login"), {"username": persona, "password": password}, follow=True)
    assert response.redirect_chain[-1][0] == reverse(landing)
    assert response.status_code == 200


def test_a_reviewer_who_also_fills_in_lands_on_the_tables(client, world):
    from tables.models import Membership

    Membership.objects.create(user=world.reviewer_a, organisation=world.org_a, role=Membership.Role.FILLER)
    client.force_login(world.reviewer_a)
    assert client.get(reverse("start"))["Location"] == reverse("home")


def test_an_empty_paste_keeps_the_grid_and_says_why(client, world):
    client.force_login(world.filler_a)
    url = reverse("editor-paste-rows", args=[world.table_a.pk, "indicators"])
    response = client.post(url, {"text": "  "}, headers={"HX-Request": "true"})
    assert response.status_code == 422
    body = body_of(response)
    # The paste form swaps the grid: the answer is the grid (unchanged) with the reason in the paste report.
    assert body.lstrip().startswith('<div id="indicator-grid"')
    assert world.table_a.indicators.count() == body.count('class="grid-row ind-row"') == 4
    assert 'class="mb-1 text-danger paste-refused">请粘贴从 Excel / WPS / Word 复制的行。' in body
