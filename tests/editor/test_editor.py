"""The step-by-step editor: who may use it, each endpoint, locking, paste, copy, query budgets."""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal

import pytest
from django.core import signing
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from indicators.catalog import COMMON_INDICATORS, last_year_values, name_key, suggest
from indicators.models import CatalogEntry, Indicator
from tables import permissions
from tables.editor import editing, starting
from tables.editor.editing import ROW_KINDS, Conflict, row_fingerprint
from tables.models import Layout, Round, TargetTable, Task
from tests.conftest import PERSONAS, SEEDS, load_expected, log_in
from tests.factories import IndicatorFactory, TableFactory, TaskFactory, table_with_rows

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def round_for(year: int = 2026, code: str = "xinjiang-2022-dept") -> Round:
    layout = Layout.objects.get(code=code)
    return Round.objects.get_or_create(year=year, layout=layout, defaults={"title": f"{year}年{layout.name}"})[0]


def step_url(table, step: str) -> str:
    return reverse("editor-step", args=[table.pk, step])


def row_url(table, row, kind: str = "indicators", action: str = "") -> str:
    url = reverse("editor-row", args=[table.pk, kind, row.pk])
    return url + (f"{action}/" if action else "")


def first_indicator(table) -> Indicator:
    return table.indicators.order_by("position").first()


def indicator_post(row: Indicator, **changes) -> dict:
    data = {name: getattr(row, name) or "" for name in ("level1", "level2", "level3", "value")}
    data["base"] = row_fingerprint(row)
    data.update(changes)
    return data


def goals_base(table) -> str:
    table.refresh_from_db()
    return editing.fingerprint(editing.values_of(table, ("goal",)))


# ---------------------------------------------------------------- the permission matrix

READ, WRITE = "read", "write"
# Expected status per persona: table_a belongs to 部门A.
EXPECT = {
    READ: {"filler_a": 200, "filler_b": 404, "reviewer_a": 200, "reviewer_b": 404, "admin": 200, "anonymous": 302},
    WRITE: {"filler_a": 200, "filler_b": 404, "reviewer_a": 403, "reviewer_b": 404, "admin": 200, "anonymous": 204},
    "start": {"filler_a": 200, "filler_b": 200, "reviewer_a": 403, "reviewer_b": 403, "admin": 200, "anonymous": 302},
    "entry": {"filler_a": 302, "filler_b": 404, "reviewer_a": 302, "reviewer_b": 404, "admin": 302, "anonymous": 302},
    "any": {"filler_a": 200, "filler_b": 200, "reviewer_a": 200, "reviewer_b": 200, "admin": 200, "anonymous": 302},
    # a page only those who may edit the table open (建议指标)
    "edit": {"filler_a": 200, "filler_b": 404, "reviewer_a": 403, "reviewer_b": 404, "admin": 200, "anonymous": 302},
    "moved": {"filler_a": 302, "filler_b": 302, "reviewer_a": 302, "reviewer_b": 302, "admin": 302, "anonymous": 302},
}


def _requests(world) -> dict:
    """URL name → (method, url, data, expectation); POSTs go as htmx requests."""
    t = world.table_a
    ind = first_indicator(t)
    task = t.tasks.order_by("position").first()
    token = signing.dumps(
        {
            "kind": "indicators",
            "table": t.pk,
            "id": 10**9,  # a deleted row's id: no row has it
            "position": 1,
            "values": {
                "level1": "产出指标",
                "level2": "数量指标",
                "level3": "恢复的指标",
                "value": "≥1个",
                "description": "",
                "basis": "",
                "note": "",
            },
        },
        salt="tables.editor.undo",
        compress=True,
    )
    return {
        "editor-start": ("get", reverse("editor-start"), None, "start"),
        "editor-table": ("get", reverse("editor-table", args=[t.pk]), None, "entry"),
        "editor-step:basic": ("get", step_url(t, "basic"), None, READ),
        "editor-step:tasks": ("get", step_url(t, "tasks"), None, READ),
        "editor-step:goals": ("get", step_url(t, "goals"), None, READ),
        "editor-step:indicators": ("get", step_url(t, "indicators"), None, READ),
        "editor-step:check": ("get", step_url(t, "check"), None, READ),
        "editor-step:save": ("post", step_url(t, "goals"), {"goal": "新的目标", "base": goals_base(t)}, WRITE),
        "editor-row:get": ("get", row_url(t, ind), None, READ),
        "editor-row:save": ("post", row_url(t, ind), indicator_post(ind, value="≥96%"), WRITE),
        "editor-row:save-task": (
            "post",
            row_url(t, task, "tasks"),
            {
                "name": "改名",
                "content": task.content,
                "total": "10.00",
                "fiscal": "10.00",
                "other": "",
                "base": row_fingerprint(task),
            },
            WRITE,
        ),
        "editor-row-new": ("post", reverse("editor-row-new", args=[t.pk, "indicators"]), {}, WRITE),
        "editor-row-delete": ("post", row_url(t, ind, action="delete"), {"base": row_fingerprint(ind)}, WRITE),
        "editor-row-move": ("post", row_url(t, ind, action="move"), {"direction": "down"}, WRITE),
        "editor-paste-rows": (
            "post",
            reverse("editor-paste-rows", args=[t.pk, "indicators"]),
            {"text": "产出指标\t数量指标\t粘贴的指标\t≥3个"},
            WRITE,
        ),
        "editor-undo": ("post", reverse("editor-undo", args=[t.pk]), {"token": token}, WRITE),
        "editor-suggest": ("get", reverse("editor-suggest", args=[t.pk]) + "?level3=满意", None, READ),
        "editor-parse-value": ("get", reverse("editor-parse-value") + "?value=%E2%89%A595%25", None, "any"),
        "editor-catalog": ("get", reverse("editor-catalog"), None, "moved"),  # to the library's page
        "editor-suggestions": ("get", reverse("editor-suggestions", args=[t.pk]), None, "edit"),
        "editor-suggestion-add": (
            "post",
            reverse("editor-suggestion-add", args=[t.pk]),
            {"level1": "产出指标", "level2": "数量指标", "level3": "建议的指标", "value": "≥1个"},
            WRITE,
        ),
    }


