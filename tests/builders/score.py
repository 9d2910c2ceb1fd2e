"""Score a recognised table against its transcription: the fields a person reads off the form.

`score(recognised, expected, shown=None)` compares, field by field, what the recogniser
returned (a list of `target-table/2` dicts) with the transcription in `tests/data/provinces/`
(one table or a list). A field counts when the transcription has it and, if `shown` (the
published text) is given, when its value can be read in that text: the transcriptions complete
truncated tables in their own words (see `tests/data/provinces/README.md`), and those rows are
not on the page. The fields:

- the header: year, project name, department, implementing unit, manager, attribute, goals;
- the budget lines (amounts compared as numbers);
- per indicator shown (its 三级 name in the text): its name, 一级, 二级 and value. An
  indicator is found in the recognised table by its name (and period), in printed order.

A field is right when the recognised table holds the same text (spaces and full-width forms
folded). `Score.misses` lists each wrong field with what was expected and what was found.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

HEADER_FIELDS = (
    ("year",),
    ("project", "name"),
    ("department", "name"),
    ("organization", "name"),
    ("project", "manager"),
    ("project", "attribute"),
    ("goal",),
    ("long_term_goal",),
)
INDICATOR_FIELDS = ("level3", "level1", "level2", "value")


def fold(text: object) -> str:
    """Text as compared: full-width folded, no whitespace."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(text)))


@dataclass
class Score:
    right: int = 0
    present: int = 0
    misses: list[str] = field(default_factory=list)

    def add(self, ok: bool, what: str, expected: object, found: object) -> None:
        self.present += 1
        if ok:
            self.right += 1
        else:
            self.misses.append(f"{what}: expected {expected!r}, found {found!r}")

    def __iadd__(self, other: Score) -> Score:
        self.right += other.right
        self.present += other.present
        self.misses += other.misses
        return self

    @property
    def share(self) -> float:
        return self.right / self.present if self.present else 1.0


def _at(table: dict, path: tuple[str, ...]):
    value = table
    for key in path:
        value = value.get(key) if isinstance(value, dict) else None
    return value


def _amount(text: object) -> Decimal | None:
    try:
        return Decimal(str(text).replace(",", ""))
    except (InvalidOperation, TypeError):
        return None


def score(recognised: list[dict], expected: dict | list[dict], shown: str | None = None) -> Score:
    expected_tables = expected if isinstance(expected, list) else [expected]
    pages = _regions(fold(shown), expected_tables) if shown is not None else [None] * len(expected_tables)
    total = Score()
    for number, table in enumerate(expected_tables):
        found = recognised[number] if number < len(recognised) else {}
        total += _score_table(found, table, pages[number], f"table {number + 1}")
    return total


def _regions(page: str, tables: list[dict]) -> list[str]:
    """The part of a page each table is printed in: from where its name first stands after the table
    before it, to where the next one starts (a page holding several tables repeats their wording)."""
    starts = [0]
    for table in tables[1:]:
        name = fold(_at(table, ("project", "name")) or "")
        at = page.find(name, starts[-1] + 1) if name else -1
        starts.append(at if at > starts[-1] else starts[-1])
    ends = [*starts[1:], len(page)]
    return [page[start:end] for start, end in zip(starts, ends, strict=True)]


def _visible(value: object, page: str | None) -> bool:
    if value is None or value == "":
        return False
    return page is None or fold(value) in page


def _score_table(found: dict, table: dict, page: str | None, where: str) -> Score:
    result = Score()
    for path in HEADER_FIELDS:
        value = _at(table, path)
        if _visible(value, page):
            got = _at(found, path)
            result.add(got is not None and fold(got) == fold(value), f"{where} {'.'.join(path)}", value, got)
    for key, value in (table.get("budget") or {}).items():
        if _visible(value, page) and _amount(value) not in (None, Decimal(0)):
            got = (found.get("budget") or {}).get(key)
            result.add(_amount(got) == _amount(value), f"{where} budget.{key}", value, got)
    result += _score_indicators(found.get("indicators") or [], table.get("indicators") or [], page, where)
    return result


def _score_indicators(found: list[dict], expected: list[dict], page: str | None, where: str) -> Score:
    result = Score()
    taken: set[int] = set()
    start = 0
    for number, indicator in enumerate(expected, start=1):
        name = indicator.get("level3")
        if not _visible(name, page):
            continue
        match = _find(found, indicator, taken, start)
        if match is not None:
            taken.add(match)
            start = match + 1
        got = found[match] if match is not None else {}
        for key in INDICATOR_FIELDS:
            value = indicator.get(key)
            if _visible(value, page) or (key == "level3"):
                mine = got.get(key)
                ok = mine is not None and fold(mine) == fold(value)
                result.add(ok, f"{where} indicator {number} ({name}) {key}", value, mine)
    return result


def _find(found: list[dict], indicator: dict, taken: set[int], start: int) -> int | None:
    """The recognised indicator with the same name (and period), the next one in printed order first."""
    name, period = fold(indicator["level3"]), indicator.get("period")
    order = [*range(start, len(found)), *range(0, start)]
    for i in order:
        other = found[i]
        if (
            i not in taken
            and fold(other.get("level3") or "") == name
            and (period is None or other.get("period") == period)
        ):
            return i
    return None
