"""Parsing a 指标值 into a `ParsedValue`, by small recognisers tried in order."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from indicators.values.dates import DATE_STARTS, PartialDate, read_date
from indicators.values.vocabulary import (
    _APPROX_PREFIX,
    _APPROX_SUFFIX,
    _CMP_MAP,
    _RE_DIGIT,
    _RE_GRADE,
    _RE_PLACEHOLDER,
    _RE_PREFIX,
    _RE_QUANTITY,
    _RE_RANGE,
    _RE_SPACE,
    _RE_SUFFIX,
    _RE_UNIT_START,
    _SUFFIX_MAP,
    _SYMBOLS,
    CACHED_LENGTH,
    DURATION_UNITS,
    GRADE_WORDS,
    MONEY_UNITS,
    NOT_APPLICABLE,
    PERCENT_UNITS,
    QUALITATIVE,
    QUANTITATIVE_OTHER,
    SYSTEM_COMPARATORS,
    clean,
)


@dataclass(frozen=True, slots=True)
class ParsedValue:
    raw: str
    kind: str
    comparator: str | None = None
    number: Decimal | None = None
    number_high: Decimal | None = None
    unit: str = ""
    date: PartialDate | None = None
    grade: str | None = None
    suffix: str = ""  # words kept after a date (`完成`) or after 定量（其他）
    approx: bool = False
    error: str | None = None
    date_high: PartialDate | None = None  # a period's end (`2023.07-2024.01`); `date` is its start

    # ---- what it is

    @property
    def is_quantitative(self) -> bool:
        return self.kind in {"quantity", "duration", "range"} or (
            self.kind == "quantitative_other" and self.number is not None
        )

    @property
    def is_qualitative(self) -> bool:
        return self.kind in {"grade", "qualitative"}

    @property
    def is_percent(self) -> bool:
        return self.is_quantitative and self.unit in PERCENT_UNITS

    @property
    def is_duration(self) -> bool:
        return self.is_quantitative and self.unit in DURATION_UNITS

    @property
    def is_money(self) -> bool:
        """A sum of money (`≤117.27万元`), not a rate per unit (`≤245元/人/天`)."""
        return self.is_quantitative and self.unit in MONEY_UNITS

    @property
    def is_money_per_unit(self) -> bool:
        head, _, rest = self.unit.partition("/")
        return self.is_quantitative and bool(rest) and head in MONEY_UNITS

    @property
    def per_unit(self) -> str:
        """The denominator of a rate: `个` for `元/个`, `人/天` for `元/人/天`."""
        return self.unit.partition("/")[2]

    @property
    def effective_comparator(self) -> str | None:
        """The comparison meant: a bare number is `=`; 定性 etc. have none."""
        if self.comparator in SYSTEM_COMPARATORS:
            return self.comparator
        if self.kind in {"quantity", "duration", "date"}:
            return "="
        return None

    @property
    def system_comparator(self) -> str | None:
        """The national system's 指标值类型: ≥ ＞ ＝ ＜ ≤, 定性, 定量（其他）, 不适用."""
        if self.kind in {"grade", "qualitative"}:
            return QUALITATIVE
        if self.kind in {"quantitative_other", "range"}:
            return QUANTITATIVE_OTHER
        if self.kind == "not_applicable":
            return NOT_APPLICABLE
        cmp = self.effective_comparator
        return SYSTEM_COMPARATORS.get(cmp) if cmp else None

    def amount_in_wan(self, which: str = "number") -> Decimal | None:
        """The money amount in 万元 (for `元/个` the amount per unit), else None."""
        value = getattr(self, which)
        head = self.unit.partition("/")[0]
        if value is None or head not in MONEY_UNITS or not self.is_quantitative:
            return None
        return value * MONEY_UNITS[head]

    # ---- display

    @property
    def normalized(self) -> str:
        """Display text: half-width, canonical comparator, no thousands separators."""
        k = self.kind
        if k == "empty":
            return ""
        if k in {"placeholder", "comparator_only", "unparseable"}:
            return _RE_SPACE.sub(" ", self.raw.strip())
        if k == "not_applicable":
            return NOT_APPLICABLE
        if k in {"grade", "qualitative"}:
            if not self.grade:
                return QUALITATIVE
            # Words that would read as something else on their own keep the 定性 label.
            back = parse_value(self.grade)
            return self.grade if (back.kind, back.grade) == (k, self.grade) else f"{QUALITATIVE}：{self.grade}"
        if k == "quantitative_other":
            rest = f"{_fmt(self.number)}{self.unit}" if self.number is not None else self.suffix
            return f"{QUANTITATIVE_OTHER}{rest}"
        if k == "date":
            cmp = self.comparator if self.comparator in SYSTEM_COMPARATORS and self.comparator != "=" else ""
            return f"{cmp}{self.date.text}{self.suffix}" if self.date else self.raw
        if k == "period":
            return f"{self.date.text}-{self.date_high.text}"
        if k == "range":
            low_unit = self.unit if self.unit in PERCENT_UNITS else ""
            return f"{_fmt(self.number)}{low_unit}-{_fmt(self.number_high)}{self.unit}"
        cmp = self.comparator or ""
        approx = "约" if self.approx else ""
        return f"{cmp}{approx}{_fmt(self.number)}{self.unit}"

    def meaning(self) -> tuple:
        """What the value says, without how it was typed (for comparing two values)."""
        return (
            self.kind,
            self.comparator,
            self.number,
            self.number_high,
            self.unit,
            self.date,
            self.grade,
            self.suffix,
            self.approx,
            self.date_high,
        )

    def __str__(self) -> str:
        return self.normalized


