"""An entry's reference sheet (指标说明): what the library says of an indicator, and what approved
tables did with it.

The typical values are the targets approved tables set for an indicator of the same meaning, per
year: how many, the smallest, median and largest number, and the most common values as written.
"Same meaning" here is the same name by `indicators.catalog.name_key` (half-width, no spaces, no
leading numbering), optionally with the same 计量单位. The database finds those rows itself (one
query, whatever the number of years): a row's name with its spaces removed must end with the key,
and may have only a numbering before it (`1.`, `（2）`, `三、`, the prefixes `name_key` drops).

Which tables count (approved ones; the ones a person may see) is a question for `tables`: the
callers pass those querysets in, and this module never imports `tables`.
"""

from __future__ import annotations

import re
import statistics
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import QuerySet, Value
from django.db.models.functions import Replace

from indicators.catalog import name_key
from indicators.models import CatalogEntry, Indicator
from indicators.record import format_number

# The numbering `name_key` drops, as a regular expression both SQLite (Python's `re`) and PostgreSQL
# (POSIX ARE) read alike: only ASCII digits, explicit classes, no shorthand escapes.
_NUMBERING = "([0-9]+([.][0-9]+)*[.、)）]|[(（][0-9]+[)）]|[一二三四五六七八九十]+、)?"
_REGEX_SPECIAL = re.compile(r"([\\.^$|?*+()\[\]{}-])")
COMMON_VALUES = 5  # the most common values shown per year


def _regex_literal(text: str) -> str:
    return _REGEX_SPECIAL.sub(r"\\\1", text)


def same_name(queryset: QuerySet, key: str, *, column: str = "level3") -> QuerySet:
    """The rows of `queryset` whose `column` has the name key `key` (see the module's docstring)."""
    if not key:
        return queryset.none()
    flat = Replace(Replace(column, Value(" "), Value("")), Value("\u3000"), Value(""))
    # endswith first: a cheap LIKE that leaves the regular expression only the few rows it must settle.
    return queryset.alias(_flat_name=flat).filter(
        _flat_name__endswith=key, _flat_name__regex=f"^{_NUMBERING}{_regex_literal(key)}$"
    )


def matching_indicators(key: str, tables: QuerySet, unit: str | None = None) -> QuerySet:
    """The indicator rows of `tables` with the name key `key` (and the unit `unit`, when given)."""
    rows = same_name(Indicator.objects.filter(table__in=tables.values("pk")), key)
    if unit is not None:
        rows = rows.filter(unit=unit)
    return rows


@dataclass
class YearValues:
    """The targets set for one indicator in one year's approved tables."""

    year: int
    count: int = 0
    unit: str = ""  # the unit of the numbers below: the year's most common unit among numeric targets
    numbers: list[Decimal] = field(default_factory=list)
    common: list[tuple[str, int]] = field(default_factory=list)

    @property
    def minimum(self) -> str:
        return format_number(min(self.numbers)) if self.numbers else ""

    @property
    def median(self) -> str:
        return format_number(Decimal(statistics.median(self.numbers))) if self.numbers else ""

    @property
    def maximum(self) -> str:
        return format_number(max(self.numbers)) if self.numbers else ""


def typical_values(key: str, approved_tables: QuerySet, unit: str | None = None) -> list[YearValues]:
    """Per year (newest first), the targets `approved_tables` set for an indicator named `key`. One query.

    The minimum, median and maximum read the parsed numbers of the year's most common unit only
    (a 95% and a 3次 are not one scale); the most common values count the targets as written.
    """
    rows = (
        matching_indicators(key, approved_tables, unit).order_by().values_list("table__year", "value", "number", "unit")
    )
    by_year: dict[int, list[tuple[str, Decimal | None, str]]] = {}
    for year, value, number, row_unit in rows:
        by_year.setdefault(year, []).append((value, number, row_unit))
    years = []
    for year in sorted(by_year, reverse=True):
        targets = by_year[year]
        units = Counter(row_unit for _, number, row_unit in targets if number is not None)
        main_unit = units.most_common(1)[0][0] if units else ""
        values = Counter(" ".join(value.split()) for value, _, _ in targets if value and value.strip())
        years.append(
            YearValues(
                year=year,
                count=len(targets),
                unit=main_unit,
                numbers=[n for _, n, u in targets if n is not None and u == main_unit],
                common=values.most_common(COMMON_VALUES),
            )
        )
    return years


def tables_using(key: str, tables: QuerySet, unit: str | None = None) -> QuerySet:
    """The tables of `tables` holding an indicator named `key`, newest first (lazy: paginate it)."""
    used = matching_indicators(key, tables, unit).values("table_id")
    return tables.filter(pk__in=used).order_by("-year", "-pk")


def entry_for_name(name: str, level2: str = "") -> CatalogEntry | None:
    """The library entry for an indicator named `name`: same name key, in the same 二级 first, then an
    active one before a retired one. One query."""
    key = name_key(name)
    candidates = list(
        same_name(CatalogEntry.objects.all(), key).select_related("field", "field__parent", "edition", "source_table")
    )
    if not candidates:
        return None
    level2 = (level2 or "").strip()
    return min(candidates, key=lambda e: (e.level2.strip() != level2, not e.active, e.retired_at is not None, e.pk))


def entry_with_details(pk: int) -> CatalogEntry | None:
    """An entry with what its sheet prints beside it (field, edition, source table). One query."""
    return (
        CatalogEntry.objects.select_related("field", "field__parent", "edition", "source_table", "added_by")
        .filter(pk=pk)
        .first()
    )


def unit_filter(only_same_unit: bool, unit: str) -> str | None:
    """The unit to restrict the statistics to: `unit` when asked for and known, else None (every unit)."""
    return unit if only_same_unit and unit else None