MATRIX_URLS = [
    "editor-start", "editor-table", "editor-step:basic", "editor-step:tasks", "editor-step:goals",
    "editor-step:indicators", "editor-step:check", "editor-step:save", "editor-row:get", "editor-row:save",
    "editor-row:save-task", "editor-row-new", "editor-row-delete", "editor-row-move", "editor-paste-rows",
    "editor-undo", "editor-suggest", "editor-parse-value", "editor-catalog",
    "editor-suggestions", "editor-suggestion-add",
]  # fmt: skip


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("name", MATRIX_URLS)
def test_permission_matrix(as_persona, world, name, persona):
    method, url, data, expectation = _requests(world)[name]
    client = as_persona(persona)
    response = client.get(url) if method == "get" else client.post(url, data, headers=HTMX)
    assert response.status_code == EXPECT[expectation][persona], response.content[:500]
    if persona == "anonymous":
        where = response.get("HX-Redirect") or response["Location"]
        assert where.startswith(reverse("login"))


def test_every_editor_url_is_in_the_permission_matrix():
    from tables.editor import urls as editor_urls

    names = {p.name for p in editor_urls.urlpatterns}
    covered = {n.split(":")[0] for n in MATRIX_URLS}
    assert names <= covered


# ---------------------------------------------------------------- starting a table


def test_filler_starts_a_blank_table_for_a_round(client, world):
    round_ = round_for(2027)
    client.force_login(world.filler_a)
    response = client.post(
        reverse("editor-start"),
        {"mode": "blank", "blank-round": round_.pk, "blank-organisation": world.org_a.pk},
    )
    table = TargetTable.objects.get(organisation=world.org_a, year=2027)
    assert response.status_code == 302 and response["Location"] == step_url(table, "basic")
    assert table.round == round_ and table.layout == round_.layout and table.status == "draft"
    assert table.created_by == world.filler_a and not table.indicators.exists()


def test_opening_a_start_way_by_its_link_shows_its_form_without_errors(client, world):
    client.force_login(world.filler_a)
    for mode in ("blank", "copy", "import", "paste"):
        page = client.get(reverse("editor-start"), {"mode": mode}).content.decode()
        assert "这个字段是必填项" not in page and "invalid-feedback" not in page, mode


def test_filler_cannot_start_a_table_for_another_organisation(client, world):
    client.force_login(world.filler_a)
    response = client.post(
        reverse("editor-start"),
        {"mode": "blank", "blank-round": round_for(2027).pk, "blank-organisation": world.org_b.pk},
    )
    assert response.status_code == 422
    assert not TargetTable.objects.filter(organisation=world.org_b, year=2027).exists()


def test_starting_a_table_that_exists_links_to_it(client, world):
    client.force_login(world.filler_a)
    response = client.post(
        reverse("editor-start"),
        {"mode": "blank", "blank-round": round_for(2026).pk, "blank-organisation": world.org_a.pk},
    )
    assert response.status_code == 422
    assert reverse("editor-table", args=[world.table_a.pk]) in response.content.decode()


def test_a_project_table_needs_its_code_and_name(client, world):
    round_ = round_for(2027, "hebei-2023-project")
    client.force_login(world.filler_a)
    data = {"mode": "blank", "blank-round": round_.pk, "blank-organisation": world.org_a.pk}
    assert client.post(reverse("editor-start"), data).status_code == 422
    data.update({"blank-project_code": "P-1", "blank-project_name": "信息化建设"})
    assert client.post(reverse("editor-start"), data).status_code == 302
    table = TargetTable.objects.get(organisation=world.org_a, year=2027)
    assert (table.kind, table.project_code, table.project_name) == ("project", "P-1", "信息化建设")


def test_copy_from_last_year_keeps_every_row_and_moves_the_year(client, world):
    source = world.table_a  # 2026
    source.budget_total = Decimal("1055.40")
    source.save()
    IndicatorFactory(table=source, position=5, level2="时效指标", level3="完成时间", value="2026年11月25日")
    client.force_login(world.filler_a)
    response = client.post(
        reverse("editor-start"), {"mode": "copy", "copy-round": round_for(2027).pk, "copy-source": source.pk}
    )
    assert response.status_code == 302
    copy = TargetTable.objects.get(organisation=world.org_a, year=2027)
    rows = lambda t: [(i.level1, i.level2, i.level3) for i in t.indicators.order_by("position")]  # noqa: E731
    assert rows(copy) == rows(source)
    assert [t.name for t in copy.tasks.order_by("position")] == [t.name for t in source.tasks.order_by("position")]
    assert copy.goal == source.goal and copy.budget_total == Decimal("1055.40")
    assert copy.indicators.get(level3="完成时间").value == "2027年11月25日"
    assert copy.indicators.get(position=1).value == "≥95%"


def test_copy_refuses_a_source_of_another_kind(client, world):
    client.force_login(world.filler_a)
    round_ = round_for(2027, "hebei-2023-project")
    response = client.post(
        reverse("editor-start"), {"mode": "copy", "copy-round": round_.pk, "copy-source": world.table_a.pk}
    )
    assert response.status_code == 422
    assert "类型不符" in response.content.decode()


