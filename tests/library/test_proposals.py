"""纳入指标库 with review: the duplicate rule at its bounds, the proposal's lifecycle (propose with
the duplicates shown, accept, merge, decline), who may do what, and every decision atomic."""

from __future__ import annotations

import pytest
from django.contrib.admin.models import LogEntry
from django.db import transaction
from django.urls import reverse

from indicators.library import proposals
from indicators.library.proposals import dice, same_meaning, stem
from indicators.models import CatalogEntry, LibraryField, LibraryProposal
from tables.models import Notification, TargetTable
from tables.review import notifications

pytestmark = pytest.mark.django_db

Status = LibraryProposal.Status

# ---------------------------------------------------------------- the duplicate rule

TEN = "甲乙丙丁戊己庚辛壬癸子"  # 11 characters, 10 bigrams


@pytest.mark.parametrize(
    ("a", "unit_a", "b", "unit_b", "same"),
    [
        # the same name key, whatever the units
        ("培训人次", "人次", "1.培 训人次", "%", True),
        ("（2）培训人次", "", "培训人次", "", True),
        # generic suffixes and a bracketed note come off before the bigrams are compared
        ("项目验收合格率", "%", "项目验收合格情况", "", True),
        ("项目验收合格率（%）", "%", "项目验收合格率", "%", True),
        ("合格率", "%", "合格数", "", True),
        ("合格率", "%", "合格数", "个", False),  # the same stem, units that disagree
        ("资金发放及时率", "%", "资金支付及时率", "%", False),  # Dice 0.4
        ("服务对象满意度", "%", "群众满意度", "%", False),
        # Dice exactly 0.7 (7 of 10 bigrams each) is near-same; 9 of 13 (0.69) is not
        (TEN, "", TEN[:8] + "丑寅卯", "", True),
        (TEN + "丑寅卯", "", TEN[:10] + "辰巳午未", "", False),
        ("", "", "", "", False),
    ],
)
def test_the_duplicate_rule(a, unit_a, b, unit_b, same):
    assert same_meaning(a, unit_a, b, unit_b) is same
    assert same_meaning(b, unit_b, a, unit_a) is same


def test_the_rules_bounds_are_what_the_cases_say():
    assert dice(TEN, TEN[:8] + "丑寅卯") == 0.7
    assert 0.69 < dice(TEN + "丑寅卯", TEN[:10] + "辰巳午未") < 0.7
    assert stem("项目验收合格情况") == stem("项目验收合格率（%）") == "项目验收合格"
    assert stem("数量") == "数" and stem("率") == "率"  # never emptied


def test_duplicates_are_active_entries_and_pending_proposals(world, approved_row):
    CatalogEntry.objects.create(level1="产出指标", level2="质量指标", level3="项目验收合格情况")
    CatalogEntry.objects.create(level1="产出指标", level2="质量指标", level3="项目验收合格度", active=False)
    pending = proposals.propose(approved_row, user=world.reviewer_a, level3="项目验收合格率", reason="好")
    declined = proposals.propose(approved_row, user=world.reviewer_a, level3="项目验收合格率", reason="好")
    LibraryProposal.objects.filter(pk=declined.pk).update(status=Status.DECLINED)
    # the starter library holds near-same names of its own (污染防治项目验收合格率): only this test's are looked at
    ours = {"项目验收合格率", "项目验收合格情况", "项目验收合格度"}
    found = [d for d in proposals.duplicates("1.项目验收合格率", "%") if d.obj.level3 in ours]
    assert [(d.kind, d.obj.level3, d.same_name) for d in found] == [
        ("entry", "项目验收合格率", True),  # the shipped catalog's
        ("proposal", "项目验收合格率", True),
        ("entry", "项目验收合格情况", False),
    ]
    assert found[1].obj.pk == pending.pk
    again = proposals.duplicates("项目验收合格率", "%", exclude=pending)
    assert [d.kind for d in again if d.obj.level3 in ours] == ["entry", "entry"]


# ---------------------------------------------------------------- fixtures


@pytest.fixture
def approved_row(world):
    TargetTable.objects.filter(pk=world.table_a.pk).update(status=TargetTable.Status.APPROVED)
    world.table_a.refresh_from_db()
    row = world.table_a.indicators.order_by("position").first()
    row.level3, row.value, row.unit, row.basis = "高标准农田建设亩数", "≥1200亩", "亩", "计划标准"
    row.explanation = "当年建成并验收的高标准农田面积。"
    row.save()
    return row