def _fmt(number: Decimal | None) -> str:
    return "" if number is None else format(number, "f")


def _number(text: str) -> Decimal | None:
    try:
        value = Decimal(text.replace(",", ""))
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


# ---------------------------------------------------------------- parsing


def parse_value(text: object) -> ParsedValue:
    """Read a typed 指标值. Never raises; unreadable text gives kind `unparseable`."""
    raw = "" if text is None else str(text)
    # The checks parse every value of a table after each save; the same few hundred values recur.
    return _parse_cached(raw) if len(raw) <= CACHED_LENGTH else _parse_safely(raw)


def _parse_safely(raw: str) -> ParsedValue:
    try:
        return _parse(raw)
    except Exception as exc:
        return ParsedValue(raw, "unparseable", error=f"无法识别（{type(exc).__name__}）")


# ParsedValue is frozen (and its parts immutable), so one result can be shared.
_parse_cached = lru_cache(maxsize=8192)(_parse_safely)


def _parse(raw: str) -> ParsedValue:
    """Try the recognisers of the whole text, then those of what follows a comparator, in order."""
    text = clean(raw)
    for recognise in _WHOLE_TEXT:
        value = recognise(raw, text)
        if value is not None:
            return value
    reading = _comparator_in_front(raw, text)
    for recognise in _AFTER_COMPARATOR:
        value = recognise(reading)
        if value is not None:
            return value
    return ParsedValue(raw, "unparseable", error="无法识别")


# ---- the whole text: one token, no comparator


def _empty(raw: str, text: str) -> ParsedValue | None:
    return ParsedValue(raw, "empty") if not text else None


def _placeholder(raw: str, text: str) -> ParsedValue | None:
    if _RE_PLACEHOLDER.match(text):
        return ParsedValue(raw, "placeholder", error="指标值不能只填“*”“_”或“-”")
    return None


def _not_applicable(raw: str, text: str) -> ParsedValue | None:
    if text in {"不适用", "N/A", "n/a", "NA"}:
        return ParsedValue(raw, "not_applicable", comparator=NOT_APPLICABLE)
    return None


def _typed_quantitative_other(raw: str, text: str) -> ParsedValue | None:
    """The national system's 定量（其他） typed into the cell, with what follows it."""
    for lead in ("定量(其他)", "定量其他", "定量-其他"):
        if text.startswith(lead):
            return _quantitative_other(raw, text[len(lead) :].lstrip(":"))
    return None


def _typed_qualitative(raw: str, text: str) -> ParsedValue | None:
    """The national system's 定性 typed into the cell, alone or before its words (`定性：优`)."""
    if not text.startswith("定性"):
        return None
    rest = text[2:].lstrip(":")
    if not rest:
        return ParsedValue(raw, "qualitative", comparator=QUALITATIVE)
    if _RE_DIGIT.search(rest):
        return ParsedValue(raw, "unparseable", error="定性指标值不应含数值")
    return _words(raw, rest)


