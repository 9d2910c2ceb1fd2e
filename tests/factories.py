"""Factories for small tables, and personas for people."""

from __future__ import annotations

import factory
from django.contrib.auth import get_user_model

from indicators.models import Indicator
from tables.models import Layout, Membership, Organisation, TargetTable, Task


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    code = factory.Sequence(lambda n: f"9{n:05d}")
    name = factory.Sequence(lambda n: f"测试部门{n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("pw-for-tests-1")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = Membership.Role.FILLER


def layout(code: str = "xinjiang-2022-dept") -> Layout:
    return Layout.objects.select_related("scheme").get(code=code)


class TableFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TargetTable

    organisation = factory.SubFactory(OrganisationFactory)
    year = 2026
    kind = TargetTable.Kind.DEPARTMENT
    layout = factory.LazyFunction(layout)
    title = "部门（单位）整体支出绩效目标表"
    goal = "目标1：保障运转。"


class TaskFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Task

    table = factory.SubFactory(TableFactory)
    position = factory.Sequence(lambda n: n + 1)
    name = factory.Sequence(lambda n: f"任务{n}")
    content = "主要内容"
    total = factory.LazyFunction(lambda: __import__("decimal").Decimal("10.00"))
    fiscal = factory.LazyFunction(lambda: __import__("decimal").Decimal("10.00"))


class IndicatorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Indicator

    table = factory.SubFactory(TableFactory)
    position = factory.Sequence(lambda n: n + 1)
    level1 = "产出指标"
    level2 = "数量指标"
    level3 = factory.Sequence(lambda n: f"指标{n}")
    value = "≥95%"


def table_with_rows(organisation: Organisation, *, indicators: int, tasks: int = 3, **kwargs) -> TargetTable:
    table = TableFactory(organisation=organisation, **kwargs)
    for i in range(1, tasks + 1):
        TaskFactory(table=table, position=i)
    categories = [
        ("产出指标", "数量指标"),
        ("产出指标", "质量指标"),
        ("效益指标", "社会效益指标"),
        ("满意度指标", "满意度指标"),
    ]
    for i in range(1, indicators + 1):
        level1, level2 = categories[(i - 1) * len(categories) // indicators]
        IndicatorFactory(table=table, position=i, level1=level1, level2=level2)
    return table
