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

Rows are compared in printed order; a row too many or too few counts every field of it
as wrong. `Score` adds up (`+`), so a whole set of forms is scored by summing.
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
    def __init__(self):
        self.right = 0
        self.present = 0
        self.wrong: list[str] = []

    def check(self, where: str, want: object, got: object, *, kept=None) -> None:
        if want in (None, "", [], {}):
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


def score_table(expected: dict, got: dict | None, layout: dict) -> Score:
    """Fields right / fields present for one transcribed table and the table read from its form."""
    got = got or {}
    count = _Counter()
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
    for i, want in enumerate(expected):
        row = got[i] if i < len(got) else {}
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
    for i in range(len(expected), len(got)):  # a row the form does not have
        count.present += 1
        count.wrong.append(f"indicators[{i + 1}]: unexpected {got[i].get('level3')!r}")


def _kept_in(row: dict):
    """A printed cell the stored row keeps in some field (its own, or `标签：值` in the note)."""
    texts = [_text(value) for value in row.values() if isinstance(value, str)]

    def kept(want: object) -> bool:
        cell = _text(want)
        parts = [part for text in texts for part in text.split("；")]
        return any(part == cell or part.endswith(f"：{cell}") for part in parts)

    return kept
