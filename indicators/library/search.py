"""Searching the library: entries holding every word typed in their name, definition (指标解释, 计算公式)
or keywords, narrowed by 行业/领域 (with its sub-fields), 一级/二级, origin and state, ranked with
name hits first, then keyword hits, then the rest.

Each word is an `icontains` filter; on PostgreSQL the migration `0015_library_search_trigram` adds pg_trgm
GIN indexes on exactly the expressions those filters compare (`UPPER(column)`). At a province's size
(5,000 entries) SQLite answers within the target too (`make bench`, `bench/bench_library.py`).
"""

from __future__ import annotations

from django.db.models import Case, ExpressionWrapper, IntegerField, Q, QuerySet, Value, When

from indicators.models import CatalogEntry, LibraryField

TERM_MAX = 100
MAX_WORDS = 5


def words_of(text: str | None) -> list[str]:
    """The words of a search, as typed: split on spaces (and full-width spaces, commas)."""
    cleaned = (text or "")[:TERM_MAX].replace("\u3000", " ").replace("，", " ").replace(",", " ")
    return list(dict.fromkeys(word for word in cleaned.split() if word))[:MAX_WORDS]


def subtree_ids(field_id: int) -> list[int]:
    """The field and every field under it. One query (the tree is a few hundred rows)."""
    children: dict[int | None, list[int]] = {}
    for pk, parent in LibraryField.objects.values_list("pk", "parent_id"):
        children.setdefault(parent, []).append(pk)
    found, stack = [], [field_id]
    while stack:
        pk = stack.pop()
        found.append(pk)
        stack.extend(children.get(pk, []))
    return found


def search_entries(
    text: str = "",
    *,
    field_id: int | None = None,
    level1: str = "",
    level2: str = "",
    origin: str = "",
    active: bool | None = True,
) -> QuerySet[CatalogEntry]:
    """The entries matching every word of `text` (all of them when blank), best first."""
    entries = CatalogEntry.objects.all()
    if active is not None:
        entries = entries.filter(active=active)
    if field_id is not None:
        entries = entries.filter(field_id__in=subtree_ids(field_id))
    if level1:
        entries = entries.filter(level1=level1)
    if level2:
        entries = entries.filter(level2=level2)
    if origin:
        entries = entries.filter(origin=origin)
    words = words_of(text)
    if not words:
        return entries.order_by("level1", "level2", "level3", "pk")
    for word in words:
        entries = entries.filter(
            Q(level3__icontains=word)
            | Q(keywords__icontains=word)
            | Q(definition__icontains=word)
            | Q(formula__icontains=word)
        )
    # Ordered by expressions, not annotations: the page's COUNT then leaves the ranking out.
    return entries.order_by(_hits("level3", words).desc(), _hits("keywords", words).desc(), "level3", "pk")


def _hits(column: str, words: list[str]):
    """How many of `words` `column` holds."""
    cases = [Case(When(**{f"{column}__icontains": w}, then=Value(1)), default=Value(0)) for w in words]
    total = cases[0]
    for case in cases[1:]:
        total = total + case
    return ExpressionWrapper(total, output_field=IntegerField())
