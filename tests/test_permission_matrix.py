"""Every URL × every persona → the expected status.

One row per URL (and method): how to build its arguments (and the state it
needs), the data to post, and what each persona gets. `LOGIN` means a redirect
to the login page; 302 means any other redirect (the action happened).

Adding a URL? Add a row to ROUTES; `test_every_named_url_is_in_the_matrix`
fails until you do. Rows whose state needs a setup call it in `args`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tables.models import AdjustmentRequest, Membership, Notification, OverallGoal, ReviewDecision, Round
from tables.review import adjustments, comments, workflow
from tests.conftest import PERSONAS, World
from tests.factories import MembershipFactory, layout

pytestmark = pytest.mark.django_db

LOGIN = "login"
ALL_PASS = {stem: (True, "") for stem, _ in ReviewDecision.CHECKLIST}


def expect(filler_a, filler_b, reviewer_a, reviewer_b, admin, anonymous=LOGIN) -> dict[str, int | str]:
    return dict(zip(PERSONAS, (filler_a, filler_b, reviewer_a, reviewer_b, admin, anonymous), strict=True))


PUBLIC = expect(200, 200, 200, 200, 200, anonymous=200)
PUBLIC_POST = expect(302, 302, 302, 302, 302, anonymous=302)


# Who sees table A (of 部门A): its filler, its reviewer and the admin.
SEES_A = expect(200, 404, 200, 404, 200)
EVERYONE = expect(200, 200, 200, 200, 200)
REVIEWERS = expect(403, 403, 200, 200, 200)
ADMIN_ONLY = expect(403, 403, 403, 403, 200)


@dataclass(frozen=True)
class Route:
    name: str
    args: Callable[[World], list] = lambda w: []
    expected: dict = field(default_factory=lambda: EVERYONE)
    method: str = "GET"
    data: Callable[[World], dict] | None = None
    query: str = ""
    label: str = ""
    htmx: bool = False  # sent as an htmx request (the fragment endpoints)

    @property
    def id(self) -> str:
        label = " ".join(filter(None, [self.label, "htmx" if self.htmx else ""]))
        return f"{self.method} {self.name}{' ' + label if label else ''}"


# ---------------------------------------------------------------- states the rows need


def table_a(w: World) -> list:
    return [w.table_a.pk]


def submitted_a(w: World) -> list:
    workflow.submit(w.table_a, w.filler_a)
    return [w.table_a.pk]


def submitted_with_comment(w: World) -> list:
    workflow.submit(w.table_a, w.filler_a)
    comments.add_comment(w.table_a, w.reviewer_a, anchor="table", body="请修改")
    return [w.table_a.pk]


def approved_a(w: World) -> list:
    snapshot = workflow.submit(w.table_a, w.filler_a)
    workflow.approve(
        w.table_a,
        w.reviewer_a,
        workflow.Approval(opinion="同意", checklist=ALL_PASS, published=True),
        snapshot_number=snapshot.number,
    )
    return [w.table_a.pk]


def adjustment_asked_a(w: World) -> list:
    """Table A approved, and its filler asking for a 年中调整 (waiting for the bureau)."""
    approved_a(w)
    adjustments.request_adjustment(w.table_a, w.filler_a, reason="项目调整")
    return [w.table_a.pk]


def unit_at_department_level(w: World) -> list:
    """部门A下属单位's table in a two-level round, waiting for 部门A's own reviewer."""
    round_ = Round.objects.create(year=2026, title="两级审核批次", layout=layout(), review_levels=2)
    w.table_unit_a.round = round_
    w.table_unit_a.save()
    workflow.submit(w.table_unit_a, MembershipFactory(organisation=w.unit_a, role=Membership.Role.FILLER).user)
    return [w.table_unit_a.pk]


def comment_on_a(w: World) -> list:
    return [comments.add_comment(w.table_a, w.reviewer_a, anchor="field:goal", body="目标不具体").pk]


def snapshot_of_a(w: World) -> list:
    return [workflow.submit(w.table_a, w.filler_a).pk]


def notification_of_reviewer_a(w: World) -> list:
    workflow.submit(w.table_a, w.filler_a)
    return [Notification.objects.get(recipient=w.reviewer_a).pk]


def a_round(w: World) -> list:
    round_ = Round.objects.create(year=2026, title="2026年预算", layout=layout())
    w.table_a.round = round_
    w.table_a.save()
    return [round_.pk]


def overall_of_a(w: World) -> list:
    return [OverallGoal.objects.create(organisation=w.org_a, year=2026, goal="总体目标").pk]


def first_indicator(w: World) -> int:
    return w.table_a.indicators.order_by("position").first().pk


def first_indicator_of_approved_a(w: World) -> list:
    approved_a(w)
    return [first_indicator(w)]


def proposal_of_reviewer_a(w: World) -> list:
    from indicators.library import proposals

    approved_a(w)
    row = w.table_a.indicators.order_by("position").first()
    return [proposals.propose(row, user=w.reviewer_a, reason="写得具体").pk]


def any_library_entry(w: World) -> list:
    from indicators.models import CatalogEntry

    return [CatalogEntry.objects.order_by("pk").first().pk]


def export_job_of_filler_a(w: World) -> list:
    from tables.models import ExportJob

    return [ExportJob.objects.create(created_by=w.filler_a, filters={"statuses": ["draft"]}).pk]


def finished_export_of_filler_a(w: World) -> list:
    from tables.exports.jobs import export_dir
    from tables.models import ExportJob

    job = ExportJob.objects.create(created_by=w.filler_a, filters={"statuses": ["draft"]}, status="done")
    folder = export_dir()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{job.pk}.zip").write_bytes(b"PK\x05\x06" + b"\0" * 18)
    job.file = f"{job.pk}.zip"
    job.save()
    return [job.pk]


def import_batch_of_filler_a(w: World) -> list:
    from tables.models import ImportBatch

    return [ImportBatch.objects.create(created_by=w.filler_a).pk]


def batch_upload(w: World) -> dict:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return {"files": [SimpleUploadedFile("表.json", b"{}")]}


def accounts_workbook(w: World) -> dict:
    from tests.review.test_workflow import GOOD_ORGS, GOOD_USERS, workbook

    upload = workbook(GOOD_ORGS, GOOD_USERS)
    upload.name = "accounts.xlsx"
    return {"file": upload}


PASTED_TABLE = "2024年度项目支出绩效目标表\n一级指标\t二级指标\t三级指标\t指标值\n产出指标\t数量指标\t培训人数\t100人\n"


def pasted_for_a(w: World) -> dict:
    return {"organisation": w.org_a.pk, "text": PASTED_TABLE}


def held_upload_of_filler_a(w: World) -> list:
    from tables.models import HeldUpload

    held = HeldUpload.objects.create(user=w.filler_a, organisation=w.org_a, name="表.txt", data=PASTED_TABLE.encode())
    return [held.pk]


def held_library_of_admin(w: World) -> list:
    """A library workbook the admin uploaded, held for its preview (no organisation: it is the bureau's)."""
    from tables.models import HeldUpload
    from tests.builders.library import library_rows, library_workbook

    data = library_workbook(library_rows(3))
    return [HeldUpload.objects.create(user=w.admin, organisation=None, name="指标库.xlsx", data=data).pk]


def approve_data(w: World) -> dict:
    data = {"snapshot": 1, "opinion": "同意", "grade": "", "published": "1", "unpublished_reason": ""}
    for stem, _ in ReviewDecision.CHECKLIST:
        data[f"{stem}_passed"] = "1"
    return data


def monitoring_round(w: World) -> list:
    from tables.models import MonitoringRound

    return [MonitoringRound.objects.create(year=2026, month=7).pk]


def monitoring_form_a(w: World) -> list:
    """A monitoring form of table A with one row (as opening a round would copy it)."""
    from tables.models import MonitoringForm, MonitoringRound, MonitoringRow

    round_ = MonitoringRound.objects.create(year=2026, month=7)
    form = MonitoringForm.objects.create(round=round_, table=w.table_a, organisation=w.org_a, title="表A")
    row = MonitoringRow.objects.create(form=form, position=1, level3="培训人次", value="≥10人次", accumulation="累计型")
    return [form.pk, row.pk]


# ---------------------------------------------------------------- the matrix

ROUTES: list[Route] = [
    # accounts
    Route("login", expected=expect(200, 200, 200, 200, 200, anonymous=200)),
    Route("logout", method="POST", expected=expect(LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, anonymous=LOGIN)),
    Route("password_change", expected=expect(200, 200, 200, 200, 200)),
    Route("password_change", method="POST", data=lambda w: {"old_password": "wrong"}, label="invalid"),
    Route("password_change_done", expected=expect(200, 200, 200, 200, 200)),
    # a forgotten password: open to everyone, and the same answer whether an account exists or not
    Route("password_reset", expected=PUBLIC),
    Route("password_reset", method="POST", data=lambda w: {"email": "filler_a@example.invalid"}, expected=PUBLIC_POST),
    Route("password_reset_done", expected=PUBLIC),
    Route("password_reset_confirm", lambda w: ["MQ", "not-a-token"], PUBLIC, label="invalid link"),
    Route("password_reset_complete", expected=PUBLIC),
    # pages and downloads
    Route("home"),
    Route("start", expected=expect(302, 302, 302, 302, 302)),
    Route("home", htmx=True),
    Route("table-detail", table_a, SEES_A),
    Route("table-json", table_a, SEES_A),
    Route("table-download", lambda w: [w.table_a.pk, "xlsx"], SEES_A, label="xlsx"),
    Route("table-download", lambda w: [w.table_a.pk, "pdf"], SEES_A, label="pdf"),
    Route("booklets"),
    # the search answers everyone signed in, with what they may see (tests/test_search.py)
    Route("search"),
    Route("search", query="q=%E9%83%A8%E9%97%A8&indicator=%E6%8C%87%E6%A0%87&below=90", label="terms"),
    Route("booklet-download", lambda w: [*overall_of_a(w), "xlsx"], SEES_A, label="xlsx"),
    Route("blank-template", lambda w: ["xinjiang-2022-dept"]),
    Route("export-start"),
    Route("export-job", export_job_of_filler_a, expect(200, 404, 404, 404, 200)),
    Route("export-download", finished_export_of_filler_a, expect(200, 404, 404, 404, 200)),
    # batch imports: fillers and admins upload; a batch is its uploader's (and the admins')
    Route("import-batch-start", expected=expect(200, 200, 403, 403, 200)),
    Route("import-batch-start", expected=expect(302, 302, 403, 403, 302), method="POST", data=batch_upload),
    Route("import-batch", import_batch_of_filler_a, expect(200, 404, 404, 404, 200)),
    # the import preview: fillers (and admins) upload for their organisations; a held upload is its uploader's own
    Route("import-upload", expected=expect(200, 200, 403, 403, 200)),
    # filler_b may not upload for 部门A (the form refuses); the others are sent to the preview
    Route("import-upload", method="POST", data=pasted_for_a, expected=expect(302, 422, 403, 403, 302)),
    Route("import-preview", held_upload_of_filler_a, expect(200, 404, 403, 403, 404)),
    Route("import-preview", held_upload_of_filler_a, expect(422, 404, 403, 403, 404), method="POST", htmx=True),
    Route("import-confirm", held_upload_of_filler_a, expect(422, 404, 403, 403, 404), method="POST"),
    Route("import-cancel", held_upload_of_filler_a, expect(302, 404, 403, 403, 404), method="POST"),
    # the editor (fillers and admins write draft/returned tables; reviewers read)
    Route("editor-start", expected=expect(200, 200, 403, 403, 200)),
    Route("editor-parse-value", query="value=%E2%89%A595%25"),
    Route("editor-catalog", expected=expect(302, 302, 302, 302, 302)),  # the library's page took its place
    Route("editor-table", table_a, expect(302, 404, 302, 404, 302)),
    Route("editor-step", lambda w: [w.table_a.pk, "basic"], SEES_A),
    Route(
        "editor-step",
        lambda w: [w.table_a.pk, "basic"],
        expect(422, 404, 403, 404, 422),
        method="POST",
        label="invalid form",
    ),
    Route(
        "editor-step",
        lambda w: [*submitted_a(w), "basic"],
        expect(403, 404, 403, 404, 403),
        method="POST",
        label="submitted table",
    ),
    Route("editor-undo", table_a, expect(400, 404, 403, 404, 400), method="POST"),
    Route("editor-suggest", table_a, SEES_A),
    Route("editor-suggestions", table_a, expect(200, 404, 403, 404, 200)),
    Route("editor-suggestions", table_a, expect(200, 404, 403, 404, 200), htmx=True),
    Route("editor-suggestion-add", table_a, expect(400, 404, 403, 404, 400), method="POST", label="no name"),
    Route(
        "editor-suggestion-add",
        table_a,
        expect(200, 404, 403, 404, 200),
        method="POST",
        data=lambda w: {"level1": "产出指标", "level2": "数量指标", "level3": "建议的指标", "value": "≥1个"},
        htmx=True,
    ),
    Route("editor-row-new", lambda w: [w.table_a.pk, "indicators"], expect(200, 404, 403, 404, 200), method="POST"),
    Route("editor-paste-rows", lambda w: [w.table_a.pk, "indicators"], expect(422, 404, 403, 404, 422), method="POST"),
    Route("editor-row", lambda w: [w.table_a.pk, "indicators", first_indicator(w)], SEES_A),
    Route(
        "editor-row",
        lambda w: [w.table_a.pk, "indicators", first_indicator(w)],
        expect(409, 404, 403, 404, 409),
        method="POST",
        label="stale base",
    ),
    Route(
        "editor-row-delete",
        lambda w: [w.table_a.pk, "indicators", first_indicator(w)],
        expect(409, 404, 403, 404, 409),
        method="POST",
    ),
    Route(
        "editor-row-move",
        lambda w: [w.table_a.pk, "indicators", first_indicator(w)],
        expect(200, 404, 403, 404, 200),
        method="POST",
        data=lambda w: {"direction": "down"},
    ),
    # the indicator library: reference sheets (any signed-in person; a row's sheet for those who see its table)
    Route("library-entry", any_library_entry),
    Route("library-sheet", query="name=%E5%9F%B9%E8%AE%AD%E4%BA%BA%E6%AC%A1"),
    Route("library-indicator-sheet", lambda w: [first_indicator(w)], expect(302, 404, 302, 404, 302)),
    # 纳入指标库: reviewers (and admins) propose from approved tables; bureau admins decide
    Route("library-propose", first_indicator_of_approved_a, expect(403, 404, 200, 404, 200)),
    Route(
        "library-propose",
        lambda w: [first_indicator(w)],
        expect(403, 404, 403, 404, 403),
        label="draft table",
    ),
    Route("library-propose", first_indicator_of_approved_a, expect(403, 404, 422, 404, 422), method="POST"),
    Route("library-proposals", expected=ADMIN_ONLY),
    Route("library-proposal", proposal_of_reviewer_a, expect(404, 404, 200, 404, 200)),
    Route(
        "library-proposal",
        proposal_of_reviewer_a,
        expect(404, 404, 403, 404, 302),
        method="POST",
        data=lambda w: {"action": "decline", "note": "已有同类指标"},
    ),
    # review: queue, dashboard, accounts
    Route("review-queue", expected=REVIEWERS),
    Route("review-queue", expected=REVIEWERS, htmx=True),
    Route("review-dashboard", expected=REVIEWERS),
    Route("review-dashboard-xlsx", a_round, REVIEWERS),
    # a 主管部门's drill-down: only the reviewers who reach 部门A (and the admin) see it
    Route("review-dashboard-department", lambda w: [*a_round(w), w.org_a.pk], expect(403, 403, 200, 404, 200)),
    Route("review-accounts-import", expected=ADMIN_ONLY),
    # an upload is previewed (200), nothing written; the confirmation of an unknown preview goes back (302)
    Route("review-accounts-import", expected=expect(403, 403, 403, 403, 200), method="POST", data=accounts_workbook),
    Route(
        "review-accounts-import",
        expected=expect(403, 403, 403, 403, 302),
        method="POST",
        data=lambda w: {"action": "confirm", "token": "unknown"},
        label="confirm",
    ),
    Route("review-accounts-template", expected=ADMIN_ONLY),
    Route("review-accounts-inactive", expected=ADMIN_ONLY),
    # set-up pages (issue 19): the bureau admin only; an invalid form is 422, a save redirects
    Route("setup-people", expected=ADMIN_ONLY),
    Route("setup-person-new", expected=ADMIN_ONLY),
    Route("setup-person-new", expected=expect(403, 403, 403, 403, 422), method="POST", label="invalid"),
    Route("setup-person", lambda w: [w.filler_a.pk], ADMIN_ONLY),
    Route(
        "setup-person",
        lambda w: [w.filler_a.pk],
        expect(403, 403, 403, 403, 302),
        method="POST",
        data=lambda w: {"first_name": "张三", "is_active": "on"},
    ),
    Route("setup-person-duty-add", lambda w: [w.filler_a.pk], expect(403, 403, 403, 403, 422), method="POST"),
    Route(
        "setup-person-duty-remove",
        lambda w: [w.filler_a.pk, Membership.objects.get(user=w.filler_a).pk],
        expect(403, 403, 403, 403, 302),
        method="POST",
    ),
    Route("setup-organisations", expected=ADMIN_ONLY),
    Route("setup-organisation-new", expected=ADMIN_ONLY),
    Route("setup-organisation-new", expected=expect(403, 403, 403, 403, 422), method="POST", label="invalid"),
    Route("setup-organisation", lambda w: [w.org_a.pk], ADMIN_ONLY),
    Route(
        "setup-organisation",
        lambda w: [w.org_b.pk],
        expect(403, 403, 403, 403, 302),
        method="POST",
        data=lambda w: {"code": "200", "name": "部门B", "active": "on"},
    ),
    # the indicator library: everyone signed in browses it; the bureau admin imports an edition
    Route("library"),
    Route("library", htmx=True, query="q=资助"),
    Route("library-import", expected=ADMIN_ONLY),
    Route("library-import", expected=expect(403, 403, 403, 403, 422), method="POST", label="invalid"),
    Route("library-import-preview", held_library_of_admin, ADMIN_ONLY),
    Route(
        "library-import-confirm",
        held_library_of_admin,
        expect(403, 403, 403, 403, 302),
        method="POST",
        data=lambda w: {"name": "2025年版"},
    ),
    Route("library-import-cancel", held_library_of_admin, expect(403, 403, 403, 403, 302), method="POST"),
    Route("setup-rounds", expected=ADMIN_ONLY),
    Route("setup-round", a_round, ADMIN_ONLY),
    Route(
        "setup-round",
        a_round,
        expect(403, 403, 403, 403, 302),
        method="POST",
        data=lambda w: {"title": "2026年预算", "review_levels": "2"},
    ),
    # review: one table
    Route("review-table", submitted_a, expect(403, 404, 200, 404, 200)),
    Route("review-open", submitted_a, expect(403, 404, 302, 404, 302), method="POST"),
    Route("review-submit", table_a, expect(302, 404, 403, 404, 403), method="POST"),
    Route(
        "review-withdraw", submitted_a, expect(302, 404, 403, 404, 403), method="POST", data=lambda w: {"snapshot": 1}
    ),
    Route(
        "review-forward",
        unit_at_department_level,
        expect(404, 404, 403, 404, 302),
        method="POST",
        data=lambda w: {"snapshot": 1, "opinion": "同意"},
    ),
    Route(
        "review-return",
        submitted_with_comment,
        expect(403, 404, 302, 404, 302),
        method="POST",
        data=lambda w: {"snapshot": 1, "reason": "请修改"},
    ),
    Route("review-approve", submitted_a, expect(403, 404, 302, 404, 302), method="POST", data=approve_data),
    Route(
        "review-reopen",
        approved_a,
        expect(403, 404, 302, 404, 302),
        method="POST",
        data=lambda w: {"version": type(w.table_a).objects.get(pk=w.table_a.pk).version, "reason": "调整"},
    ),
    Route(
        "review-adjustment-request",
        approved_a,
        expect(302, 404, 403, 404, 403),
        method="POST",
        data=lambda w: {"version": type(w.table_a).objects.get(pk=w.table_a.pk).version, "reason": "项目调整"},
    ),
    Route(
        "review-adjustment-decide",
        adjustment_asked_a,
        expect(403, 404, 302, 404, 302),
        method="POST",
        data=lambda w: {
            "request": AdjustmentRequest.objects.get(table=w.table_a).pk,
            "decision": "refuse",
            "note": "预算未变，不必调整",
        },
    ),
    Route("review-comments", table_a, SEES_A),
    Route("review-comments", table_a, SEES_A, htmx=True),
    Route(
        "review-comments",
        table_a,
        expect(403, 404, 302, 404, 302),
        method="POST",
        data=lambda w: {"anchor": "table", "body": "请核实"},
    ),
    Route("review-diff", submitted_a, SEES_A),
    Route("review-diff", submitted_a, SEES_A, htmx=True),
    Route("review-audit", submitted_a, SEES_A),
    Route("review-comment", comment_on_a, expect(302, 404, 302, 404, 302)),
    Route(
        "review-comment-reply",
        comment_on_a,
        expect(302, 404, 302, 404, 302),
        method="POST",
        data=lambda w: {"body": "已修改"},
    ),
    Route("review-comment-resolve", comment_on_a, expect(302, 404, 302, 404, 302), method="POST"),
    Route("review-snapshot-json", snapshot_of_a, SEES_A),
    Route("review-snapshot-pdf", snapshot_of_a, SEES_A),
    Route("review-snapshot-xlsx", snapshot_of_a, SEES_A),
    # notifications
    Route("review-notifications"),
    Route("review-notification-open", notification_of_reviewer_a, expect(404, 404, 302, 404, 404), method="POST"),
    Route("review-notifications-read-all", expected=expect(302, 302, 302, 302, 302), method="POST"),
    # monitoring (issue 17): the bureau admin opens rounds and follows them; everyone else lists their own forms
    Route("monitoring-home"),
    Route("monitoring-round-new", expected=ADMIN_ONLY),
    Route(
        "monitoring-round-new",
        expected=expect(403, 403, 403, 403, 422),
        method="POST",
        data=lambda w: {"year": "2026", "month": "13"},
        label="invalid form",
    ),
    Route("monitoring-round", monitoring_round, ADMIN_ONLY),
    Route("monitoring-round-refresh", monitoring_round, expect(403, 403, 403, 403, 302), method="POST"),
    # a form: seen like its table; its fillers (and the admin) save rows, its reviewer reads
    Route("monitoring-form", lambda w: monitoring_form_a(w)[:1], SEES_A),
    Route("monitoring-form-row", monitoring_form_a, expect(200, 404, 403, 404, 200), method="POST", htmx=True),
    Route(
        "monitoring-form-money",
        lambda w: monitoring_form_a(w)[:1],
        expect(200, 404, 403, 404, 200),
        method="POST",
        data=lambda w: {"version": "1", "executed_total": "10"},
        htmx=True,
    ),
    Route(
        "monitoring-form-narrative",
        lambda w: monitoring_form_a(w)[:1],
        expect(200, 404, 403, 404, 200),
        method="POST",
        data=lambda w: {"version": "1", "summary": "按计划推进"},
        htmx=True,
    ),
]

# Names not in the matrix on purpose: Django's admin checks is_staff itself.
EXEMPT_NAMESPACES = {"admin"}


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    # Six personas per case: PBKDF2 would spend seconds hashing their passwords.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.id)
def test_every_url_answers_each_persona_as_expected(client, world, route: Route, persona: str):
    args = route.args(world)
    if persona != "anonymous":
        client.force_login(getattr(world, persona))
    url = reverse(route.name, args=args) + (f"?{route.query}" if route.query else "")
    data = route.data(world) if route.data else {}
    headers = {"HX-Request": "true"} if route.htmx else {}
    send = client.get if route.method == "GET" else partial(client.post, data=data)
    response = send(url, headers=headers)
    expected = route.expected[persona]
    # htmx requests get the login page as HX-Redirect (tables.middleware), not as a 302.
    location = response.get("HX-Redirect") or response.get("Location", "")
    to_login = response.status_code in (302, 204) and location.startswith(reverse("login"))
    got = LOGIN if to_login else response.status_code
    assert got == expected, f"{route.id} as {persona}: {got} (Location: {location})"


def _names(resolver: URLResolver, namespace: str = "") -> set[str]:
    names = set()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = pattern.namespace or ""
            if inner in EXEMPT_NAMESPACES:
                continue
            names |= _names(pattern, f"{namespace}{inner}:" if inner else namespace)
        elif isinstance(pattern, URLPattern) and pattern.name:
            names.add(f"{namespace}{pattern.name}")
    return names


def test_every_named_url_is_in_the_matrix():
    missing = _names(get_resolver()) - {route.name for route in ROUTES}
    assert not missing, f"add these URLs to ROUTES in tests/test_permission_matrix.py: {sorted(missing)}"


def test_a_role_is_given_exactly_where_the_organisation_is_visible(world):
    """The editor decides access by `role_for` on the organisation it loaded with the table; the
    lists and exports filter by `visible_organisation_ids`. The two must agree for every persona,
    membership kind and organisation (department, unit, another department, a unit of that)."""
    from django.contrib.auth.models import AnonymousUser

    from tables.models import Organisation
    from tables.permissions import role_for, visible_organisation_ids
    from tests.factories import OrganisationFactory

    unit_b = OrganisationFactory(code="200001", name="部门B下属单位", parent=world.org_b)
    with_units = MembershipFactory(
        organisation=world.org_b, role=Membership.Role.FILLER, include_units=True, user__username="filler_b_units"
    ).user
    unit_filler = MembershipFactory(organisation=world.unit_a, role=Membership.Role.FILLER).user
    two_roles = MembershipFactory(organisation=world.unit_a, role=Membership.Role.REVIEWER).user
    MembershipFactory(user=two_roles, organisation=world.org_b, role=Membership.Role.FILLER)
    users = [
        world.filler_a, world.filler_b, world.reviewer_a, world.reviewer_b, world.admin,
        with_units, unit_filler, two_roles, AnonymousUser(),
    ]  # fmt: skip
    organisations = list(Organisation.objects.all())
    assert unit_b in organisations and len(organisations) >= 4
    for user in users:
        visible = visible_organisation_ids(user)
        for organisation in organisations:
            seen = visible is None or organisation.pk in visible
            role = role_for(user, organisation)
            assert (role is not None) == seen, f"{user} / {organisation}: role {role}, visible {seen}"
            assert role_for(user, organisation.pk) == role  # by id: the same answer