def _grade(raw: str, text: str) -> ParsedValue | None:
    if text in GRADE_WORDS or _RE_GRADE.match(text):
        return ParsedValue(raw, "grade", comparator=QUALITATIVE, grade=text)
    return None


# A period from one month (or year) to another: `2023.07-2024.01`, `2023年7月至2024年1月`, `2023-2025`.
_PERIOD_END = r"(?P<y{n}>(?:19|20)\d{{2}})(?:年|(?:[./年](?P<m{n}>\d{{1,2}})月?))?"
_RE_PERIOD = re.compile("^" + _PERIOD_END.format(n=1) + r"(?:-|~|至|到)" + _PERIOD_END.format(n=2) + "$")


def _period(raw: str, text: str) -> ParsedValue | None:
    """A project period or a time span typed as a target: from one month (or year) to another."""
    m = _RE_PERIOD.match(text)
    if not m:
        return None
    ends = []
    for n in (1, 2):
        month = int(m[f"m{n}"]) if m[f"m{n}"] else None
        if month is not None and not 1 <= month <= 12:
            return None  # `2023.15-…` is not a month: let the number readers have it
        ends.append(PartialDate(int(m[f"y{n}"]), month))
    start, end = ends
    if (start.year, start.month or 0) > (end.year, end.month or 0):
        return ParsedValue(raw, "unparseable", error="期间的开始晚于结束")
    return ParsedValue(raw, "period", date=start, date_high=end)


_WHOLE_TEXT: tuple[Callable[[str, str], ParsedValue | None], ...] = (
    _empty,
    _placeholder,
    _not_applicable,
    _typed_quantitative_other,
    _typed_qualitative,
    _grade,
    _period,
)


# ---- after a comparator (or none): a date, words, a range or comparator + number + unit


@dataclass(slots=True)  # not frozen: that would slow each parse of an uncached value by a tenth
class _Reading:
    """A value partly read: the comparator (and `约`) taken off the front, the rest still to read."""

    raw: str
    text: str  # the whole cleaned text
    body: str  # what follows the comparator
    comparator: str | None = None
    symbol: bool = False  # the comparator was a sign (`≥`), not a word (`达到`)
    approx: bool = False


def _comparator_in_front(raw: str, text: str) -> _Reading:
    comparator, body, symbol = None, text, False
    m = _RE_PREFIX.match(body)
    if m:
        comparator, symbol = _CMP_MAP[m.group(0)], m.group(0) in _SYMBOLS
        body = body[m.end() :]
    approx = False
    for word in _APPROX_PREFIX:
        if body.startswith(word):
            approx, body = True, body[len(word) :]
            break
    return _Reading(raw, text, body, comparator, symbol, approx)


def _comparator_without_number(r: _Reading) -> ParsedValue | None:
    return ParsedValue(r.raw, "comparator_only", error="只有比较符，缺少数值") if not r.body else None


def _deadline(r: _Reading) -> ParsedValue | None:
    if not (_RE_DIGIT.search(r.body) or r.body.startswith(DATE_STARTS)):
        return None
    found = read_date(r.body, r.comparator)
    if found is None:
        return None
    if isinstance(found, str):
        return ParsedValue(r.raw, "unparseable", error=found)
    return ParsedValue(r.raw, "date", comparator=found.comparator, date=found.date, suffix=found.suffix)


def _words_without_number(r: _Reading) -> ParsedValue | None:
    if _RE_DIGIT.search(r.body):
        return None
    if r.symbol:
        return ParsedValue(r.raw, "comparator_only", error="比较符后缺少数值")
    # `达标`, `达到要求`, `约束有效`: the word belongs to the phrase, not a comparator.
    return _words(r.raw, r.text)


def _measure(r: _Reading) -> ParsedValue | None:
    """A range or comparator + number + unit, once a comparator word behind (`以上`, `左右`) is read."""
    read = _comparator_behind(r)
    if isinstance(read, ParsedValue):
        return read
    return _range(read) or _quantity(read)


