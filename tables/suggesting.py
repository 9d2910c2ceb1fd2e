"""What the suggestion engine (`indicators/suggestions.py`) reads from `tables`, as plain data: the
approved corpus and its revision, and a table's own text, indicators and last-year table."""

from __future__ import annotations

from django.db.models import Count, Max, Subquery, Sum

from indicators import suggestions
from indicators.models import Indicator
from tables.models import TargetTable, Task

_ITEM_FIELDS = ("level1", "level2", "level3", "value", "basis", "explanation", "direction")


def table_text(name: str, *parts: str | None) -> str:
    """The text a table is known by: its name twice (it says most in fewest words), then the rest."""
    return "\n".join(filter(None, [name, name, *parts]))


def _name(kind: str, title: str, project_name: str, organisation: str) -> str:
    if kind == TargetTable.Kind.PROJECT:
        return project_name or title
    return organisation


def approved_revision() -> tuple:
    """Changes whenever a table is approved, reopened or removed. One query.

    An approved table is not editable, so its content changes only by leaving the approved set.
    """
    approved = TargetTable.objects.filter(status=TargetTable.Status.APPROVED).order_by()
    return tuple(approved.aggregate(n=Count("pk"), ids=Sum("pk"), changed=Max("updated_at")).values())


def approved_docs() -> list[suggestions.TableDoc]:
    """Every approved table with its text and indicators. Three queries."""
    approved = TargetTable.objects.filter(status=TargetTable.Status.APPROVED).order_by()
    tables = approved.values_list(
        "pk", "organisation__name", "year", "kind", "title", "project_name", "project_purpose", "mission", "goal",
        "long_term_goal",
    )  # fmt: skip
    tasks: dict[int, list[str]] = {}
    for table_id, name, content in (
        Task.objects.filter(table__status=TargetTable.Status.APPROVED)
        .order_by("table_id", "position")
        .values_list("table_id", "name", "content")
    ):
        tasks.setdefault(table_id, []).extend((name, content))
    items: dict[int, list[suggestions.Item]] = {}
    for table_id, *values in (
        Indicator.objects.filter(table__status=TargetTable.Status.APPROVED)
        .order_by("table_id", "position")
        .values_list("table_id", *_ITEM_FIELDS)
    ):
        items.setdefault(table_id, []).append(_item(values))
    docs = []
    for pk, organisation, year, kind, title, project_name, purpose, mission, goal, long_term in tables:
        name = _name(kind, title, project_name, organisation)
        text = table_text(name, purpose, mission, goal, long_term, *tasks.get(pk, ()))
        docs.append(suggestions.TableDoc(pk, organisation, year, kind, name, text, tuple(items.get(pk, ()))))
    return docs


def _item(values) -> suggestions.Item:
    return suggestions.Item(*(value or "" for value in values))


def ask_for(table: TargetTable) -> suggestions.Ask:
    """The table being written as the engine reads it. Three queries (tasks, its indicators, last year's)."""
    rows = Task.objects.filter(table=table).order_by("position").values_list("name", "content")
    tasks = [text for row in rows for text in row]
    organisation = table.organisation.name
    name = _name(table.kind, table.title, table.project_name, organisation)
    text = table_text(name, table.project_purpose, table.mission, table.goal, table.long_term_goal, *tasks)
    present = tuple(Indicator.objects.filter(table=table).values_list("level3", flat=True))
    previous = TargetTable.objects.approved_before(table)
    rows = list(
        Indicator.objects.filter(table_id=Subquery(previous.values("pk")[:1]))
        .order_by("position")
        .values_list("table__year", *_ITEM_FIELDS)
    )
    last_year = tuple(_item(values) for _, *values in rows)
    label = f"{rows[0][0]}年" if rows else ""
    return suggestions.Ask(text, table.kind, present, last_year, label, exclude_table=table.pk)


def suggestions_for(table: TargetTable, limit: int = 12) -> list[suggestions.Suggestion]:
    """Up to `limit` indicators to suggest for `table`, best first, with why."""
    ask = ask_for(table)
    return suggestions.index(approved_revision(), approved_docs).suggest(ask, limit)
