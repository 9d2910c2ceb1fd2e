"""What loading a table for the editor takes from Django's ORM beyond its documented API, in one place.

Pinned to Django==6.1.3 (requirements.txt); tests/test_django_adaptations.py fails, naming
the installed version and this module, when an upgrade changes what is relied on here:
a related manager's `.all()` answers from `instance._prefetched_objects_cache[name]`
(a QuerySet whose `_result_cache` is filled and `_prefetch_done` set), and a row's
foreign key answers from `row._state.fields_cache`.

Why not `prefetch_related_objects([table], Prefetch(name, queryset=...order_by("position")))`:
every autosave and every step of the editor loads one table's rows, and the public
call, measured with `bench.bench_editor` (25 runs of each, alternated, medians of the
server's CPU time; 2026-12-07, x86_64, 2 cores, SQLite), cost

    render step 4, 60 / 200 indicators   18.9 → 19.5 ms (+3 %)   29.8 → 33.1 ms (+11 %)
    one row save, 60 / 200 rows           9.7 → 10.7 ms (+10 %)   13.4 → 14.5 ms (+8 %)

Loading 200 rows alone: 2.3 ms with two plain queries and this, 3.1–3.5 ms through
`prefetch_related_objects` (its descriptor sets each row's table one by one, and it
filters a clone of the queryset for the instance).
"""

from __future__ import annotations

from django.db.models import Model, QuerySet


def set_prefetched(instance: Model, name: str, queryset: QuerySet, rows: list[Model]) -> None:
    """Leave `instance` as `prefetch_related(name)` would, with `rows` (already fetched by `queryset`, in
    the order wanted): `getattr(instance, name).all()` gives them without a query, each row's foreign
    key back to `instance` already set."""
    field = instance._meta.get_field(name).field.name  # the foreign key on the rows' model
    for row in rows:
        row._state.fields_cache[field] = instance
    queryset._result_cache = rows
    queryset._prefetch_done = True
    instance.__dict__.setdefault("_prefetched_objects_cache", {})[name] = queryset
