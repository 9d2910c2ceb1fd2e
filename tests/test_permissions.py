"""The rules of `tables/permissions.py`: each answers with a reason, and visibility is one rule."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from tables import permissions
from tables.models import Membership, Organisation, Reach, Roles, TargetTable
from tables.permissions import Answer
from tests.factories import MembershipFactory, OrganisationFactory


def fresh(table: TargetTable) -> TargetTable:
    return TargetTable.objects.select_related("organisation").get(pk=table.pk)


def test_an_answer_is_truthy_only_when_allowed_and_says_why_not():
    assert Answer(True) and not Answer(False, "只有管理员可以这样做。")
    assert Answer(False, "只有管理员可以这样做。").reason == "只有管理员可以这样做。"


def test_a_refusal_gives_its_reason_in_chinese(world):
    table = fresh(world.table_a)
    assert permissions.can_approve(world.filler_a, table).reason == "只有财政审核人可以批复。"
    assert permissions.can_submit(world.reviewer_a, table).reason == "只有本部门（单位）的填报人可以提交。"
    assert permissions.is_admin(world.reviewer_a).reason == "只有管理员可以这样做。"
    assert permissions.can_edit(world.reviewer_a, table).reason == "您是审核人，只能查看，不能修改。"
    assert permissions.can_catalog(world.filler_a, table).reason == "只有审核人或管理员可以纳入指标库。"
    assert permissions.can_approve(world.reviewer_a, table) == Answer(True)


def test_has_permission_reaches_each_rule_by_name(world):
    table = fresh(world.table_a)
    assert permissions.has_permission("approve", world.reviewer_a, table)
    assert not permissions.has_permission("approve", world.reviewer_b, table)
    assert permissions.has_permission("submit", world.filler_a, table)
    assert not permissions.has_permission("edit", world.filler_b, table)
    with pytest.raises(KeyError):
        permissions.has_permission("launch", world.admin, table)


def test_a_submitted_table_is_read_only_even_for_its_filler(world):
    TargetTable.objects.filter(pk=world.table_a.pk).update(status=TargetTable.Status.SUBMITTED)
    answer = permissions.can_edit(world.filler_a, fresh(world.table_a))
    assert not answer and answer.reason == "该表已提交，不能修改。"


def test_reach_covers_exactly_the_organisations_its_queryset_lists(world):
    unit_b = OrganisationFactory(code="200001", name="部门B下属单位", parent=world.org_b)
    reach = Reach(own=frozenset({world.org_a.pk, world.unit_a.pk}), with_units=frozenset({world.org_b.pk}))
    listed = set(Organisation.objects.reached_by(reach))
    assert listed == {world.org_a, world.unit_a, unit_b}
    for organisation in Organisation.objects.all():
        assert reach.covers(organisation.pk, organisation.parent_id) == (organisation in listed)


def test_memberships_are_read_once_per_user(world, django_assert_num_queries):
    user = world.reviewer_a
    with django_assert_num_queries(1):  # memberships
        roles = Membership.objects.roles_of(user)
        assert Membership.objects.roles_of(user) is roles
    assert roles == Roles(reviewer=Reach(frozenset({world.org_a.pk}), frozenset({world.org_a.pk})))
    assert Membership.objects.roles_of(AnonymousUser()) == Roles()


def test_a_reviewer_fills_in_nothing_they_review(world):
    both = MembershipFactory(organisation=world.org_a, role=Membership.Role.REVIEWER).user
    MembershipFactory(user=both, organisation=world.org_b, role=Membership.Role.FILLER)
    MembershipFactory(user=both, organisation=world.unit_a, role=Membership.Role.FILLER)
    assert list(permissions.fillable_organisations(both)) == [world.org_b]
    assert permissions.filled_organisation_ids(both) == {world.org_b.pk, world.unit_a.pk}