def test_filler_imports_an_exchange_file_into_their_own_organisation(client, world):
    data = load_expected("000_db0fda59e4eac40f.json")
    upload = SimpleUploadedFile("000.json", json.dumps(data, ensure_ascii=False).encode(), "application/json")
    client.force_login(world.filler_a)
    response = client.post(
        reverse("editor-start"),
        {
            "mode": "import",
            "import-round": round_for(2027).pk,
            "import-organisation": world.org_a.pk,
            "import-file": upload,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    table = TargetTable.objects.get(organisation=world.org_a, year=2027)
    assert table.indicators.count() == len(data["indicators"])
    assert table.created_by == world.filler_a
    assert not TargetTable.objects.filter(organisation__name="新疆巴州财政局").exists()


def test_a_booklet_file_is_refused_with_a_message(client, world):
    upload = SimpleUploadedFile("b.json", b'{"format": "target-booklet/1"}', "application/json")
    client.force_login(world.filler_a)
    response = client.post(
        reverse("editor-start"),
        {
            "mode": "import",
            "import-round": round_for(2027).pk,
            "import-organisation": world.org_a.pk,
            "import-file": upload,
        },
    )
    assert response.status_code == 422 and "册子" in response.content.decode()


def test_pasted_whole_table_becomes_a_table(client, world):
    text = (SEEDS / "000_db0fda59e4eac40f.txt").read_text(encoding="utf-8")
    expected = load_expected("000_db0fda59e4eac40f.json")
    client.force_login(world.filler_a)
    data = {
        "mode": "paste",
        "paste-round": round_for(2027).pk,
        "paste-organisation": world.org_a.pk,
        "paste-text": text,
    }
    response = client.post(reverse("editor-start"), data)
    assert response.status_code == 302
    table = TargetTable.objects.get(organisation=world.org_a, year=2027)
    assert [(i.level1, i.level2, i.level3, i.value) for i in table.indicators.order_by("position")] == [
        (r["level1"], r["level2"], r["level3"], r["value"]) for r in expected["indicators"]
    ]
    assert [t.total for t in table.tasks.order_by("position")] == [Decimal(t["total"]) for t in expected["tasks"]]


def test_pasted_text_the_parser_cannot_place_is_listed_before_importing(client, world):
    text = "\n".join(
        [
            "部门（单位）整体支出绩效目标表",
            "\t一级指标\t二级指标\t三级指标\t指标值",
            "产出指标\t数量指标\t培训人次\t≥500人次",
            "孤零零的一格",
            "满意度指标\t满意度指标\t服务对象满意度\t≥90%",
        ]
    )
    client.force_login(world.filler_a)
    data = {
        "mode": "paste",
        "paste-round": round_for(2027).pk,
        "paste-organisation": world.org_a.pk,
        "paste-text": text,
    }
    response = client.post(reverse("editor-start"), data)
    body = response.content.decode()
    assert response.status_code == 200 and "孤零零的一格" in body and "第 4 行" in body
    assert not TargetTable.objects.filter(year=2027).exists()
    response = client.post(reverse("editor-start"), {**data, "paste-confirm": "on"})
    assert response.status_code == 302
    assert TargetTable.objects.get(year=2027).indicators.count() == 2


# ---------------------------------------------------------------- steps and the step bar


def test_step_bar_shows_empty_error_and_complete_steps(client, world):
    table = TableFactory(organisation=world.org_a, year=2027, goal=None)
    IndicatorFactory(table=table, position=1, value="*")  # a placeholder value: an error
    client.force_login(world.filler_a)
    response = client.get(step_url(table, "indicators"))
    states = {s.slug: s.state for s in response.context["steps"]}
    assert states == {
        "basic": "complete",
        "tasks": "empty",
        "goals": "empty",
        "indicators": "errors",
        "check": "errors",
    }
    table.goal = "目标"
    table.save()
    states = {s.slug: s.state for s in client.get(step_url(table, "goals")).context["steps"]}
    assert states["goals"] == "complete"
    empty = TableFactory(organisation=world.org_b, year=2027, goal=None)
    client.force_login(world.filler_b)
    states = {s.slug: s.state for s in client.get(step_url(empty, "basic")).context["steps"]}
    assert states["indicators"] == "empty"


def test_unknown_step_is_404(client, world):
    client.force_login(world.filler_a)
    assert client.get(reverse("editor-step", args=[world.table_a.pk, "nope"])).status_code == 404


def test_saving_a_step_form_autosaves_and_bumps_the_version(client, world):
    table = world.table_a
    client.force_login(world.filler_a)
    response = client.post(
        step_url(table, "goals"),
        {"goal": "目标1：保障运转。\n目标2：提高效率。", "base": goals_base(table), "version": 1},
        headers=HTMX,
    )
    assert response.status_code == 200
    table.refresh_from_db()
    assert table.goal == "目标1：保障运转。\n目标2：提高效率。" and table.version == 2
    assert response["X-Table-Version"] == "2"
    event = json.loads(response["HX-Trigger"])["editor:saved"]
    assert event["key"] == "form-goals" and event["base"] == goals_base(table) and not event["changedElsewhere"]
    assert 'id="form-goals-base"' in response.content.decode() and "已保存" in response.content.decode()


def test_saving_a_step_without_htmx_goes_to_the_next_step(client, world):
    client.force_login(world.filler_a)
    response = client.post(
        step_url(world.table_a, "goals"), {"goal": "新目标", "base": goals_base(world.table_a), "next": "1"}
    )
    assert response.status_code == 302 and response["Location"] == step_url(world.table_a, "indicators")


def test_basic_step_changes_round_and_title(client, world):
    table = world.table_a
    round_ = round_for(2026)
    base = editing.fingerprint(editing.values_of(table, ("organisation_id", "round_id", "title")))
    client.force_login(world.filler_a)
    response = client.post(
        step_url(table, "basic"),
        {"organisation": world.org_a.pk, "round": round_.pk, "title": "新标题", "base": base},
        headers=HTMX,
    )
    assert response.status_code == 200 and response["HX-Refresh"] == "true"
    table.refresh_from_db()
    assert (table.round, table.title, table.year) == (round_, "新标题", 2026)


def test_basic_step_refuses_an_organisation_the_filler_does_not_fill(client, world):
    table = world.table_a
    base = editing.fingerprint(editing.values_of(table, ("organisation_id", "round_id", "title")))
    client.force_login(world.filler_a)
    response = client.post(
        step_url(table, "basic"),
        {"organisation": world.org_b.pk, "round": round_for(2026).pk, "title": "x", "base": base},
        headers=HTMX,
    )
    assert response.status_code == 422
    table.refresh_from_db()
    assert table.organisation == world.org_a


def test_budget_step_saves_amounts_as_decimals_with_their_scale(client, world):
    table = TableFactory(organisation=world.org_a, year=2027, layout=Layout.objects.get(code="henan-2023-dept"))
    client.force_login(world.filler_a)
    fields = tuple(f"budget_{k}" for k in table.layout.budget_keys)
    base = editing.fingerprint(editing.values_of(table, fields))
    response = client.post(
        step_url(table, "tasks"),
        {
            "budget_total": "1,055.40",
            "budget_fiscal": "1000",
            "budget_special_account": "",
            "budget_unit_funds": "55.4",
            "budget_basic": "800.00",
            "budget_project": "255.4",
            "base": base,
        },
        headers=HTMX,
    )
    assert response.status_code == 200, response.content.decode()
    table.refresh_from_db()
    assert table.budget_total == Decimal("1055.40") and str(table.budget_basic) == "800.00"
    assert "合计：1055.4" in response.content.decode()  # the running sum of 资金来源


def test_budget_step_rejects_text_that_is_not_an_amount(client, world):
    table = TableFactory(organisation=world.org_a, year=2027, layout=Layout.objects.get(code="henan-2023-dept"))
    client.force_login(world.filler_a)
    response = client.post(step_url(table, "tasks"), {"budget_total": "一千", "base": "x"}, headers=HTMX)
    assert response.status_code == 422 and "不是有效的金额" in response.content.decode()


# ---------------------------------------------------------------- optimistic locking


def test_stale_form_save_is_refused_with_the_newer_value(client, world):
    table = world.table_a
    stale = goals_base(table)
    client.force_login(world.filler_a)
    assert client.post(step_url(table, "goals"), {"goal": "同事的目标", "base": stale}, headers=HTMX).status_code == 200
    response = client.post(step_url(table, "goals"), {"goal": "我的目标", "base": stale}, headers=HTMX)
    body = response.content.decode()
    assert response.status_code == 409
    assert "同事的目标" in body and "我的目标" in body and "载入最新内容" in body
    table.refresh_from_db()
    assert table.goal == "同事的目标"
    # Overwriting is a deliberate second step, with the newer base the conflict offered.
    overwrite = Conflict({"goal": "同事的目标"}).fingerprint
    assert overwrite in body
    response = client.post(
        step_url(table, "goals"), {"goal": "我的目标", "base": stale, "overwrite_base": overwrite}, headers=HTMX
    )
    assert response.status_code == 200
    table.refresh_from_db()
    assert table.goal == "我的目标"


def test_two_tabs_saving_the_same_row_conflict(client, world):
    table = world.table_a
    row = first_indicator(table)
    seen = indicator_post(row)  # both tabs loaded the row as it was
    client.force_login(world.filler_a)
    first = client.post(row_url(table, row), {**seen, "value": "≥90%"}, headers=HTMX)
    assert first.status_code == 200
    second = client.post(row_url(table, row), {**seen, "value": "≥99%"}, headers=HTMX)
    body = second.content.decode()
    assert second.status_code == 409
    assert "≥90%" in body and "≥99%" in body and f'hx-get="{row_url(table, row)}"' in body  # reload the row
    row.refresh_from_db()
    assert row.value == "≥90%"


def test_two_colleagues_editing_different_rows_do_not_conflict(client, world):
    table = world.table_a
    rows = list(table.indicators.order_by("position"))
    seen = [indicator_post(r, version=table.version) for r in rows]
    client.force_login(world.filler_a)
    assert client.post(row_url(table, rows[0]), {**seen[0], "value": "≥91%"}, headers=HTMX).status_code == 200
    response = client.post(row_url(table, rows[1]), {**seen[1], "value": "≥92%"}, headers=HTMX)
    assert response.status_code == 200
    assert json.loads(response["HX-Trigger"])["editor:saved"]["changedElsewhere"] is True
    assert [r.value for r in table.indicators.order_by("position")][:2] == ["≥91%", "≥92%"]


def test_saving_a_row_someone_deleted_is_a_conflict(client, world):
    table = world.table_a
    row = first_indicator(table)
    seen, url = indicator_post(row), row_url(table, row)
    row.delete()
    client.force_login(world.filler_a)
    response = client.post(url, seen, headers=HTMX)
    assert response.status_code == 409 and "已被他人删除" in response.content.decode()


def test_deleting_a_row_someone_changed_is_a_conflict(client, world):
    table = world.table_a
    row = first_indicator(table)
    base = row_fingerprint(row)
    Indicator.objects.filter(pk=row.pk).update(value="≥80%")
    client.force_login(world.filler_a)
    response = client.post(row_url(table, row, action="delete"), {"base": base}, headers=HTMX)
    assert response.status_code == 409 and "≥80%" in response.content.decode()
    assert Indicator.objects.filter(pk=row.pk).exists()


def test_save_row_takes_the_table_lock_first_and_rolls_back_on_conflict(world):
    table = world.table_a
    row = first_indicator(table)
    with pytest.raises(Conflict):
        editing.save_row(table, "indicators", row.pk, {"value": "x"}, base="stale", based_on=None)
    table.refresh_from_db()
    assert table.version == 1  # the bump was rolled back with the refused save


# ---------------------------------------------------------------- rows


def test_row_save_answers_with_out_of_band_parts_and_findings(client, world):
    table = world.table_a
    row = first_indicator(table)
    client.force_login(world.filler_a)
    response = client.post(row_url(table, row), indicator_post(row, value=">3天"), headers=HTMX)
    body = response.content.decode()
    assert response.status_code == 200
    row.refresh_from_db()
    assert row.value == ">3天"
    assert f'id="ind-{row.pk}-base" value="{row_fingerprint(row)}" hx-swap-oob="true"' in body
    assert f'id="ind-{row.pk}-parse"' in body and "比较符" in body and "天" in body
    assert 'id="step-bar"' in body and 'id="findings-data"' in body


def test_a_row_save_answers_with_the_findings_of_the_table_as_saved(client, world):
    # The check reads the rows after the write (as values, no model instances): the saved value counts.
    table = world.table_a
    row = first_indicator(table)
    client.force_login(world.filler_a)
    marker = f'class="row-findings list-unstyled small mb-0" data-target="ind-{row.pk}"'
    body = client.post(row_url(table, row), indicator_post(row, value="*"), headers=HTMX).content.decode()
    assert marker in body and "finding-error" in body[body.index(marker) : body.index(marker) + 400]
    row.refresh_from_db()
    body = client.post(row_url(table, row), indicator_post(row, value="≥95%"), headers=HTMX).content.decode()
    assert marker not in body


def test_findings_show_next_to_the_row_they_concern(client, world):
    table = world.table_a
    row = first_indicator(table)
    Indicator.objects.filter(pk=row.pk).update(value="*")
    client.force_login(world.filler_a)
    body = client.get(step_url(table, "indicators")).content.decode()
    start = body.index(f'class="row-findings list-unstyled small mb-0" data-target="ind-{row.pk}"')
    assert "finding-error" in body[start : start + 400]


def test_invalid_task_amount_is_refused_with_a_message(client, world):
    table = world.table_a
    task = table.tasks.order_by("position").first()
    client.force_login(world.filler_a)
    response = client.post(
        row_url(table, task, "tasks"),
        {"name": task.name, "content": "", "total": "十万", "fiscal": "", "other": "", "base": row_fingerprint(task)},
        headers=HTMX,
    )
    assert response.status_code == 422 and "保存失败" in response.content.decode()


def test_task_save_updates_the_running_totals(client, world):
    table = world.table_a
    task = table.tasks.order_by("position").first()
    client.force_login(world.filler_a)
    response = client.post(
        row_url(table, task, "tasks"),
        {
            "name": task.name,
            "content": "",
            "total": "20.50",
            "fiscal": "20.50",
            "other": "",
            "base": row_fingerprint(task),
        },
        headers=HTMX,
    )
    assert response.status_code == 200
    assert 'id="task-sum-total" hx-swap-oob="true">40.50<' in response.content.decode()


def test_changing_a_rows_category_redraws_the_grouped_grid(client, world):
    table = world.table_a
    row = first_indicator(table)
    client.force_login(world.filler_a)
    response = client.post(row_url(table, row), indicator_post(row, level2="质量指标"), headers=HTMX)
    assert response.status_code == 200 and response["HX-Retarget"] == "#indicator-grid"
    assert 'id="indicator-grid"' in response.content.decode()


def test_row_fragment_reloads_the_stored_row(client, world):
    row = first_indicator(world.table_a)
    client.force_login(world.filler_a)
    body = client.get(row_url(world.table_a, row), headers=HTMX).content.decode()
    assert body.lstrip().startswith(f'<tr id="ind-{row.pk}"') and "<html" not in body


def test_insert_after_a_row_shifts_the_rows_below(client, world):
    table = world.table_a
    rows = list(table.indicators.order_by("position"))
    client.force_login(world.filler_a)
    response = client.post(
        reverse("editor-row-new", args=[table.pk, "indicators"]),
        {"after": rows[0].pk, "level1": rows[0].level1, "level2": rows[0].level2},
        headers=HTMX,
    )
    assert response.status_code == 200
    order = list(table.indicators.order_by("position").values_list("pk", flat=True))
    assert order[0] == rows[0].pk and order[2:] == [r.pk for r in rows[1:]]
    new = Indicator.objects.get(pk=order[1])
    assert (new.level1, new.level2, new.level3) == (rows[0].level1, rows[0].level2, "")
    assert json.loads(response["HX-Trigger-After-Settle"])["editor:focus"]["id"] == f"ind-{new.pk}-level3"


def test_a_new_row_at_the_end_takes_the_last_rows_category(client, world):
    table = world.table_a
    client.force_login(world.filler_a)
    client.post(reverse("editor-row-new", args=[table.pk, "indicators"]), {}, headers=HTMX)
    last = table.indicators.order_by("-position").first()
    assert (last.position, last.level1, last.level2) == (5, "满意度指标", "满意度指标")


def test_delete_then_undo_puts_the_row_back(client, world):
    table = world.table_a
    rows = list(table.indicators.order_by("position"))
    client.force_login(world.filler_a)
    response = client.post(row_url(table, rows[1], action="delete"), {"base": row_fingerprint(rows[1])}, headers=HTMX)
    body = response.content.decode()
    assert response.status_code == 200 and 'id="undo-bar"' in body and "撤销删除" in body
    assert list(table.indicators.order_by("position").values_list("position", flat=True)) == [1, 2, 3]
    token = body.split('name="token" value="')[1].split('"')[0]
    response = client.post(reverse("editor-undo", args=[table.pk]), {"token": token}, headers=HTMX)
    assert response.status_code == 200
    restored = table.indicators.order_by("position")[1]
    assert (restored.level3, restored.value, restored.position) == (rows[1].level3, rows[1].value, 2)


def test_undo_refuses_a_forged_token(client, world):
    client.force_login(world.filler_a)
    response = client.post(reverse("editor-undo", args=[world.table_a.pk]), {"token": "forged"}, headers=HTMX)
    assert response.status_code == 400


def test_undo_token_of_another_table_is_refused(client, world):
    token = signing.dumps(
        {"kind": "indicators", "table": world.table_b.pk, "position": 1, "values": {}},
        salt="tables.editor.undo",
        compress=True,
    )
    client.force_login(world.filler_a)
    assert client.post(reverse("editor-undo", args=[world.table_a.pk]), {"token": token}).status_code == 400


def test_move_swaps_a_row_with_its_neighbour(client, world):
    table = world.table_a
    rows = list(table.indicators.order_by("position"))
    client.force_login(world.filler_a)
    client.post(row_url(table, rows[2], action="move"), {"direction": "up"}, headers=HTMX)
    assert list(table.indicators.order_by("position").values_list("pk", flat=True)) == [
        rows[0].pk,
        rows[2].pk,
        rows[1].pk,
        rows[3].pk,
    ]
    client.post(row_url(table, rows[3], action="move"), {"direction": "down"}, headers=HTMX)  # already last
    assert table.indicators.order_by("position").last().pk == rows[3].pk


def test_task_rows_are_inserted_moved_and_deleted_too(client, world):
    table = world.table_a
    tasks = list(table.tasks.order_by("position"))
    client.force_login(world.filler_a)
    client.post(reverse("editor-row-new", args=[table.pk, "tasks"]), {"after": tasks[0].pk}, headers=HTMX)
    assert table.tasks.count() == 4 and table.tasks.get(position=2).name == ""
    client.post(row_url(table, tasks[2], "tasks", "move"), {"direction": "up"}, headers=HTMX)
    new = table.tasks.get(position=2)
    assert (
        client.post(row_url(table, new, "tasks", "delete"), {"base": row_fingerprint(new)}, headers=HTMX).status_code
        == 200
    )
    assert [t.pk for t in table.tasks.order_by("position")] == [
        tasks[0].pk,
        tasks[1].pk,
        tasks[2].pk,
    ] or table.tasks.count() == 3


# ---------------------------------------------------------------- paste


PASTED_ROWS = "\n".join(
    [
        "\t一级指标\t二级指标\t三级指标\t指标值\t",
        "\t\t数量指标\t在职人员人数\t=83人\t",
        "\t\t数量指标\t公务保障用车数量\t=9辆\t",
        "\t\t质量指标\t系统故障率\t≤5%\t",
        "这一行放不进表格",
        "效益指标\t社会效益指标\t提高财政工作社会影响力\t有效提高",
        "\t\t检查结果公开率\t≥95%",
        "满意度指标\t满意度指标\t使用人员满意度\t≥90%",
    ]
)


def test_pasted_rows_fill_blank_categories_and_report_what_they_cannot_place(client, world):
    table = TableFactory(organisation=world.org_a, year=2027)
    client.force_login(world.filler_a)
    response = client.post(
        reverse("editor-paste-rows", args=[table.pk, "indicators"]), {"text": PASTED_ROWS}, headers=HTMX
    )
    body = response.content.decode()
    assert response.status_code == 200
    rows = [(i.level1, i.level2, i.level3, i.value) for i in table.indicators.order_by("position")]
    assert rows == [
        ("产出指标", "数量指标", "在职人员人数", "=83人"),
        ("产出指标", "数量指标", "公务保障用车数量", "=9辆"),
        ("产出指标", "质量指标", "系统故障率", "≤5%"),
        ("效益指标", "社会效益指标", "提高财政工作社会影响力", "有效提高"),
        ("效益指标", "社会效益指标", "检查结果公开率", "≥95%"),
        ("满意度指标", "满意度指标", "使用人员满意度", "≥90%"),
    ]
    assert "已添加 6 行" in body and "这一行放不进表格" in body and "第 5 行" in body


def test_paste_after_a_row_continues_its_group(client, world):
    table = world.table_a
    first = first_indicator(table)
    client.force_login(world.filler_a)
    client.post(
        reverse("editor-paste-rows", args=[table.pk, "indicators"]),
        {"text": "\t\t新指标甲\t≥1个\n\t\t新指标乙\t≥2个", "after": first.pk},
        headers=HTMX,
    )
    rows = list(table.indicators.order_by("position"))
    assert [r.level3 for r in rows[1:3]] == ["新指标甲", "新指标乙"]
    assert {(r.level1, r.level2) for r in rows[1:3]} == {(first.level1, first.level2)}
    assert len(rows) == 6


def test_paste_with_nothing_usable_is_422_and_says_why(client, world):
    client.force_login(world.filler_a)
    response = client.post(
        reverse("editor-paste-rows", args=[world.table_a.pk, "indicators"]), {"text": "只有一格"}, headers=HTMX
    )
    assert response.status_code == 422 and "只有一格" in response.content.decode()
    assert world.table_a.indicators.count() == 4


def test_pasted_task_rows(client, world):
    table = world.table_a
    client.force_login(world.filler_a)
    text = "\n".join(
        [
            "\t任务名称\t主要内容\t总额\t财政拨款\t其他资金",
            "年度主要任务\t培训\t组织培训\t1,200.50\t1000\t200.50",
            "\t坏行\t内容\t一百\t\t",
        ]
    )
    response = client.post(reverse("editor-paste-rows", args=[table.pk, "tasks"]), {"text": text}, headers=HTMX)
    assert response.status_code == 200 and "坏行" in response.content.decode()
    task = table.tasks.order_by("-position").first()
    assert (task.name, task.total, task.other) == ("培训", Decimal("1200.50"), Decimal("200.50"))


# ---------------------------------------------------------------- suggestions, value parse, last year, catalog


def test_suggestions_come_from_earlier_years_and_the_catalog(client, world):
    earlier = TableFactory(organisation=world.org_a, year=2025)
    IndicatorFactory(table=earlier, position=1, level2="服务对象满意度指标", level3="群众办事满意度", value="≥92%")
    IndicatorFactory(table=TableFactory(organisation=world.org_b, year=2025), position=1, level3="部门B的满意度")
    client.force_login(world.filler_a)
    response = client.get(
        reverse("editor-suggest", args=[world.table_a.pk]), {"level3": "满意度", "level2": "服务对象满意度指标"}
    )
    body = response.content.decode()
    assert body.index("群众办事满意度") < body.index("服务对象满意度</") if "服务对象满意度</" in body else True
    assert "群众办事满意度" in body and "2025年" in body and "指标库" in body
    assert "部门B的满意度" not in body


def test_suggest_ranks_the_rows_own_category_first():
    items = suggest("率", organisation_id=0, before_year=2030, level2="时效指标")
    assert items and items[0].level2 == "时效指标"


def test_value_parse_shows_comparator_number_and_unit_and_flags_unreadable_text(client, world):
    client.force_login(world.filler_a)
    body = client.get(reverse("editor-parse-value"), {"value": "不少于 1,000 人"}).content.decode()
    assert "≥" in body and "1000" in body and "人" in body and "parse-error" not in body
    body = client.get(reverse("editor-parse-value"), {"value": "≥"}).content.decode()
    assert "parse-error" in body
    body = client.get(reverse("editor-parse-value"), {"value": "2022年11月25日"}).content.decode()
    assert "日期" in body


def test_last_years_value_shows_beside_a_matching_indicator(client, world):
    previous = TableFactory(organisation=world.org_a, year=2025, status=TargetTable.Status.APPROVED)
    row = first_indicator(world.table_a)
    IndicatorFactory(table=previous, position=1, level3=f"1.{row.level3}", value="≥88%")
    TableFactory(organisation=world.org_a, year=2024, status=TargetTable.Status.APPROVED)
    draft_2025_other = TableFactory(organisation=world.org_b, year=2025, status=TargetTable.Status.APPROVED)
    IndicatorFactory(table=draft_2025_other, position=1, level3=row.level3, value="≥1%")
    assert last_year_values(TargetTable.objects.approved_before(world.table_a)) == {
        name_key(row.level3): (2025, "≥88%")
    }
    client.force_login(world.filler_a)
    body = client.get(step_url(world.table_a, "indicators")).content.decode()
    assert "上年（2025）：≥88%" in body


def test_the_catalog_ships_common_indicators():
    assert CatalogEntry.objects.count() >= len(COMMON_INDICATORS)


def test_reviewer_sees_the_editor_read_only_with_the_reference_sheet_links(client, world):
    client.force_login(world.reviewer_a)
    body = client.get(step_url(world.table_a, "indicators")).content.decode()
    assert "只读" in body and 'hx-trigger="change"' not in body
    row = first_indicator(world.table_a)
    assert f'href="{reverse("library-indicator-sheet", args=[row.pk])}"' in body and "指标说明" in body
    assert "纳入指标库" not in body  # proposals come from approved tables only


def test_reviewer_proposes_from_an_approved_tables_rows(client, world):
    TargetTable.objects.filter(pk=world.table_a.pk).update(status=TargetTable.Status.APPROVED)
    row = first_indicator(world.table_a)
    client.force_login(world.reviewer_a)
    body = client.get(step_url(world.table_a, "indicators")).content.decode()
    assert f'href="{reverse("library-propose", args=[row.pk])}"' in body and "纳入指标库" in body
    client.force_login(world.filler_a)
    assert "纳入指标库" not in client.get(step_url(world.table_a, "indicators")).content.decode()


# ---------------------------------------------------------------- read-only and the htmx contract


def test_a_submitted_table_is_read_only_in_the_editor(client, world):
    table = world.table_a
    TargetTable.objects.filter(pk=table.pk).update(status=TargetTable.Status.SUBMITTED)
    row = first_indicator(table)
    client.force_login(world.filler_a)
    body = client.get(step_url(table, "indicators")).content.decode()
    assert "只读" in body and "已提交" in body and "添加一行" not in body
    assert client.post(row_url(table, row), indicator_post(row, value="≥1%"), headers=HTMX).status_code == 403
    assert client.post(step_url(table, "goals"), {"goal": "x", "base": goals_base(table)}).status_code == 403
    row.refresh_from_db()
    assert row.value == "≥95%"


def test_a_table_submitted_meanwhile_refuses_the_save(world):
    table = world.table_a
    row = first_indicator(table)
    TargetTable.objects.filter(pk=table.pk).update(status=TargetTable.Status.APPROVED)
    with pytest.raises(editing.NotEditable):
        editing.save_row(table, "indicators", row.pk, {"value": "x"}, base=row_fingerprint(row), based_on=None)


def test_expired_session_on_an_autosave_redirects_the_page_to_login(client, world):
    row = first_indicator(world.table_a)
    response = client.post(row_url(world.table_a, row), indicator_post(row), headers=HTMX)
    assert response.status_code == 204 and response["HX-Redirect"].startswith(reverse("login"))


def test_the_check_step_lists_all_findings_and_previews_the_printed_table(client, world):
    Indicator.objects.filter(pk=first_indicator(world.table_a).pk).update(value="*")
    client.force_login(world.filler_a)
    body = client.get(step_url(world.table_a, "check")).content.decode()
    assert 'class="official"' in body and "错误（" in body and "指标值不能只填" in body


# ---------------------------------------------------------------- query budgets


@pytest.mark.parametrize("size", [5, 60])
def test_indicator_step_renders_in_a_constant_number_of_queries(client, world, django_assert_num_queries, size):
    table = table_with_rows(world.org_a, indicators=size, year=2027)
    log_in(client, world.filler_a)
    client.get(step_url(table, "indicators"))  # the process caches the scheme's categories (Scheme.tree)
    # session, user, memberships, table (+organisation, layout, scheme, round), tasks, indicators,
    # last year's values, reviewers' comments (none here), unread notifications (header)
    with django_assert_num_queries(9):
        response = client.get(step_url(table, "indicators"))
    assert response.status_code == 200 and len(response.context["rows"]) == size


@pytest.mark.parametrize("size", [5, 60])
def test_a_row_save_takes_a_constant_number_of_queries(client, world, django_assert_num_queries, size):
    table = table_with_rows(world.org_a, indicators=size, year=2027)
    row = first_indicator(table)
    data = indicator_post(row, value="≥97%")
    log_in(client, world.filler_a)
    client.get(step_url(table, "indicators"))  # the process caches the scheme's categories (Scheme.tree)
    # session, user, memberships, table; savepoint, version bump (the table's write lock; returns
    # the version), row, row update, release; then the tasks and the indicators (as values, for
    # the check) as the save left them (+1 for last year's value when the name changes)
    with django_assert_num_queries(11) as queries:
        response = client.post(row_url(table, row), data, headers=HTMX)
    assert response.status_code == 200
    # Lookups by key need no ORDER BY (compiling the table's Meta ordering, which joins the
    # organisation, cost more than its query); only the table's rows are ordered, by position.
    ordered = [q["sql"].split(" ORDER BY ")[1] for q in queries.captured_queries if " ORDER BY " in q["sql"]]
    assert ordered == ['"tables_task"."position" ASC', '"indicators_indicator"."position" ASC']


# ---------------------------------------------------------------- domain logic


def test_shifting_positions_never_breaks_the_unique_constraint(world):
    table = world.table_a
    saved = editing.insert_rows(table, "indicators", [{"level3": f"新{i}"} for i in range(3)], position=1)
    assert [r.position for r in saved.rows] == [1, 2, 3]
    assert list(table.indicators.order_by("position").values_list("position", flat=True)) == list(range(1, 8))


def test_shift_year_moves_only_dates_of_the_old_year():
    assert starting.shift_year("2022年11月25日", 2022, 2023) == "2023年11月25日"
    assert starting.shift_year("≤2022年底", 2022, 2023) == "≤2023年底"
    assert starting.shift_year("≥2022人", 2022, 2023) == "≥2022人"
    assert starting.shift_year("2021年底", 2022, 2023) == "2021年底"


def test_fillable_organisations_follow_the_filler_role(world):
    assert list(permissions.fillable_organisations(world.filler_a)) == [world.org_a]
    assert not permissions.fillable_organisations(world.reviewer_a).exists()
    assert permissions.fillable_organisations(world.admin).count() == 3


def test_a_fingerprint_is_the_short_hash_of_the_values_as_sorted_json():
    # The base a page sent stays valid across a release: the fingerprint's input is the same JSON.
    values = {"value": "≥95%", "level3": "使用人员满意度", "number": "", "core": "是"}
    raw = json.dumps(values, sort_keys=True, ensure_ascii=False)
    assert editing.fingerprint(values) == hashlib.sha256(raw.encode()).hexdigest()[:16]


def test_a_row_fingerprint_is_the_fingerprint_of_its_values(world):
    # row_fingerprint writes the sorted JSON itself (for speed): quotes, backslashes, control and
    # non-ASCII characters, numbers, 是/否 and empty cells hash as `fingerprint(values_of(...))` does.
    awkward = '引号"与\\反斜杠\t制表\n换行\u2028'
    ind = IndicatorFactory(
        table=world.table_a, position=9, level3=awkward, value="≥95%", note=awkward, number=Decimal("1.50"), core=True
    )
    task = TaskFactory(table=world.table_a, position=9, name=awkward, total=Decimal("1.50"))
    for row, kind in ((ind, "indicators"), (task, "tasks")):
        row.refresh_from_db()
        assert editing.row_fingerprint(row) == editing.fingerprint(editing.values_of(row, ROW_KINDS[kind].fields))


def test_task_factory_rows_keep_their_amount_scale(world):
    task = TaskFactory(table=world.table_a, position=9, total=Decimal("1.50"))
    assert editing.values_of(task, ("total",)) == {"total": "1.50"}
    assert isinstance(Task.objects.get(pk=task.pk).total, Decimal)


# ---------------------------------------------------------------- the audit log of edits


def returned(world) -> TargetTable:
    """table_a submitted once and returned: editable again, and every edit is now logged."""
    from tables.review import comments, workflow

    table = world.table_a
    snapshot = workflow.submit(table, world.filler_a)
    comments.add_comment(table, world.reviewer_a, anchor="table", body="请修改")
    workflow.return_table(table, world.reviewer_a, snapshot_number=snapshot.number, reason="退回修改")
    table.refresh_from_db()
    return table


def changes(table) -> list[tuple[str, str, str]]:
    from tables.models import AuditEntry

    return list(table.audit_entries.filter(action=AuditEntry.Action.CHANGE).values_list("what", "old", "new"))


def test_edits_before_the_first_submission_are_not_logged(client, world):
    row = first_indicator(world.table_a)
    client.force_login(world.filler_a)
    assert client.post(row_url(world.table_a, row), indicator_post(row, value="≥97%"), headers=HTMX).status_code == 200
    assert changes(world.table_a) == []


def test_a_row_edit_after_a_return_is_logged_with_old_and_new_value(client, world):
    table = returned(world)
    row = first_indicator(table)
    old = row.value
    client.force_login(world.filler_a)
    response = client.post(row_url(table, row), indicator_post(row, value="≥97%"), headers=HTMX)
    assert response.status_code == 200
    [(what, before, after)] = changes(table)
    assert what == f"指标第{row.position}行“{row.level3}” 指标值"
    assert (before, after) == (old, "≥97%")
    entry = table.audit_entries.get(action="change")
    assert entry.user == world.filler_a and entry.version == TargetTable.objects.get(pk=table.pk).version
    page = client.get(reverse("table-detail", args=[table.pk])).content.decode()
    assert "≥97%" in page and f"指标第{row.position}行" in page


def test_header_fields_inserts_deletes_and_moves_after_a_return_are_logged(client, world):
    table = returned(world)
    client.force_login(world.filler_a)
    table.refresh_from_db()
    old_goal = table.goal or ""
    response = client.post(step_url(table, "goals"), {"goal": "新的总体目标", "base": goals_base(table)}, headers=HTMX)
    assert response.status_code == 200
    assert ("年度总体目标", old_goal, "新的总体目标") in changes(table)

    table.refresh_from_db()
    row = {"level1": "产出指标", "level2": "数量指标", "level3": "新增指标", "value": "=3个"}
    new = editing.insert_rows(table, "indicators", [row], user=world.filler_a).obj
    summary = "一级指标：产出指标；二级指标：数量指标；三级指标：新增指标；指标值：=3个"
    assert (f"新增指标第{new.position}行“新增指标”", "", summary) in changes(table)

    editing.move_row(table, "indicators", new.pk, "up", user=world.filler_a)
    assert (f"移动指标第{new.position}行“新增指标”", f"第{new.position}行", f"第{new.position - 1}行") in changes(table)

    new.refresh_from_db()
    editing.delete_row(table, "indicators", new.pk, base=row_fingerprint(new), user=world.filler_a)
    deleted = [c for c in changes(table) if c[0].startswith("删除")]
    assert len(deleted) == 1 and "=3个" in deleted[0][1] and deleted[0][2] == ""


def test_a_refused_edit_leaves_no_audit_entry(world):
    table = returned(world)
    row = first_indicator(table)
    with pytest.raises(Conflict):
        editing.save_row(table, "indicators", row.pk, {"value": "x"}, base="stale", based_on=None, user=world.filler_a)
    assert changes(table) == []


def test_step_five_submits_the_table_for_review(client, world):
    from tables.models import Snapshot

    table = world.table_a
    client.force_login(world.filler_a)
    body = client.get(step_url(table, "check")).content.decode()
    assert reverse("review-submit", args=[table.pk]) in body and 'name="fingerprint"' in body
    fingerprint = client.get(step_url(table, "check")).context["submit_form"]["fingerprint"].value()
    data = {"fingerprint": fingerprint, "warning_reason": "说明警告"}
    response = client.post(reverse("review-submit", args=[table.pk]), data)
    assert response.status_code == 302
    table.refresh_from_db()
    assert table.status == TargetTable.Status.SUBMITTED and Snapshot.objects.filter(table=table).count() == 1
    # submitted: the step is read-only and offers no second submit
    body = client.get(step_url(table, "check")).content.decode()
    assert reverse("review-submit", args=[table.pk]) not in body


def test_step_five_offers_no_submit_to_a_reviewer(client, world):
    client.force_login(world.reviewer_a)
    response = client.get(step_url(world.table_a, "check"))
    assert response.status_code == 200 and response.context.get("submit_form") is None
    assert reverse("review-submit", args=[world.table_a.pk]) not in response.content.decode()


def test_step_five_withholds_submit_while_errors_remain(client, world):
    Indicator.objects.filter(pk=first_indicator(world.table_a).pk).update(value="*")
    client.force_login(world.filler_a)
    body = client.get(step_url(world.table_a, "check")).content.decode()
    assert "须修改后才能提交" in body and reverse("review-submit", args=[world.table_a.pk]) not in body


# ---------------------------------------------------------------- reviewers' comments in the editor


def test_the_filler_sees_comments_next_to_the_rows_in_the_editor(client, world):
    from tables.review import comments, workflow

    table = world.table_a
    row = first_indicator(table)
    snapshot = workflow.submit(table, world.filler_a)
    comments.add_comment(table, world.reviewer_a, anchor=f"indicator:{row.pk}", body="目标值偏低，请核实")
    comments.add_comment(table, world.reviewer_a, anchor="field:goal", body="总体目标请写具体")
    workflow.return_table(table, world.reviewer_a, snapshot_number=snapshot.number, reason="请修改")
    client.force_login(world.filler_a)

    body = client.get(step_url(table, "indicators")).content.decode()
    assert "目标值偏低，请核实" in body and "总体目标请写具体" not in body  # the goal's comment is on step 3
    assert 'class="badge text-bg-warning comment-badge' in body and "批注 1" in body
    assert f'href="{step_url(table, "indicators")}#ind-{row.pk}"' in body  # the thread links to its row
    assert reverse("review-comment-reply", args=[table.comments.get(anchor_kind="indicator").pk]) in body

    goals = client.get(step_url(table, "goals")).content.decode()
    assert "总体目标请写具体" in goals and "目标值偏低" not in goals
    check = client.get(step_url(table, "check")).content.decode()
    assert "总体目标请写具体" in check and "目标值偏低" in check

    # The comment survives an edit of its row and shows as outdated.
    table.refresh_from_db()
    row.refresh_from_db()
    response = client.post(row_url(table, row), indicator_post(row, value="≥99%"), headers=HTMX)
    assert response.status_code == 200
    body = client.get(step_url(table, "indicators")).content.decode()
    assert "目标值偏低，请核实" in body and "批注可能已过时" in body


def test_a_reply_from_the_editor_returns_to_the_editor(client, world):
    from tables.models import Comment
    from tables.review import comments, workflow

    table = world.table_a
    row = first_indicator(table)
    snapshot = workflow.submit(table, world.filler_a)
    thread = comments.add_comment(table, world.reviewer_a, anchor=f"indicator:{row.pk}", body="请核实")
    workflow.return_table(table, world.reviewer_a, snapshot_number=snapshot.number, reason="请修改")
    client.force_login(world.filler_a)
    back = step_url(table, "indicators")
    data = {"body": "已按要求修改", "next": f"{back}#comment-{thread.pk}"}
    response = client.post(reverse("review-comment-reply", args=[thread.pk]), data)
    assert response.status_code == 302 and response["Location"].startswith(back)
    assert Comment.objects.filter(parent=thread, body="已按要求修改", author=world.filler_a).exists()


def test_an_editor_step_without_comments_shows_no_comment_panel(client, world):
    client.force_login(world.filler_a)
    body = client.get(step_url(world.table_a, "indicators")).content.decode()
    assert 'id="comments-panel"' not in body and "comment-badge" not in body
