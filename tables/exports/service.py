"""Stored tables → official files. Views, commands and the bulk task all come through here."""

from __future__ import annotations

from django.utils import timezone

from tables.exports.pdf import render_booklet_pdf, render_pdf
from tables.exports.xlsx import render_xlsx
from tables.imports.exchange import booklet_tables, export_booklet, export_table
from tables.layouts import layout_as_dict
from tables.models import Layout, OverallGoal, TargetTable
from tables.review import workflow


def layouts_map() -> dict[str, dict]:
    """Every layout as the dict the renderers read, by code (one query)."""
    return {layout.code: layout_as_dict(layout) for layout in Layout.objects.all()}


def table_meta(table: TargetTable) -> dict:
    """What the printed form shows beyond the table itself: status, signature and, for an approved
    table, every decision on its approved version (`workflow.approval_meta`: each level's opinion,
    reviewer and date, the 四性 checklist, grade, 公开 or 不公开 and why, 年初版 or 第 N 次调整)."""
    meta = {
        "status": table.status,
        "status_label": table.get_status_display(),
        "organization": table.organisation.name,
    }
    if table.status == TargetTable.Status.APPROVED:
        snapshot = workflow.approved_snapshot(table)
        if snapshot is not None:
            meta.update(workflow.approval_meta(snapshot))
    return meta


def table_pdf(table: TargetTable) -> bytes:
    return render_pdf(export_table(table), layout_as_dict(table.layout), meta=table_meta(table))


def table_xlsx(table: TargetTable) -> bytes:
    return render_xlsx(export_table(table), layout_as_dict(table.layout), meta=table_meta(table))


def booklet_data(overall: OverallGoal, user=None) -> dict:
    """The booklet as `user` may read it (see `booklet_tables`); without a user, every table."""
    return export_booklet(overall, list(booklet_tables(overall, user)))


def booklet_pdf(overall: OverallGoal, user=None) -> bytes:
    meta = {"status": "draft", "date": timezone.localdate().strftime("%Y年%m月")}
    tables = list(booklet_tables(overall, user))
    if tables and all(t.status == TargetTable.Status.APPROVED for t in tables):
        meta["status"] = TargetTable.Status.APPROVED
    return render_booklet_pdf(export_booklet(overall, tables), layouts_map(), meta=meta)


def booklet_xlsx(overall: OverallGoal, user=None) -> bytes:
    return render_xlsx(booklet_data(overall, user), layouts_map())


def file_stem(table: TargetTable) -> str:
    """The name of a file of the table's current content, with its state (a draft is not an approved table)."""
    name = table.project_name if table.kind == TargetTable.Kind.PROJECT and table.project_name else table.title
    return f"{table.year}-{table.organisation.name}-{name}-{table.get_status_display()}"
