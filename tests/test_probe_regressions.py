"""Faults an outside probe found (issue 18), each reproduced and kept fixed."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tables.params import BIGINT_MAX, positive_int
from tables.review import comments, workflow
from tests import test_permission_matrix as matrix
from tests.conftest import log_in

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
    from tables.models import ExportJob

    client.force_login(world.filler_a)
    for raw in ["abc", "9" * 30, "-3"]:
        response = client.post(reverse("export-start"), {"round": raw, "organisation": raw, "statuses": ["draft"]})
        assert response.status_code == 302, raw
        ExportJob.objects.all().delete()  # the next one is not refused as one too many in progress


# ---------------------------------------------------------------- undo tokens


def test_replaying_an_undo_token_restores_the_row_once(client, world):
    from tables.editor.editing import row_fingerprint

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
    from tables.editor.editing import EditError, delete_row, restore_row, row_fingerprint

    table = world.table_a
    row = table.indicators.order_by("position").first()
    saved = delete_row(table, "indicators", row.pk, base=row_fingerprint(row), user=world.filler_a)
    restore_row(table, saved.snapshot, user=world.filler_a)
    version = type(table).objects.get(pk=table.pk).version
    with pytest.raises(EditError):
        restore_row(table, saved.snapshot, user=world.filler_a)
    assert type(table).objects.get(pk=table.pk).version == version
    assert table.indicators.count() == 4


# ---------------------------------------------------------------- notification e-mails


def _with_addresses(world) -> None:
    for user in (world.filler_a, world.reviewer_a):
        user.email = f"{user.username}@example.invalid"
        user.save()


def test_a_return_reason_on_two_lines_still_reaches_the_filler_by_mail(
    world, settings, django_capture_on_commit_callbacks
):
    from django.core import mail

    settings.SITE_URL = "https://jxmb.example.gov.cn"
    _with_addresses(world)
    with django_capture_on_commit_callbacks(execute=True):
        snapshot = workflow.submit(world.table_a, world.filler_a)
    comments.add_comment(world.table_a, world.reviewer_a, anchor="table", body="请修改")
    with django_capture_on_commit_callbacks(execute=True):
        workflow.return_table(
            world.table_a,
            world.reviewer_a,
            snapshot_number=snapshot.number,
            reason="第一行：目标不具体。\r\n第二行：请补充指标。",
        )
    sent = mail.outbox[-1]
    assert sent.to == ["filler_a@example.invalid"]
    assert "\n" not in sent.subject and "\r" not in sent.subject and "第一行：目标不具体。 第二行" in sent.subject
    assert "第一行：目标不具体。\r\n第二行：请补充指标。" in sent.body
    assert f"https://jxmb.example.gov.cn{world.table_a.get_absolute_url()}" in sent.body


def test_a_long_message_makes_a_short_subject():
    from tables.review.notifications import SUBJECT_LENGTH, subject_line

    subject = subject_line("很长的原因" * 40)
    assert len(subject) == len("[绩效目标表] ") + SUBJECT_LENGTH and subject.endswith("…")


def test_a_mail_that_cannot_be_sent_is_marked_on_the_notification(
    world, monkeypatch, django_capture_on_commit_callbacks
):
    from django.core.mail import EmailMessage

    from tables.models import Notification
    from tables.review.notifications import MAIL_FAILED

    def refuse(self, *args, **kwargs):
        raise ConnectionRefusedError("smtp down")

    monkeypatch.setattr(EmailMessage, "send", refuse)
    _with_addresses(world)
    with django_capture_on_commit_callbacks(execute=True):
        workflow.submit(world.table_a, world.filler_a)
    notification = Notification.objects.get(recipient=world.reviewer_a)
    assert notification.message.endswith(MAIL_FAILED)
    assert type(world.table_a).objects.get(pk=world.table_a.pk).status == "submitted"  # the step itself stands


def test_check_deploy_warns_when_site_url_is_unset(settings):
    from tables.system_checks import site_url_is_set

    settings.SITE_URL = ""
    assert [m.id for m in site_url_is_set()] == ["tables.W010"]
    settings.SITE_URL = "https://jxmb.example.gov.cn"
    assert site_url_is_set() == []


# ---------------------------------------------------------------- GET never writes; nothing signed-in is cached

WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")
GET_ROUTES = [route for route in matrix.ROUTES if route.method == "GET"]


@pytest.mark.parametrize("persona", ["filler_a", "reviewer_a", "admin", "anonymous"])
@pytest.mark.parametrize("route", GET_ROUTES, ids=lambda r: r.id)
def test_a_get_in_the_permission_matrix_writes_nothing_and_is_never_stored(client, world, route, persona):
    """No GET writes to the database. The one write a GET may make is the session's sliding expiry
    (SessionActivityMiddleware, at most once per SESSION_REFRESH_SECONDS); `log_in` starts the
    session as one just refreshed, so here there is none at all. What a signed-in user gets
    (page, htmx fragment, download) carries Cache-Control: no-store."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    args = route.args(world)  # the state the row needs: written before the request is watched
    if persona != "anonymous":
        log_in(client, getattr(world, persona))
    url = reverse(route.name, args=args) + (f"?{route.query}" if route.query else "")
    headers = {"HX-Request": "true"} if route.htmx else {}
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, headers=headers)
    writes = [q["sql"][:160] for q in queries if q["sql"].lstrip().upper().startswith(WRITES)]
    assert not writes
    if persona != "anonymous":
        assert "no-store" in response.get("Cache-Control", ""), response.status_code


