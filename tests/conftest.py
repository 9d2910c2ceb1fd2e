"""Shared fixtures: seeds, personas (filler A/B, reviewer A/B, admin, anonymous)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from tables.models import Membership
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory, table_with_rows

SHARED = Path(__file__).resolve().parents[2] / "shared"
SEEDS = SHARED / "seeds"
EXPECTED = SEEDS / "expected"
DEMO = Path(__file__).resolve().parents[1] / "tables" / "fixtures" / "demo"


def seed_dir() -> Path:
    """The acceptance seeds: ../shared/seeds, or the demo copy in the project when shared/ is absent."""
    return EXPECTED if EXPECTED.is_dir() else DEMO


def expected_files() -> list[Path]:
    return sorted(seed_dir().glob("*.json"))


def load_expected(name: str) -> dict:
    return json.loads((seed_dir() / name).read_text(encoding="utf-8"))


@dataclass
class World:
    org_a: object
    org_b: object
    unit_a: object
    table_a: object
    table_b: object
    table_unit_a: object
    filler_a: object
    filler_b: object
    reviewer_a: object
    reviewer_b: object
    admin: object


@pytest.fixture
def world(db) -> World:
    """Two departments (A with a unit), their tables and one user per persona."""
    org_a = OrganisationFactory(code="100", name="部门A")
    org_b = OrganisationFactory(code="200", name="部门B")
    unit_a = OrganisationFactory(code="100001", name="部门A下属单位", parent=org_a)
    table_a = table_with_rows(org_a, indicators=4)
    table_b = table_with_rows(org_b, indicators=4)
    table_unit_a = table_with_rows(unit_a, indicators=4)
    filler_a = MembershipFactory(organisation=org_a, role=Membership.Role.FILLER, user__username="filler_a").user
    filler_b = MembershipFactory(organisation=org_b, role=Membership.Role.FILLER, user__username="filler_b").user
    reviewer_a = MembershipFactory(organisation=org_a, role=Membership.Role.REVIEWER, user__username="reviewer_a").user
    reviewer_b = MembershipFactory(organisation=org_b, role=Membership.Role.REVIEWER, user__username="reviewer_b").user
    admin = UserFactory(username="bureau_admin")
    Membership.objects.create(user=admin, organisation=None, role=Membership.Role.ADMIN)
    return World(
        org_a, org_b, unit_a, table_a, table_b, table_unit_a, filler_a, filler_b, reviewer_a, reviewer_b, admin
    )


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Login-failure counts live in the cache; one test's lock-out must not leak into the next."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


PERSONAS = ["filler_a", "filler_b", "reviewer_a", "reviewer_b", "admin", "anonymous"]


@pytest.fixture
def as_persona(client, world):
    """Log the test client in as a persona by name ("anonymous" logs nobody in)."""

    def login(name: str):
        if name != "anonymous":
            client.force_login(getattr(world, name))
        return client

    return login
