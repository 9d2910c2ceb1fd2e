"""Faults an outside probe found (issue 18), each reproduced and kept fixed."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tables import workflow
from tables.params import BIGINT_MAX, positive_int

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


# ---------------------------------------------------------------- integer query parameters

BAD_INTS = ["9" * 30, str(BIGINT_MAX + 1), "-1", "0", "abc", "1e3", "١٢", "1.5", ""]


def test_positive_int_accepts_only_ids_the_database_can_hold():
    assert positive_int("42") == 42
    assert positive_int(str(BIGINT_MAX)) == BIGINT_MAX
    assert [positive_int(raw) for raw in BAD_INTS] == [None] * len(BAD_INTS)
    assert positive_int(" 7 ") == 7


def _list_urls(w) -> list[tuple[str, str, list[str]]]:
    """(persona, url, integer parameters) for every view that reads an integer from the query string."""
    workflow.submit(w.table_a, w.filler_a)
    return [
        ("filler_a", reverse("home"), ["round", "organisation", "page"]),
        ("reviewer_a", reverse("review-queue"), ["round", "organisation", "page"]),
        ("reviewer_a", reverse("review-dashboard"), ["round"]),
        ("admin", reverse("review-accounts-inactive"), ["round", "page"]),
        ("filler_a", reverse("review-diff", args=[w.table_a.pk]), ["a", "b"]),
        ("filler_a", reverse("review-audit", args=[w.table_a.pk]), ["page"]),
        ("filler_a", reverse("review-notifications"), ["page"]),
    ]


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
def test_every_list_view_survives_huge_negative_and_non_numeric_integers(client, world, htmx):
    headers = {"HX-Request": "true"} if htmx else {}
    failures = []
    for persona, url, params in _list_urls(world):
        client.force_login(getattr(world, persona))
        for name in params:
            for raw in BAD_INTS:
                response = client.get(url, {name: raw}, headers=headers)
                # A version that does not exist is a 404 on the diff; everything else ignores the value.
                allowed = (200, 404) if name in ("a", "b") else (200,)
                if response.status_code not in allowed:
                    failures.append(f"{url}?{name}={raw!r}: {response.status_code}")
    assert not failures


def test_the_round_filter_still_filters_by_a_real_id(client, world):
    from tables.models import Round
    from tests.factories import layout

    round_ = Round.objects.create(year=2026, title="二〇二六批次", layout=layout())
    world.table_a.round = round_
    world.table_a.save()
    client.force_login(world.admin)
    shown = client.get(reverse("home"), {"round": str(round_.pk)}).context["page"].object_list
    assert [t.pk for t in shown] == [world.table_a.pk]


def test_export_start_ignores_a_round_that_is_not_a_number(client, world):
    client.force_login(world.filler_a)
    for raw in ["abc", "9" * 30, "-3"]:
        response = client.post(reverse("export-start"), {"round": raw, "organisation": raw, "statuses": ["draft"]})
        assert response.status_code == 302, raw


# ---------------------------------------------------------------- undo tokens


def test_replaying_an_undo_token_restores_the_row_once(client, world):
    from tables.editing import row_fingerprint

    table = world.table_a
    tasks = list(table.tasks.order_by("position"))
    client.force_login(world.filler_a)
    url = reverse("editor-row-delete", args=[table.pk, "tasks", tasks[1].pk])
    body = client.post(url, {"base": row_fingerprint(tasks[1])}, headers=HTMX).content.decode()
    token = body.split('name="token" value="')[1].split('"')[0]
    undo = reverse("editor-undo", args=[table.pk])
    answers = [client.post(undo, {"token": token}, headers=HTMX) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 400, 400]
    assert "已经撤销过了" in answers[1].content.decode()
    assert list(table.tasks.order_by("position").values_list("pk", flat=True)) == [t.pk for t in tasks]


def test_a_refused_undo_replay_leaves_the_version_alone(client, world):
    from tables.editing import EditError, delete_row, restore_row, row_fingerprint

    table = world.table_a
    row = table.indicators.order_by("position").first()
    saved = delete_row(table, "indicators", row.pk, base=row_fingerprint(row), user=world.filler_a)
    restore_row(table, saved.snapshot, user=world.filler_a)
    version = type(table).objects.get(pk=table.pk).version
    with pytest.raises(EditError):
        restore_row(table, saved.snapshot, user=world.filler_a)
    assert type(table).objects.get(pk=table.pk).version == version
    assert table.indicators.count() == 4
