"""How much of a form the recogniser read right: fields right / fields present.

`score_table(expected, got, layout)` compares a transcription (what a person reads
off the printed form, `tests/data/provinces/*.json`) with the table the recogniser
read from that form, on the fields the layout prints and the transcription fills:

- the kind, the year and the title (with or without the year the form prints inside it);
- every header line of the layout (organisation, project name and code, 主管部门,
  项目期, 负责人, the goals …), the budget lines (amounts compared as numbers, so
  `6.3` and `6.30` agree) and the 年度主要任务 rows;
- every indicator row: 一级/二级/三级, the value, its period, and each column the
  layout prints (sign / number / unit, weight, direction, explanation, scoring, basis,
  note, …). A grade or per-column value group (`options.grades`,
  `options.value_columns`) counts each printed cell; it is right when the stored row
  keeps it (in its own field, or in the note as `标签：值`, where the recogniser keeps
  a column no field takes);
- the footer lines and the 审核意见 labels.

A transcribed row is found among the read rows by its 三级 name (and period), the next
one in printed order first; a row whose name was misread is compared with the read row
standing in its place (between its neighbours' matches). A row missing counts every field
of it as wrong, a row too many counts once. `Score` adds up (`+`), so a whole set of
forms is scored by summing.

`score_tables(expected, got, layout, shown=None)` scores a file's tables in printed
order. With `shown`, the text a form was published as, only the fields whose value that
text shows count (the transcriptions complete tables the published copies cut short, in
their own words), and only the rows whose 三级 name it shows; a page holding several tables
is cut into each table's part (from where its project name first stands after the table
before it), so a table is scored on its own part of the page.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from tables.imports.recognise.recognise import HEADER_PATHS

FOOTER_PATHS = {"filled_by": "filler", "filler_phone": "phone", "filled_on": "date", "responsible": "responsible"}
INDICATOR_KEYS = ("level1", "level2", "level3", "value", "period")
SPLIT_KEYS = ("comparator", "number", "unit")
NUMERIC_KEYS = ("weight", "number")
TASK_KEYS = ("name", "content", "total", "fiscal", "other")


@dataclass
class Score:
    right: int = 0
    present: int = 0
    wrong: tuple[str, ...] = ()  # where it went wrong, for a failing test's message

    def __add__(self, other: Score) -> Score:
        return Score(self.right + other.right, self.present + other.present, self.wrong + other.wrong)

    @property
    def ratio(self) -> float:
        return self.right / self.present if self.present else 1.0

    def __str__(self) -> str:
        return f"{self.right}/{self.present} = {self.ratio:.1%}"


def _same(want: object, got: object) -> bool:
    if isinstance(want, bool) or isinstance(got, bool):
        return want == got
    a, b = _text(want), _text(got)
    if a == b:
        return True
    try:
        return Decimal(a.replace(",", "")) == Decimal(b.replace(",", ""))
    except (InvalidOperation, ValueError):
        return False


def _text(value: object) -> str:
    """As compared: full-width forms folded (`（盖章）` is `(盖章)`), no spaces or line breaks."""
    return "" if value is None else "".join(unicodedata.normalize("NFKC", str(value)).split())


class _Counter:
    def __init__(self, shown: str | None = None):
        self.right = 0
        self.present = 0
        self.wrong: list[str] = []
        self.shown = None if shown is None else _text(shown)

    def visible(self, want: object) -> bool:
        """A field counts when the transcription fills it and (with a published text) that text shows it."""
        if want in (None, "", [], {}):
            return False
        return self.shown is None or _text(want) in self.shown

    def check(self, where: str, want: object, got: object, *, kept=None) -> None:
        if not self.visible(want):
            return
        self.present += 1
        if _same(want, got) or (kept is not None and kept(want)):
            self.right += 1
        else:
            self.wrong.append(f"{where}: {want!r} ≠ {got!r}")

    def score(self) -> Score:
        return Score(self.right, self.present, tuple(self.wrong))


def _path_value(table: dict, key: str) -> object:
    path = HEADER_PATHS[key]
    holder = (table.get(path[0]) or {}) if len(path) == 2 else table
    return holder.get(path[-1])


def indicator_keys(expected_row: dict, layout: dict) -> list[str]:
    """The keys of one transcribed row the layout prints."""
    columns = list(layout.get("columns") or [])
    options = layout.get("options") or {}
    keys = [key for key in INDICATOR_KEYS if key in expected_row]
    if set(columns) & set(SPLIT_KEYS):
        keys += [key for key in SPLIT_KEYS if key not in keys]
    keys += [key for key in columns if key not in keys and key not in ("value", "scoring")]
    if "scoring" in columns and not options.get("grades"):
        keys.append("scoring")
    return keys


def score_tables(expected: list[dict], got: list[dict], layout: dict, shown: str | None = None) -> Score:
    """A file's transcribed tables against the tables read from it, in printed order (a table too many counts once)."""
    parts = _parts(_text(shown), expected) if shown is not None else [None] * len(expected)
    total = Score()
    for i, want in enumerate(expected):
        total = total + score_table(want, got[i] if i < len(got) else None, layout, shown=parts[i])
    extra = tuple(f"tables[{i + 1}]: unexpected {got[i].get('title')!r}" for i in range(len(expected), len(got)))
    return total + Score(0, len(extra), extra)