def propose_url(row) -> str:
    return reverse("library-propose", args=[row.pk])


def posted(row, **changes) -> dict:
    data = {
        "level1": row.level1,
        "level2": row.level2,
        "level3": row.level3,
        "value": row.value,
        "unit": row.unit,
        "definition": row.explanation,
        "basis": row.basis,
        "reason": "指标具体、可衡量，有明确依据。",
        "field": "",
        "checked": "",
    }
    return {**data, **changes}


# ---------------------------------------------------------------- proposing


def test_a_reviewer_proposes_after_seeing_the_duplicates(client, world, approved_row):
    CatalogEntry.objects.create(level1="产出指标", level2="数量指标", level3="高标准农田建设数量", unit="亩")
    client.force_login(world.reviewer_a)
    page = client.get(propose_url(approved_row)).content.decode()
    assert "可能重复的指标" in page and "高标准农田建设数量" in page and 'value="高标准农田建设亩数"' in page

    # a name whose duplicates were not shown yet: shown first, nothing saved
    response = client.post(propose_url(approved_row), posted(approved_row))
    body = response.content.decode()
    assert response.status_code == 200 and "请核对" in body and "高标准农田建设数量" in body
    assert not LibraryProposal.objects.exists()

    # confirmed (the form now carries the name it showed the duplicates for)
    response = client.post(propose_url(approved_row), posted(approved_row, checked="高标准农田建设亩数|亩"))
    proposal = LibraryProposal.objects.get()
    assert response.url == reverse("library-proposal", args=[proposal.pk])
    assert (proposal.status, proposal.proposed_by, proposal.source_table, proposal.indicator) == (
        Status.PENDING,
        world.reviewer_a,
        world.table_a,
        approved_row,
    )
    assert (proposal.value, proposal.unit, proposal.definition) == ("≥1200亩", "亩", "当年建成并验收的高标准农田面积。")
    assert LogEntry.objects.filter(object_id=str(proposal.pk), change_message__contains="推荐纳入指标库").exists()
    assert Notification.objects.filter(recipient=world.admin, kind=Notification.Kind.LIBRARY).count() == 1


def test_a_name_changed_after_the_check_is_checked_again(client, world, approved_row):
    CatalogEntry.objects.create(level1="产出指标", level2="数量指标", level3="培训人次数")
    client.force_login(world.reviewer_a)
    data = posted(approved_row, level3="培训人次", unit="人次", checked="高标准农田建设亩数|亩")
    body = client.post(propose_url(approved_row), data).content.decode()
    assert "请核对" in body and 'value="培训人次|人次"' in body and not LibraryProposal.objects.exists()


def test_a_name_without_duplicates_is_saved_at_once(client, world, approved_row):
    client.force_login(world.reviewer_a)
    response = client.post(propose_url(approved_row), posted(approved_row, level3="乡村公路养护里程"))
    assert response.status_code == 302 and LibraryProposal.objects.get().level3 == "乡村公路养护里程"


def test_the_duplicates_refresh_as_the_name_is_typed(client, world, approved_row):
    client.force_login(world.reviewer_a)
    response = client.get(propose_url(approved_row), {"level3": "培训人次", "unit": ""}, headers={"HX-Request": "true"})
    body = response.content.decode()
    assert body.lstrip().startswith('<section id="duplicates"') and "培训人次" in body  # the shipped catalog's


def test_a_proposal_needs_a_reason_and_a_name(client, world, approved_row):
    client.force_login(world.reviewer_a)
    response = client.post(propose_url(approved_row), posted(approved_row, level3="", reason=""))
    assert response.status_code == 422 and not LibraryProposal.objects.exists()


def test_only_reviewers_and_admins_propose_and_only_from_approved_tables(client, world, approved_row):
    client.force_login(world.filler_a)
    assert client.post(propose_url(approved_row), posted(approved_row)).status_code == 403
    client.force_login(world.reviewer_b)
    assert client.post(propose_url(approved_row), posted(approved_row)).status_code == 404
    TargetTable.objects.filter(pk=world.table_a.pk).update(status=TargetTable.Status.DRAFT)
    client.force_login(world.reviewer_a)
    response = client.post(propose_url(approved_row), posted(approved_row, level3="乡村公路养护里程"))
    assert response.status_code == 403 and "已批复" in response.content.decode()
    assert not LibraryProposal.objects.exists()