def test_the_review_page_leaves_the_submission_withdrawable_until_the_review_starts(client, world):
    workflow.submit(world.table_a, world.filler_a)
    client.force_login(world.reviewer_a)
    assert client.get(reverse("review-table", args=[world.table_a.pk])).status_code == 200
    assert not world.table_a.audit_entries.filter(action="open").exists()
    client.force_login(world.filler_a)
    client.post(reverse("review-withdraw", args=[world.table_a.pk]), {"snapshot": 1})
    assert type(world.table_a).objects.get(pk=world.table_a.pk).status == "draft"


def test_a_comment_starts_the_review(client, world):
    snapshot = workflow.submit(world.table_a, world.filler_a)
    client.force_login(world.reviewer_a)
    client.post(reverse("review-comments", args=[world.table_a.pk]), {"anchor": "table", "body": "请核实"})
    snapshot.refresh_from_db()
    assert snapshot.opened_by == world.reviewer_a


def test_a_download_is_marked_no_store_and_private(client, world):
    client.force_login(world.filler_a)
    response = client.get(reverse("table-download", args=[world.table_a.pk, "xlsx"]))
    assert response.status_code == 200
    assert {"no-store", "private"} <= {part.strip() for part in response["Cache-Control"].split(",")}


# ---------------------------------------------------------------- the Django admin and the workflow


def _admin_form_data(response) -> dict:
    """What the admin's change form would post as it stands (fields and inline formsets)."""
    from django.forms import BooleanField, CheckboxInput

    data = {}
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        forms += [formset.management_form, *formset.forms]
    for form in forms:
        for name, field in form.fields.items():
            value = form[name].value()
            if isinstance(field, BooleanField) or isinstance(field.widget, CheckboxInput):
                if value:
                    data[form.add_prefix(name)] = "on"
                continue
            if hasattr(value, "pk"):
                value = value.pk
            data[form.add_prefix(name)] = "" if value is None else value
    return data


def _approve_a(world):
    from tables.models import ReviewDecision

    snapshot = workflow.submit(world.table_a, world.filler_a)
    checklist = {stem: (True, "") for stem, _ in ReviewDecision.CHECKLIST}
    workflow.approve(
        world.table_a,
        world.reviewer_a,
        workflow.Approval(opinion="同意", checklist=checklist, published=True),
        snapshot_number=snapshot.number,
    )
    return type(world.table_a).objects.get(pk=world.table_a.pk)


def test_the_admin_cannot_change_an_approved_table_or_its_tasks(admin_client, world):
    table = _approve_a(world)
    url = reverse("admin:tables_targettable_change", args=[table.pk])
    page = admin_client.get(url)
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()  # a view-only page
    task = table.tasks.order_by("position").first()
    response = admin_client.post(url, {"title": "改过的标题", "goal": "改过的目标", "tasks-0-id": task.pk})
    assert response.status_code == 403
    after = type(table).objects.get(pk=table.pk)
    assert (after.title, after.goal, after.version, after.status) == (
        table.title,
        table.goal,
        table.version,
        "approved",
    )
    delete = admin_client.post(reverse("admin:tables_targettable_delete", args=[table.pk]), {"post": "yes"})
    assert delete.status_code == 403 and type(table).objects.filter(pk=table.pk).exists()


def test_an_admin_edit_of_a_draft_is_audited_and_bumps_the_version_but_cannot_set_the_status(admin_client, world):
    table = world.table_a
    url = reverse("admin:tables_targettable_change", args=[table.pk])
    data = _admin_form_data(admin_client.get(url))
    data.update(title="管理员改过的标题", status="approved")
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    after = type(table).objects.get(pk=table.pk)
    assert (after.title, after.status, after.version) == ("管理员改过的标题", "draft", table.version + 1)
    entry = after.audit_entries.get()
    assert entry.action == "change" and entry.version == after.version and "在管理后台修改" in entry.what
    assert entry.user.is_superuser


def test_an_unchanged_admin_save_writes_no_audit_entry(admin_client, world):
    table = world.table_a
    url = reverse("admin:tables_targettable_change", args=[table.pk])
    admin_client.post(url, _admin_form_data(admin_client.get(url)))
    assert type(table).objects.get(pk=table.pk).version == table.version
    assert not table.audit_entries.exists()


# ---------------------------------------------------------------- invalid input is never echoed as HTML

PAYLOAD = "<img src=x onerror=alert(1)>"