def _comparator_behind(r: _Reading) -> _Reading | ParsedValue:
    body, approx, comparator = r.body, r.approx, r.comparator
    for word in _APPROX_SUFFIX:
        if body.endswith(word):
            approx, body = True, body[: -len(word)]
            break
    sm = _RE_SUFFIX.search(body)
    if sm and _RE_DIGIT.search(body[: sm.start()]):
        word_cmp = _SUFFIX_MAP[sm.group(0)]
        if comparator is not None and comparator != word_cmp and not (comparator in "≥>" and word_cmp == "≥"):
            return ParsedValue(r.raw, "unparseable", error=f"比较符“{comparator}”与“{sm.group(0)}”矛盾")
        comparator = comparator or word_cmp
        body = body[: sm.start()]
    return _Reading(r.raw, r.text, body, comparator, r.symbol, approx)


def _range(r: _Reading) -> ParsedValue | None:
    rm = _RE_RANGE.match(r.body)
    if not rm:
        return None
    if r.comparator is not None or r.approx:
        return ParsedValue(r.raw, "unparseable", error="区间不应再带比较符")
    low, high = _number(rm["a"]), _number(rm["b"])
    ua, ub = rm["ua"], rm["ub"]
    if ua and ub and ua != ub:
        return ParsedValue(r.raw, "unparseable", error=f"区间两端单位不一致（{ua}、{ub}）")
    if low is None or high is None:
        return ParsedValue(r.raw, "unparseable", error="区间数值无法识别")
    if _bad_unit(ua) or _bad_unit(ub):
        return ParsedValue(r.raw, "unparseable", error="计量单位无法识别")
    if low > high:
        return ParsedValue(r.raw, "unparseable", error="区间下限大于上限")
    return ParsedValue(r.raw, "range", number=low, number_high=high, unit=ub or ua)


def _quantity(r: _Reading) -> ParsedValue | None:
    qm = _RE_QUANTITY.match(r.body)
    if not qm:
        return None
    number = _number(qm["num"])
    if number is None:
        return ParsedValue(r.raw, "unparseable", error="数值无法识别")
    unit = _canonical_unit(qm["unit"])
    if _bad_unit(unit):
        return ParsedValue(r.raw, "unparseable", error=f"计量单位“{unit}”无法识别")
    kind = "duration" if unit in DURATION_UNITS else "quantity"
    return ParsedValue(r.raw, kind, comparator=r.comparator, number=number, unit=unit, approx=r.approx)


_AFTER_COMPARATOR: tuple[Callable[[_Reading], ParsedValue | None], ...] = (
    _comparator_without_number,
    _deadline,
    _words_without_number,
    _measure,
)


def _bad_unit(unit: str) -> bool:
    """A unit still ending in a comparator word (`3天内内`) would read differently once normalised."""
    if not unit:
        return False
    if not _RE_UNIT_START.match(unit) or unit[-1] in "./;:、":
        return True  # `5.`, `5)`, `5%.`: a number with punctuation, not a unit
    return _RE_SUFFIX.search(unit) is not None or unit.endswith(_APPROX_SUFFIX)


def _canonical_unit(unit: str) -> str:
    if unit == "百分比":
        return "%"
    return unit


def _quantitative_other(raw: str, rest: str) -> ParsedValue:
    if rest:
        qm = _RE_QUANTITY.match(rest)
        if qm and (number := _number(qm["num"])) is not None:
            unit = _canonical_unit(qm["unit"])
            return ParsedValue(raw, "quantitative_other", comparator=QUANTITATIVE_OTHER, number=number, unit=unit)
    return ParsedValue(raw, "quantitative_other", comparator=QUANTITATIVE_OTHER, suffix=rest)


def _words(raw: str, text: str) -> ParsedValue:
    if _RE_DIGIT.search(text):
        return ParsedValue(raw, "unparseable", error="无法识别")
    kind = "grade" if text in GRADE_WORDS or _RE_GRADE.match(text) else "qualitative"
    return ParsedValue(raw, kind, comparator=QUALITATIVE, grade=text)


def is_placeholder(text: object) -> bool:
    """True for a cell holding only `*`, `_`, `-` and the like."""
    s = clean(text)
    return bool(s) and _RE_PLACEHOLDER.match(s) is not None


def is_percent(value: ParsedValue | str) -> bool:
    return (value if isinstance(value, ParsedValue) else parse_value(value)).is_percent


def is_duration(value: ParsedValue | str) -> bool:
    return (value if isinstance(value, ParsedValue) else parse_value(value)).is_duration


def with_comparator(value: ParsedValue, comparator: str) -> str:
    """The value's display text with another comparator, e.g. `>3天` → `≤3天`."""
    return replace(value, comparator=comparator, approx=False).normalized