# ---------------------------------------------------------------- deciding


@pytest.fixture
def proposal(world, approved_row):
    field, _ = LibraryField.objects.get_or_create(name="农林水支出", parent=None, defaults={"code": "213"})
    return proposals.propose(approved_row, user=world.reviewer_a, field=field, reason="写得具体")


def decide(client, proposal, **data):
    return client.post(reverse("library-proposal", args=[proposal.pk]), data)


def test_the_admin_accepts_a_proposal_as_a_new_entry(client, world, proposal):
    client.force_login(world.admin)
    page = client.get(reverse("library-proposals")).content.decode()
    assert "高标准农田建设亩数" in page
    response = decide(client, proposal, action="accept", note="好指标")
    assert response.status_code == 302
    proposal.refresh_from_db()
    entry = proposal.entry
    assert (proposal.status, proposal.decided_by, proposal.decision_note) == (Status.ACCEPTED, world.admin, "好指标")
    assert (entry.origin, entry.source_table, entry.added_by, entry.field.name) == (
        CatalogEntry.Origin.TABLE,
        world.table_a,
        world.reviewer_a,
        "农林水支出",
    )
    assert (entry.level3, entry.value, entry.unit, entry.basis) == ("高标准农田建设亩数", "≥1200亩", "亩", "计划标准")
    assert entry.definition == "当年建成并验收的高标准农田面积。"
    told = Notification.objects.get(recipient=world.reviewer_a, kind=Notification.Kind.LIBRARY)
    assert "已纳入指标库" in told.message and told.url == reverse("library-entry", args=[entry.pk])
    assert LogEntry.objects.filter(object_id=str(entry.pk), change_message__contains="纳入指标库").exists()
    assert LogEntry.objects.filter(object_id=str(proposal.pk), change_message__contains="已纳入").exists()
    # the new entry has its sheet
    assert "当年建成并验收的高标准农田面积。" in client.get(told.url).content.decode()


def test_the_admin_merges_a_proposal_into_an_entry_of_the_same_meaning(client, world, proposal):
    entry = CatalogEntry.objects.create(
        level1="产出指标",
        level2="数量指标",
        level3="高标准农田建设面积",
        unit="亩",
        definition="已有的解释",
        keywords="农田",
    )
    client.force_login(world.admin)
    page = client.get(reverse("library-proposal", args=[proposal.pk])).content.decode()
    assert f'id="merge-{entry.pk}"' in page  # shown as a duplicate to merge into
    assert decide(client, proposal, action="merge", entry=entry.pk).status_code == 302
    proposal.refresh_from_db()
    entry.refresh_from_db()
    assert (proposal.status, proposal.entry) == (Status.ACCEPTED, entry)
    assert entry.definition == "已有的解释"  # the entry keeps what it says
    assert (entry.value, entry.basis, entry.keywords) == ("≥1200亩", "计划标准", "农田，高标准农田建设亩数")
    assert CatalogEntry.objects.filter(level3="高标准农田建设亩数").count() == 0
    told = Notification.objects.get(recipient=world.reviewer_a, kind=Notification.Kind.LIBRARY)
    assert "已合并到指标库条目“高标准农田建设面积”" in told.message


def test_a_merge_needs_an_entry(client, world, proposal):
    client.force_login(world.admin)
    response = decide(client, proposal, action="merge", entry="")
    assert response.status_code == 422 and "请选择要合并到的指标库条目" in response.content.decode()
    proposal.refresh_from_db()
    assert proposal.status == Status.PENDING


def test_the_admin_declines_with_a_note_the_proposer_reads(client, world, proposal):
    client.force_login(world.admin)
    response = decide(client, proposal, action="decline", note="")
    assert response.status_code == 422 and "请填写不纳入的原因" in response.content.decode()
    assert decide(client, proposal, action="decline", note="与已有指标重复").status_code == 302
    proposal.refresh_from_db()
    assert (proposal.status, proposal.entry, proposal.decision_note) == (Status.DECLINED, None, "与已有指标重复")
    told = Notification.objects.get(recipient=world.reviewer_a, kind=Notification.Kind.LIBRARY)
    assert "未纳入指标库：与已有指标重复" in told.message
    client.force_login(world.reviewer_a)
    assert "与已有指标重复" in client.get(told.url).content.decode()  # the proposer reads the decision