def test_an_amount_that_is_not_a_number_comes_back_escaped(client, world):
    table = world.table_a
    client.force_login(world.filler_a)
    response = client.post(reverse("editor-row-new", args=[table.pk, "tasks"]), {"total": PAYLOAD}, headers=HTMX)
    body = response.content.decode()
    assert response.status_code == 422
    assert PAYLOAD not in body and "&lt;img src=x onerror=alert(1)&gt;" in body


def test_no_editor_answer_to_invalid_input_echoes_it_as_html(client, world):
    from tables.editor.editing import row_fingerprint

    table = world.table_a
    task = table.tasks.order_by("position").first()
    indicator = table.indicators.order_by("position").first()
    client.force_login(world.filler_a)
    posts = [
        (reverse("editor-row-new", args=[table.pk, "tasks"]), {"name": PAYLOAD, "fiscal": PAYLOAD}),
        (
            reverse("editor-row", args=[table.pk, "tasks", task.pk]),
            {"base": row_fingerprint(task), "name": PAYLOAD, "total": PAYLOAD},
        ),
        (
            reverse("editor-row", args=[table.pk, "indicators", indicator.pk]),
            {"base": "stale", "level3": PAYLOAD, "value": PAYLOAD},
        ),
        (reverse("editor-paste-rows", args=[table.pk, "tasks"]), {"text": f"{PAYLOAD}\t{PAYLOAD}\t{PAYLOAD}"}),
        (reverse("editor-paste-rows", args=[table.pk, "indicators"]), {"text": f"{PAYLOAD}\t{PAYLOAD}"}),
        (reverse("editor-step", args=[table.pk, "basic"]), {"title": PAYLOAD, "budget_total": PAYLOAD}),
        (reverse("editor-parse-value") + "?value=" + PAYLOAD, None),
    ]
    echoed = []
    for url, data in posts:
        response = client.get(url) if data is None else client.post(url, data, headers=HTMX)
        if PAYLOAD in response.content.decode():
            echoed.append(f"{url}: {response.status_code}")
    assert not echoed


# ---------------------------------------------------------------- rows per table

PASTED = "产出指标\t数量指标\t粘贴的指标{}\t≥3个"


def test_a_paste_past_the_row_limit_adds_nothing_and_names_the_limit(client, world, settings):
    settings.MAX_INDICATORS_PER_TABLE = 5  # table A holds 4
    table = world.table_a
    client.force_login(world.filler_a)
    url = reverse("editor-paste-rows", args=[table.pk, "indicators"])
    response = client.post(url, {"text": "\n".join(PASTED.format(i) for i in range(2))}, headers=HTMX)
    assert response.status_code == 422 and "每张表最多 5 条绩效指标" in response.content.decode()
    assert table.indicators.count() == 4
    assert client.post(url, {"text": PASTED.format("甲")}, headers=HTMX).status_code == 200
    assert table.indicators.count() == 5


def test_a_new_row_past_the_limit_is_refused_with_a_message(client, world, settings):
    import json

    settings.MAX_TASKS_PER_TABLE = 3  # table A holds 3
    client.force_login(world.filler_a)
    response = client.post(reverse("editor-row-new", args=[world.table_a.pk, "tasks"]), {}, headers=HTMX)
    assert response.status_code == 422 and 'id="task-grid"' in response.content.decode()
    [message] = json.loads(response["HX-Trigger"])["messages"]
    assert message["level"] == "error" and "每张表最多 3 项任务" in message["text"]
    assert world.table_a.tasks.count() == 3


def test_an_undo_past_the_limit_is_refused(world, settings):
    from tables.editor.editing import EditError, delete_row, insert_rows, restore_row, row_fingerprint

    settings.MAX_TASKS_PER_TABLE = 3
    table = world.table_a
    task = table.tasks.order_by("position").first()
    saved = delete_row(table, "tasks", task.pk, base=row_fingerprint(task))
    insert_rows(table, "tasks", [{"name": "新任务"}])
    with pytest.raises(EditError, match="每张表最多 3 项任务"):
        restore_row(table, saved.snapshot)
    assert table.tasks.count() == 3


def test_a_copy_or_import_past_the_limit_is_refused(world, settings):
    from tables.editor.starting import StartError, copy_table
    from tables.imports.exchange import ExchangeError, export_table, import_document, tables_for_export
    from tables.models import Round
    from tests.factories import layout

    settings.MAX_INDICATORS_PER_TABLE = 3  # table A holds 4
    round_ = Round.objects.create(year=2027, title="2027年预算", layout=layout())
    with pytest.raises(StartError, match="每张表最多 3 条绩效指标"):
        copy_table(world.table_a, round_)
    document = export_table(tables_for_export().get(pk=world.table_a.pk))
    document["year"] = 2028
    with pytest.raises(ExchangeError, match="每张表最多 3 条绩效指标，这样会有 4 条绩效指标"):
        import_document(document, "a.json")
    assert not type(world.table_a).objects.filter(year__in=[2027, 2028]).exists()