def _parts(page: str, tables: list[dict]) -> list[str]:
    """The part of a page each table is printed in: from where its project name first stands after the
    table before it, to where the next one starts (a page holding several tables repeats their wording)."""
    starts = [0]
    for table in tables[1:]:
        name = _text((table.get("project") or {}).get("name"))
        at = page.find(name, starts[-1] + 1) if name else -1
        starts.append(at if at > starts[-1] else starts[-1])
    ends = [*starts[1:], len(page)]
    return [page[start:end] for start, end in zip(starts, ends, strict=True)]


def score_table(expected: dict, got: dict | None, layout: dict, shown: str | None = None) -> Score:
    """Fields right / fields present for one transcribed table and the table read from its form
    (with `shown`, its published text: only the fields that text shows)."""
    got = got or {}
    count = _Counter(shown)
    for key in ("kind", "year"):
        count.check(key, expected.get(key), got.get(key))
    # a form prints the year inside its title (`2023年度项目支出绩效目标表`): read either way, it is the title
    title = expected.get("title")
    printed = f"{expected.get('year')}年度{title}"
    count.check("title", title, got.get("title"), kept=lambda _: _text(got.get("title")) == _text(printed))
    for line in layout.get("header") or []:
        key = line["key"]
        count.check(f"header.{key}", _path_value(expected, key), _path_value(got, key) if got else None)
    budget, got_budget = expected.get("budget") or {}, got.get("budget") or {}
    for key in layout.get("budget_keys") or []:
        count.check(f"budget.{key}", budget.get(key), got_budget.get(key))
    got_tasks = got.get("tasks") or []
    for i, task in enumerate(expected.get("tasks") or []):
        other = got_tasks[i] if i < len(got_tasks) else {}
        for key in TASK_KEYS:
            count.check(f"tasks[{i + 1}].{key}", task.get(key), other.get(key))
    footer, got_footer = expected.get("footer") or {}, got.get("footer") or {}
    for line in layout.get("footer") or []:
        key = FOOTER_PATHS[line["key"]]
        count.check(f"footer.{key}", footer.get(key), got_footer.get(key))
    got_opinions = [o.get("by") for o in got_footer.get("opinions") or []]
    for i, opinion in enumerate(footer.get("opinions") or []):
        count.check(f"opinions[{i + 1}]", opinion.get("by"), got_opinions[i] if i < len(got_opinions) else None)
    _indicators(count, expected.get("indicators") or [], got.get("indicators") or [], layout)
    return count.score()


def _indicators(count: _Counter, expected: list[dict], got: list[dict], layout: dict) -> None:
    options = layout.get("options") or {}
    matched = _matches(expected, got)
    for i, want in enumerate(expected):
        if count.shown is not None and not count.visible(want.get("level3")):
            continue  # a row the published text does not show (its name is the row)
        row = got[matched[i]] if matched[i] is not None else {}
        where = f"indicators[{i + 1}]"
        kept = _kept_in(row)
        for key in indicator_keys(want, layout):
            count.check(f"{where}.{key}", want.get(key), row.get(key))
        if options.get("grades"):
            grades = dict(part.split(":", 1) for part in str(want.get("scoring") or "").split(";") if ":" in part)
            for grade in options["grades"]:
                count.check(f"{where}.{grade}", grades.get(grade), None, kept=kept)
        for name, cell in (want.get("values") or {}).items():
            count.check(f"{where}.values.{name}", cell, None, kept=kept)
    for j in sorted(set(range(len(got))) - {m for m in matched if m is not None}):  # a row the form does not have
        count.present += 1
        count.wrong.append(f"indicators (read) {j + 1}: unexpected {got[j].get('level3')!r}")


def _matches(expected: list[dict], got: list[dict]) -> list[int | None]:
    """For each transcribed row, the read row it is compared with (None: missing).

    By 三级 name and period first, the next read row in printed order before any other; a row
    left over takes the first read row left over between its neighbours' matches."""
    matched: list[int | None] = []
    taken: set[int] = set()
    start = 0
    for want in expected:
        name, period = _text(want.get("level3")), want.get("period")
        order = [*range(start, len(got)), *range(start)]
        hit = next(
            (
                j
                for j in order
                if j not in taken
                and _text(got[j].get("level3")) == name
                and (period is None or got[j].get("period") == period)
            ),
            None,
        )
        matched.append(hit)
        if hit is not None:
            taken.add(hit)
            start = hit + 1
    before = -1
    for i, hit in enumerate(matched):
        if hit is None:
            after = next((m for m in matched[i + 1 :] if m is not None), len(got))
            hit = next((j for j in range(before + 1, after) if j not in taken), None)
            if hit is not None:
                matched[i] = hit
                taken.add(hit)
        if hit is not None:
            before = hit
    return matched


def _kept_in(row: dict):
    """A printed cell the stored row keeps in some field (its own, or `标签：值` in the note)."""
    texts = [_text(value) for value in row.values() if isinstance(value, str)]

    def kept(want: object) -> bool:
        cell = _text(want)
        parts = [part for text in texts for part in text.split("；")]
        return any(part == cell or part.endswith(f"：{cell}") for part in parts)

    return kept
