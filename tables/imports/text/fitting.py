"""Fitting an indicator row to the columns when cells went missing or shifted (PDF fragments, merged cells).

Each of the few possible alignments (leading cells skipped, 一级/二级 columns
absent) is scored cell by cell; the best one wins, ties going to the shape the
previous row had.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from tables.imports.text.words import _Categories, _is_section_label, _looks_like_value

Presence = Literal["explicit", "blank", "absent"]


@dataclass
class _Fit:
    skip: int  # leading cells dropped (blank, or a block label such as 年度绩效指标)
    absent: frozenset[str]  # category columns the row does not have at all
    score: float
    values: dict[str, str]  # field → cell text
    extra: list[str]  # non-empty cells beyond the last column

    @property
    def first_column(self) -> tuple[int, str | None]:
        return (self.skip, next(iter(self.values), None))


def _score_cell(column: str, cell: str, cats: _Categories) -> float:
    """How plausible `cell` is in `column`; 0 is neutral."""
    if column in ("level1", "level2"):
        return _score_category(column, cell, cats)
    if column == "level3":
        return _score_name(cell, cats)
    if column == "value":
        return _score_value(cell)
    return 0


def _score_category(column: str, cell: str, cats: _Categories) -> float:
    """A 一级/二级 cell: its own kind of category scores, the other kind or a value does not."""
    if not cell:
        return 0
    if (column == "level1" and cats.is_level1(cell)) or (column == "level2" and cats.is_level2(cell)):
        return 2
    if cats.is_category(cell):
        return -3 if column == "level1" else -2
    if _looks_like_value(cell):
        return -3
    return 0.5 if cell.endswith("指标") else -1


def _score_name(cell: str, cats: _Categories) -> float:
    """A 三级 name is never blank, a category or a value."""
    if not cell:
        return -3
    if cats.is_category(cell) or _looks_like_value(cell):
        return -2
    return -1 if cell.endswith("指标") else 0


def _score_value(cell: str) -> float:
    if not cell:
        return -1
    if _looks_like_value(cell):
        return 1
    return -1 if len(cell) > 40 else 0


def _alignments(cells: list[str], columns: list[str | None]) -> Iterable[tuple[int, frozenset[str]]]:
    """The (skip, absent) pairs worth trying for a row."""
    optional = [c for c in columns[:2] if c in ("level1", "level2")]
    absents = [frozenset()]
    absents += [frozenset({c}) for c in optional]
    if len(optional) == 2:
        absents.append(frozenset(optional))
    for skip in range(min(len(cells), 4)):
        if skip and (cells[skip - 1] and not _is_section_label(cells[skip - 1])):
            break
        for absent in absents:
            yield skip, absent


def _fit_indicator_row(
    cells: list[str], columns: list[str | None], cats: _Categories, hint: tuple[int, str | None] | None
) -> _Fit:
    """Choose how the row's cells line up with the columns.

    Ties go to the alignment the previous row used (a fragment keeps its shape),
    then to fewer missing columns.
    """
    best: _Fit | None = None
    best_key: tuple = ()
    for skip, absent in _alignments(cells, columns):
        kept = [c for c in columns if c not in absent]
        values: dict[str, str] = {}
        extra: list[str] = []
        score = 0.0
        for column, cell in zip(kept, cells[skip:], strict=False):
            if column is not None:  # a column the header named but the layout lacks: reported once, at the header
                values[column] = cell
        extra += [c for c in cells[skip + len(kept) :] if c]
        for column in kept:
            if column is not None:
                score += _score_cell(column, values.get(column, ""), cats)
        score -= 5 * len(extra)
        fit = _Fit(skip, absent, score, values, extra)
        key = (score, fit.first_column == hint, -len(absent), -skip)
        if best is None or key > best_key:
            best, best_key = fit, key
    assert best is not None
    return best