def test_a_decided_proposal_cannot_be_decided_again(client, world, proposal):
    client.force_login(world.admin)
    decide(client, proposal, action="decline", note="重复")
    response = decide(client, proposal, action="accept")
    assert response.status_code == 422 and "该推荐已处理（未纳入）" in response.content.decode()
    assert not CatalogEntry.objects.filter(level3="高标准农田建设亩数").exists()
    assert Notification.objects.filter(recipient=world.reviewer_a).count() == 1


def test_accepting_a_name_the_field_already_holds_asks_for_a_merge(client, world, proposal):
    CatalogEntry.objects.create(field=proposal.field, level1="产出指标", level2=proposal.level2, level3=proposal.level3)
    client.force_login(world.admin)
    response = decide(client, proposal, action="accept")
    assert response.status_code == 422 and "请选择合并到该条目" in response.content.decode()
    proposal.refresh_from_db()
    assert proposal.status == Status.PENDING


def test_a_decision_is_atomic(client, world, proposal, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("notification store down")

    monkeypatch.setattr(notifications, "library_decided", broken)
    client.force_login(world.admin)
    client.raise_request_exception = False
    assert decide(client, proposal, action="accept").status_code == 500
    proposal.refresh_from_db()
    assert proposal.status == Status.PENDING and proposal.entry is None
    assert not CatalogEntry.objects.filter(level3=proposal.level3).exists()
    assert not LogEntry.objects.filter(change_message__contains="已纳入").exists()


def test_the_domain_refuses_to_decide_a_proposal_twice(world, proposal):
    with transaction.atomic():
        proposals.decline(proposal, user=world.admin, note="x")
    with pytest.raises(proposals.ProposalError), transaction.atomic():
        proposals.accept(proposal, user=world.admin)


def test_only_bureau_admins_decide(client, world, proposal):
    for persona, status in (("reviewer_a", 403), ("reviewer_b", 404), ("filler_a", 404)):
        client.force_login(getattr(world, persona))
        assert decide(client, proposal, action="accept").status_code == status, persona
    client.force_login(world.reviewer_a)
    assert client.get(reverse("library-proposals")).status_code == 403
    page = client.get(reverse("library-proposal", args=[proposal.pk])).content.decode()
    assert "decide-form" not in page  # the proposer reads it, without the decision form
    proposal.refresh_from_db()
    assert proposal.status == Status.PENDING and not CatalogEntry.objects.filter(level3=proposal.level3).exists()


def test_the_queue_is_paginated_and_costs_the_same_queries_for_any_page_size(
    client, world, approved_row, django_assert_num_queries
):
    client.force_login(world.admin)
    url = reverse("library-proposals")
    proposals.propose(approved_row, user=world.reviewer_a, reason="1")
    client.get(url)
    # session, user, memberships (is_admin), proposals count, the page, the header's unread notifications
    with django_assert_num_queries(6):
        client.get(url)
    for i in range(30):
        proposals.propose(approved_row, user=world.reviewer_a, level3=f"指标{i}", reason="r")
    with django_assert_num_queries(6):
        body = client.get(url).content.decode()
    assert "第 1 / 2 页" in body and "共 31 条" in body
    assert "第 2 / 2 页" in client.get(url, {"page": 2}).content.decode()
    assert "共 0 条" in client.get(url, {"status": "accepted"}).content.decode()


def test_the_decision_page_costs_the_same_queries_however_large_the_library(
    client, world, proposal, django_assert_num_queries
):
    client.force_login(world.admin)
    url = reverse("library-proposal", args=[proposal.pk])
    client.get(url)
    # session, user, proposal, memberships (is_admin), entries' names, pending proposals, the source table's
    # visibility, the header's unread notifications
    with django_assert_num_queries(8):
        client.get(url)
    CatalogEntry.objects.bulk_create(
        CatalogEntry(level1="产出指标", level2="数量指标", level3=f"高标准农田建设亩数{i}" if i < 3 else f"其他指标{i}")
        for i in range(300)
    )
    with django_assert_num_queries(8):
        body = client.get(url).content.decode()
    assert "高标准农田建设亩数2" in body and "其他指标" not in body
