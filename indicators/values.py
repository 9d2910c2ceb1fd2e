"""The value grammar: read a 指标值 as people type it.

`parse_value(text)` never raises. It returns a `ParsedValue` that keeps the
typed text (`raw`, the record) beside what it means: a comparator, a number
(Decimal) and a unit, a range, a date, a qualitative grade, or the national
system's kinds 定量（其他） and 不适用. `ParsedValue.normalized` is the display
form (`>=95％` → `≥95%`, `不少于 1,000 人` → `≥1000人`); parsing the
normalized text gives the same meaning back.

Accepted forms, after full-width characters become half-width and spaces go:

- comparator + number + unit: `≥95%`, `>=9套`, `=83人`, `≤245元/人/天`;
  comparators as symbols (`≥ ≤ > < =`, `>= <= => =<`, `≧ ≦`) or words
  (不低于/不少于/至少/达到 → ≥, 不超过/不高于/控制在 → ≤, 大于/高于/超过 → >,
  小于/低于 → <, 等于/为 → =, 约 → = with `approx`), or a trailing
  `以上`/`以内`/`以下`/`内`/`左右`; a bare number (`100%`) has no comparator
  and is read as `=` (`effective_comparator`);
- a range: `90%-95%`, `90-95%`, `1～3天`, `1至3天`;
- a date or deadline: `2022年11月25日`, `2023年底完成`, `年底`, `12月底`,
  `2023-06-30`, `第四季度`, with `前`/`之前` (→ ≤) and an action word kept as
  typed (`完成`, `完工`, …);
- a grade: `优`, `良好`, `合格`, `达标`, `完整`, `合规`, `AAA`, `显著提高`,
  `效果显著`, …; other text with no digits is `qualitative` (free words);
- `定性：优`, `定量（其他）…`, `不适用`.

A comparator with no number after it (`≥`, `不低于`, `≥良好`) is kind
`comparator_only`: it promises a measure and gives none, so it is not a target
(the checks block it). Words alone (`良好`, `达到预期`) are a grade instead.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from functools import lru_cache

# ---------------------------------------------------------------- constants

KINDS = (
    "quantity",  # comparator + number + unit (unit may be missing: a rule reports it)
    "duration",  # a quantity whose unit is a length of time (天, 小时, 个工作日, 年…)
    "range",  # number_low–number_high, one unit
    "date",  # a date or deadline
    "grade",  # a recognised qualitative grade (优, 合格, 显著提高…)
    "qualitative",  # other words without a measure
    "quantitative_other",  # the national system's 定量（其他）
    "not_applicable",  # 不适用
    "placeholder",  # just `*`, `_`, `-` (the national system refuses these)
    "comparator_only",  # `≥`, `不低于`, `≥良好`: a comparator without a number
    "empty",
    "unparseable",
)

QUALITATIVE = "定性"
QUANTITATIVE_OTHER = "定量（其他）"
NOT_APPLICABLE = "不适用"

# The national system's comparator column (指标值类型), full-width as it prints them.
SYSTEM_COMPARATORS = {"≥": "≥", ">": "＞", "=": "＝", "<": "＜", "≤": "≤"}

DURATION_UNITS = frozenset(
    {
        "天", "日", "个工作日", "工作日", "个自然日", "自然日", "小时", "个小时", "时", "分钟", "分", "秒",
        "周", "个周", "星期", "个星期", "月", "个月", "季度", "个季度", "年", "h", "min", "d",
    }
)  # fmt: skip
PERCENT_UNITS = frozenset({"%", "‰"})
# Money units → factor to 万元.
MONEY_UNITS = {
    "元": Decimal("0.0001"),
    "千元": Decimal("0.1"),
    "万元": Decimal(1),
    "十万元": Decimal(10),
    "百万元": Decimal(100),
    "千万元": Decimal(1000),
    "亿元": Decimal(10000),
}

_CN_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "1": 1, "2": 2, "3": 3, "4": 4}
_CN_QUARTER = {1: "一", 2: "二", 3: "三", 4: "四"}

# Full-width ASCII → ASCII, the ideographic space, and the look-alikes people type.
_TRANSLATE = {i: i - 0xFEE0 for i in range(0xFF01, 0xFF5F)}
_TRANSLATE.update(
    {
        0x3000: " ",  # ideographic space
        0x00A0: " ",
        ord("≧"): "≥",
        ord("≦"): "≤",
        ord("⩾"): "≥",
        ord("⩽"): "≤",
        ord("〜"): "~",
        ord("～"): "~",
        ord("—"): "-",
        ord("–"): "-",
        ord("―"): "-",
        ord("−"): "-",
        ord("﹣"): "-",
        ord("﹪"): "%",
        ord("。"): ".",
        ord("㎡"): "平方米",
        ord("²"): "2",
        ord("³"): "3",
    }
)

# Comparator words at the start, longest first (a regex alternation tries in order).
_PREFIX_WORDS: list[tuple[str, str]] = [
    ("大于或等于", "≥"), ("大于等于", "≥"), ("小于或等于", "≤"), ("小于等于", "≤"),
    ("不低于", "≥"), ("不少于", "≥"), ("不小于", "≥"), ("不得低于", "≥"), ("不得少于", "≥"),
    ("至少", "≥"), ("最少", "≥"), ("达到", "≥"), ("达", "≥"),
    ("不超过", "≤"), ("不高于", "≤"), ("不多于", "≤"), ("不大于", "≤"), ("不得超过", "≤"), ("不得高于", "≤"),
    ("控制在", "≤"), ("至多", "≤"), ("最多", "≤"), ("最高", "≤"),
    ("大于", ">"), ("高于", ">"), ("多于", ">"), ("超过", ">"),
    ("小于", "<"), ("低于", "<"), ("少于", "<"),
    ("等于", "="), ("为", "="),
]  # fmt: skip
_PREFIX_SYMBOLS: list[tuple[str, str]] = [
    (">=", "≥"), ("=>", "≥"), ("≥=", "≥"), ("≥", "≥"),
    ("<=", "≤"), ("=<", "≤"), ("≤=", "≤"), ("≤", "≤"),
    ("==", "="), ("=", "="), (">", ">"), ("<", "<"),
]  # fmt: skip
_SUFFIX_WORDS: list[tuple[str, str]] = [
    ("及其以上", "≥"), ("及以上", "≥"), ("或以上", "≥"), ("以上", "≥"),
    ("及以下", "≤"), ("或以下", "≤"), ("以下", "≤"), ("以内", "≤"), ("之内", "≤"), ("内", "≤"),
]  # fmt: skip
_APPROX_PREFIX = ("大约", "约")
_APPROX_SUFFIX = ("左右",)

_CMP_MAP = dict(_PREFIX_SYMBOLS + _PREFIX_WORDS)
_SYMBOLS = frozenset(w for w, _ in _PREFIX_SYMBOLS)
_RE_PREFIX = re.compile("^(?:" + "|".join(re.escape(w) for w, _ in _PREFIX_SYMBOLS + _PREFIX_WORDS) + ")")
_RE_SUFFIX = re.compile("(?:" + "|".join(re.escape(w) for w, _ in _SUFFIX_WORDS) + ")$")
_SUFFIX_MAP = dict(_SUFFIX_WORDS)

_NUM = r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"
# A unit: no digits, no comparator signs; `m2`/`km3` keep their power.
_UNIT = r"(?:[^\d≥≤<>=~,+\-]|(?<=[A-Za-z])[23](?!\d))*"
_RE_QUANTITY = re.compile(rf"^(?P<num>{_NUM})(?P<unit>{_UNIT})$")
_RE_RANGE = re.compile(rf"^(?P<a>{_NUM})(?P<ua>{_UNIT})(?:-|~|至|到)(?P<b>{_NUM})(?P<ub>{_UNIT})$")
_RE_UNIT_START = re.compile(r"[%‰°℃A-Za-zµμΩ\u4e00-\u9fff]")
_RE_PLACEHOLDER = re.compile(r"^[*_\-/\\.·、,]+$")
_RE_DIGIT = re.compile(r"\d")
_RE_SPACE = re.compile(r"\s+")

# Dates. The body has lost its comparator prefix and spaces.
_DATE_LEAD = re.compile(r"^(?:截至|截止到|截止至|截止|于|在|到|至)")
_DATE_BEFORE = re.compile(r"(?:之前|以前|前|以内|之内|内)$")
_DATE_ACTION = re.compile(
    r"(?:全部完成|完成验收|前完成|完成|完工|办结|结束|竣工|到位|建成|交付|上线|验收|实施|发放|支付|拨付)$"
)
_RE_DATE_ISO = re.compile(
    r"^(?P<y>\d{4})(?P<sep>[-/])(?P<m>\d{1,2})(?:(?P=sep)(?P<d>\d{1,2}))?$|^(?P<y2>\d{4})\.(?P<m2>\d{1,2})\.(?P<d2>\d{1,2})$"
)
# Leading zeros are read past (`012月` is 12月, `000月` the month 0 that does not exist), as a
# number's display form drops them: otherwise `012月` would read as 12 months and its display
# form `12月` as December.
_RE_DATE_MD = re.compile(
    r"^(?:(?P<y>\d{4})年(?:度)?)?0*(?P<m>\d{1,2})月(?:份)?(?:0*(?P<d>\d{1,2})[日号])?(?P<part>底|末|初|上旬|中旬|下旬)?$"
)
_RE_DATE_Y = re.compile(r"^0*(?P<y>\d{4})年(?:度)?(?:年?(?P<part>底|末|初))?$")
_RE_DATE_THIS_YEAR = re.compile(r"^(?:本|当|今)?年(?:度)?(?P<part>底|末|初)$")
_RE_DATE_QUARTER = re.compile(r"^(?:(?P<y>\d{4})年(?:度)?)?第?(?P<q>[一二三四1-4])季度(?:末|底)?$")

# Grades: words a reviewer accepts as a qualitative measure.
GRADE_WORDS = frozenset(
    {
        "优", "优秀", "良", "良好", "中", "中等", "差", "较差", "好", "较好", "很好", "一般",
        "合格", "不合格", "达标", "完整", "合规", "规范", "健全", "真实", "公开", "相关", "科学", "合理",
        "准确", "及时", "有效", "安全", "稳定", "正常", "是", "否", "有", "无", "满意", "基本满意", "非常满意",
        "完成", "已完成", "全部完成", "按时完成", "按期完成", "如期完成", "足额", "到位",
        "符合", "符合要求", "符合标准", "符合规定", "达到要求", "达到标准", "达到预期", "通过", "通过验收",
        "显著", "明显", "强化", "高", "较高", "低", "较低", "一级", "二级", "三级", "甲级", "乙级", "丙级",
    }
)  # fmt: skip
_RE_GRADE = re.compile(
    r"^(?:"
    r"(?:显著|明显|有效|稳步|逐步|持续|不断|进一步|有所|大幅|大幅度|较大|全面|基本|稳定|切实|得到|逐年|大力|较大幅度|有力)?"
    r"(?:提高|提升|加强|增强|改善|改进|降低|减少|下降|保障|优化|规范|完善|强化|增加|增长|减轻|缓解|好转|推进|促进|巩固|扩大|保持|落实|发挥)"
    r"|(?:效果|成效|作用|效益|影响|质量|水平)(?:显著|明显|良好|较好|突出|提高|提升)"
    r"|(?:优|优秀|良|良好|合格|达标|中等?)(?:及以上|以上)"
    r"|[A-D]{1,5}[+-]?级?"
    r")$"
)


# ---------------------------------------------------------------- the result


@dataclass(frozen=True, slots=True)
class PartialDate:
    """A date as precise as typed: `2023年底` is (2023, None, None, "底")."""

    year: int | None = None
    month: int | None = None
    day: int | None = None
    part: str = ""  # "", "底", "初", "上旬", "中旬", "下旬", or "季度" (month is then the quarter's last)

    @property
    def text(self) -> str:
        year = f"{self.year}年" if self.year is not None else ""
        if self.part == "季度":
            return f"{year}第{_CN_QUARTER[self.month // 3]}季度"
        if self.month is None:
            return f"{year}年{self.part}" if self.year is None else f"{year}{self.part}"
        day = f"{self.day}日" if self.day is not None else ""
        return f"{year}{self.month}月{day}{self.part}"


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


def clean(text: object) -> str:
    """Half-width, no spaces, no trailing full stop: the text the grammar reads."""
    if text is None:
        return ""
    text = str(text)
    return _clean_cached(text) if len(text) <= _CACHED_LENGTH else _clean(text)


def _clean(text: str) -> str:
    s = text.translate(_TRANSLATE)
    s = _RE_SPACE.sub("", s)
    return s.rstrip(".;；,") if not _RE_PLACEHOLDER.match(s) else s


_CACHED_LENGTH = 200  # longer text is rare in a value or name cell and not worth keeping
_clean_cached = lru_cache(maxsize=8192)(_clean)


def parse_value(text: object) -> ParsedValue:
    """Read a typed 指标值. Never raises; unreadable text gives kind `unparseable`."""
    raw = "" if text is None else str(text)
    # The checks parse every value of a table after each save; the same few hundred values recur.
    return _parse_cached(raw) if len(raw) <= _CACHED_LENGTH else _parse_safely(raw)


def _parse_safely(raw: str) -> ParsedValue:
    try:
        return _parse(raw)
    except Exception as exc:
        return ParsedValue(raw, "unparseable", error=f"无法识别（{type(exc).__name__}）")


# ParsedValue is frozen (and its parts immutable), so one result can be shared.
_parse_cached = lru_cache(maxsize=8192)(_parse_safely)


def _parse(raw: str) -> ParsedValue:
    s = clean(raw)
    if not s:
        return ParsedValue(raw, "empty")
    if _RE_PLACEHOLDER.match(s):
        return ParsedValue(raw, "placeholder", error="指标值不能只填“*”“_”或“-”")
    if s in {"不适用", "N/A", "n/a", "NA"}:
        return ParsedValue(raw, "not_applicable", comparator=NOT_APPLICABLE)

    # The national system's kinds typed into the cell.
    for lead in ("定量(其他)", "定量其他", "定量-其他"):
        if s.startswith(lead):
            rest = s[len(lead) :].lstrip(":")
            return _quantitative_other(raw, rest)
    if s.startswith("定性"):
        rest = s[2:].lstrip(":")
        if not rest:
            return ParsedValue(raw, "qualitative", comparator=QUALITATIVE)
        if _RE_DIGIT.search(rest):
            return ParsedValue(raw, "unparseable", error="定性指标值不应含数值")
        return _words(raw, rest)

    if s in GRADE_WORDS or _RE_GRADE.match(s):
        return ParsedValue(raw, "grade", comparator=QUALITATIVE, grade=s)

    cmp: str | None = None
    body = s
    m = _RE_PREFIX.match(body)
    if m:
        cmp = _CMP_MAP[m.group(0)]
        body = body[m.end() :]
    approx = False
    for word in _APPROX_PREFIX:
        if body.startswith(word):
            approx, body = True, body[len(word) :]
            break
    if not body:
        return ParsedValue(raw, "comparator_only", error="只有比较符，缺少数值")

    if _RE_DIGIT.search(body) or body.startswith(("年", "本年", "当年", "今年", "第")):
        dated = _date(raw, body, cmp)
        if dated is not None:
            return dated

    if not _RE_DIGIT.search(body):
        if m and m.group(0) in _SYMBOLS:
            return ParsedValue(raw, "comparator_only", error="比较符后缺少数值")
        # `达标`, `达到要求`, `约束有效`: the word belongs to the phrase, not a comparator.
        return _words(raw, s)

    for word in _APPROX_SUFFIX:
        if body.endswith(word):
            approx, body = True, body[: -len(word)]
            break
    sm = _RE_SUFFIX.search(body)
    if sm and _RE_DIGIT.search(body[: sm.start()]):
        word_cmp = _SUFFIX_MAP[sm.group(0)]
        if cmp is not None and cmp != word_cmp and not (cmp in "≥>" and word_cmp == "≥"):
            return ParsedValue(raw, "unparseable", error=f"比较符“{cmp}”与“{sm.group(0)}”矛盾")
        cmp = cmp or word_cmp
        body = body[: sm.start()]

    rm = _RE_RANGE.match(body)
    if rm:
        if cmp is not None or approx:
            return ParsedValue(raw, "unparseable", error="区间不应再带比较符")
        low, high = _number(rm["a"]), _number(rm["b"])
        ua, ub = rm["ua"], rm["ub"]
        if ua and ub and ua != ub:
            return ParsedValue(raw, "unparseable", error=f"区间两端单位不一致（{ua}、{ub}）")
        if low is None or high is None:
            return ParsedValue(raw, "unparseable", error="区间数值无法识别")
        if _bad_unit(ua) or _bad_unit(ub):
            return ParsedValue(raw, "unparseable", error="计量单位无法识别")
        if low > high:
            return ParsedValue(raw, "unparseable", error="区间下限大于上限")
        return ParsedValue(raw, "range", number=low, number_high=high, unit=ub or ua)

    qm = _RE_QUANTITY.match(body)
    if qm:
        number = _number(qm["num"])
        if number is None:
            return ParsedValue(raw, "unparseable", error="数值无法识别")
        unit = _canonical_unit(qm["unit"])
        if _bad_unit(unit):
            return ParsedValue(raw, "unparseable", error=f"计量单位“{unit}”无法识别")
        kind = "duration" if unit in DURATION_UNITS else "quantity"
        return ParsedValue(raw, kind, comparator=cmp, number=number, unit=unit, approx=approx)

    return ParsedValue(raw, "unparseable", error="无法识别")


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


def _date(raw: str, body: str, cmp: str | None) -> ParsedValue | None:
    """A date or deadline, or None when `body` is not one."""
    core = body
    lead = _DATE_LEAD.match(core)
    if lead:
        if lead.group(0) in {"截至", "截止到", "截止至", "截止", "到", "至"}:
            cmp = cmp or "≤"
        core = core[lead.end() :]
    suffix = ""
    am = _DATE_ACTION.search(core)
    if am and am.start() > 0:
        suffix = am.group(0)
        if suffix == "前完成":
            suffix, cmp = "完成", cmp or "≤"
        core = core[: am.start()]
    bm = _DATE_BEFORE.search(core)
    if bm and bm.start() > 0:
        core = core[: bm.start()]
        cmp = cmp or "≤"
        if bm.group(0) in {"内", "以内", "之内"} and core.endswith("年") and not core.endswith("月"):
            # `2023年内`, `年内`: within the year, i.e. by its end.
            core += "底"

    if cmp == "=":
        cmp = None  # `=2023年底` says no more than `2023年底`
    date = _match_date(core)
    if date is None:
        return None
    if isinstance(date, str):
        return ParsedValue(raw, "unparseable", error=date)
    return ParsedValue(raw, "date", comparator=cmp, date=date, suffix=suffix)


def _match_date(core: str) -> PartialDate | str | None:
    m = _RE_DATE_ISO.match(core)
    if m:
        y, mo, d = (m["y"], m["m"], m["d"]) if m["y"] else (m["y2"], m["m2"], m["d2"])
        return _valid(int(y), int(mo), int(d) if d else None, "")
    m = _RE_DATE_MD.match(core)
    if m:
        return _valid(int(m["y"]) if m["y"] else None, int(m["m"]), int(m["d"]) if m["d"] else None, m["part"] or "")
    m = _RE_DATE_Y.match(core)
    if m:
        year = int(m["y"])
        if not 1900 <= year <= 2100:
            return None
        return PartialDate(year, None, None, (m["part"] and _end(m["part"])) or "")
    m = _RE_DATE_THIS_YEAR.match(core)
    if m:
        return PartialDate(None, None, None, _end(m["part"]))
    m = _RE_DATE_QUARTER.match(core)
    if m:
        return PartialDate(int(m["y"]) if m["y"] else None, _CN_DIGITS[m["q"]] * 3, None, "季度")
    return None


def _end(part: str) -> str:
    return "底" if part in {"底", "末"} else part


def _valid(year: int | None, month: int, day: int | None, part: str) -> PartialDate | str:
    if year is not None and not 1900 <= year <= 2100:
        return f"年份“{year}”不合理"
    if not 1 <= month <= 12:
        return f"月份“{month}”不存在"
    if day is not None:
        last = calendar.monthrange(year or 2024, month)[1]  # a leap year when none is given
        if not 1 <= day <= last:
            return f"{month}月没有{day}日"
        part = ""
    return PartialDate(year, month, day, _end(part))


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
