"""Shared fixtures: seeds, personas (filler A/B, reviewer A/B, admin, anonymous)."""

from __future__ import annotations

import json
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tables.models import Membership
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory, table_with_rows

# The acceptance seeds live in the repository so a clone alone passes; only
# tests/test_acceptance_shared.py looks outside it (and checks these copies are current).
SEEDS = Path(__file__).resolve().parent / "data" / "seeds"
EXPECTED = SEEDS / "expected"


def expected_files() -> list[Path]:
    return sorted(EXPECTED.glob("*.json"))


def load_expected(name: str) -> dict:
    return json.loads((EXPECTED / name).read_text(encoding="utf-8"))


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


def _reference_objects() -> list:
    from indicators.models import CatalogEntry, Category, LibraryEdition, LibraryField, Scheme
    from tables.models import Layout

    categories = sorted(Category.objects.all(), key=lambda c: (c.parent_id is not None, c.pk))
    # The starter library's entries point at its fields (a tree, parents first) and its edition.
    fields = sorted(LibraryField.objects.all(), key=lambda f: (f.parent_id is not None, f.parent_id or 0, f.pk))
    return [
        *Scheme.objects.all(),
        *categories,
        *Layout.objects.all(),
        *LibraryEdition.objects.all(),
        *fields,
        *CatalogEntry.objects.all(),
    ]


@pytest.fixture(scope="session")
def reference_data(django_db_setup, django_db_blocker) -> str:
    """The reference data the migrations load (schemes, categories, layouts, the library), as JSON.

    Taken before the first transactional test flushes the database (pytest-django runs every
    transactional test after the others).
    """
    from django.core import serializers

    with django_db_blocker.unblock():
        return serializers.serialize("json", _reference_objects())


@pytest.fixture
def reference_tables(reference_data, transactional_db) -> None:
    """For transactional tests: put the migrated reference data back after an earlier flush.

    Django's serialized_rollback does not do it reliably here: once Playwright's event loop runs
    in the test thread, Django's thread-critical connection storage follows the loop's context,
    the connection the database was serialized on is no longer the one in use, and flushes then
    re-create content types under new ids, which a later serialized restore collides with.
    """
    from django.core import serializers
    from django.db import transaction

    from tables.models import Layout

    if Layout.objects.exists():
        return
    with transaction.atomic():
        for obj in serializers.deserialize("json", reference_data):
            obj.save()


def log_in(client, user) -> None:
    """Log in as a session in use: its sliding expiry was just refreshed, so the next requests
    do not write it (tables.middleware.SessionActivityMiddleware); for query counts."""
    import time

    client.force_login(user)
    session = client.session
    session["_activity"] = int(time.time())
    session.save()


@pytest.fixture(autouse=True)
def _media_in_a_temporary_folder(settings, tmp_path_factory):
    """Uploads held for a preview and export zips go to a folder of the test run, never the clone's media/."""
    settings.MEDIA_ROOT = tmp_path_factory.getbasetemp() / "media"


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Login-failure counts live in the cache; one test's lock-out must not leak into the next.
    Scheme trees are cached per process: every test starts cold, so query counts do not depend
    on the order tests run in."""
    from django.core.cache import cache

    from indicators.models import forget_scheme_trees

    cache.clear()
    forget_scheme_trees()
    yield
    cache.clear()


CHROMIUM = Path("/usr/bin/chromium")
# Debian's Chromium as Playwright drives it here (never `playwright install`: it downloads a browser).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@contextmanager
def launched_chromium():
    """Headless Debian Chromium for one browser fixture, whatever its scope."""
    from django.db import connections
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()
        connections.close_all()  # the connection opened in Playwright's loop context


@contextmanager
def chromium_page(width: int = 1400, height: int = 1000):
    """One page in its own headless Chromium: Chinese locale, 15 s timeouts (a browser test's `page`)."""
    with launched_chromium() as browser:
        context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN")
        page = context.new_page()
        page.set_default_timeout(15000)
        yield page
        context.close()


def pytest_runtest_setup(item):
    """A browser test on a machine without Debian's Chromium fails saying so (before its browser fixture
    starts); it never passes as skipped."""
    if item.get_closest_marker("browser") and not CHROMIUM.exists():
        pytest.fail(
            f"浏览器测试需要 {CHROMIUM}（Debian 软件包 chromium）：make test 会用 apt-get 安装它", pytrace=False
        )


PERSONAS = ["filler_a", "filler_b", "reviewer_a", "reviewer_b", "admin", "anonymous"]


@pytest.fixture
def as_persona(client, world):
    """Log the test client in as a persona by name ("anonymous" logs nobody in)."""

    def login(name: str):
        if name != "anonymous":
            client.force_login(getattr(world, name))
        return client

    return login


@pytest.fixture
def library_of_its_own(db):
    """No library but what the test writes: the starter library (migration 0013) is taken away for the
    test (its transaction rolls the deletion back), so a search or a duplicate finds only the test's entries."""
    from indicators.models import CatalogEntry, LibraryEdition, LibraryField

    CatalogEntry.objects.all().delete()
    LibraryField.objects.all().delete()
    LibraryEdition.objects.all().delete()
