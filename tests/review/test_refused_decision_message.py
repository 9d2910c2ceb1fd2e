"""A refused decision is said at the top of the review page too, not only under its field in the side
panel (issue 19: 不公开 without a reason)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tables.models import ReviewDecision, TargetTable
from tables.review import workflow

pytestmark = pytest.mark.django_db


def messages_block(body: str) -> str:
    start = body.index('<div id="messages">')
    return body[start : body.index("</div>\n", body.index("</div>", start) + 1)]


def test_unpublished_without_a_reason_is_refused_at_the_top_and_under_the_field(client, world):
    workflow.submit(world.table_a, world.filler_a)
    data = {"snapshot": 1, "opinion": "同意", "grade": "", "published": "0", "unpublished_reason": "  "}
    for stem, _ in ReviewDecision.CHECKLIST:
        data[f"{stem}_passed"] = "1"
    client.force_login(world.reviewer_a)
    response = client.post(reverse("review-approve", args=[world.table_a.pk]), data)
    body = response.content.decode()
    assert response.status_code == 422
    assert '<div class="alert alert-danger" role="alert">未批复：不公开原因：不公开时请填写原因。</div>' in (
        messages_block(body)
    )
    assert body.index('id="messages"') < body.index('id="decide"')  # above the page, before the side panel
    assert '<div class="text-danger small field-error">不公开时请填写原因。</div>' in body  # and under the field
    assert TargetTable.objects.get(pk=world.table_a.pk).status == TargetTable.Status.SUBMITTED


def test_a_return_without_a_reason_is_refused_at_the_top(client, world):
    workflow.submit(world.table_a, world.filler_a)
    client.force_login(world.reviewer_a)
    response = client.post(reverse("review-return", args=[world.table_a.pk]), {"snapshot": 1, "reason": ""})
    assert response.status_code == 422
    assert "未退回：" in messages_block(response.content.decode())
