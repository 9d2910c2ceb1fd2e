"""The words and signs the value grammar knows, and `clean`, which makes typed text readable to it."""

from __future__ import annotations

import re
from decimal import Decimal
from functools import lru_cache

KINDS = (
    "quantity",  # comparator + number + unit (unit may be missing: a rule reports it)
    "duration",  # a quantity whose unit is a length of time (天, 小时, 个工作日, 年…)
    "range",  # number_low–number_high, one unit
    "date",  # a date or deadline
    "period",  # from one month or year to another (`2023.07-2024.01`): date … date_high
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


def clean(text: object) -> str:
    """Half-width, no spaces, no trailing full stop: the text the grammar reads."""
    if text is None:
        return ""
    text = str(text)
    return _clean_cached(text) if len(text) <= CACHED_LENGTH else _clean(text)


def _clean(text: str) -> str:
    s = text.translate(_TRANSLATE)
    s = _RE_SPACE.sub("", s)
    return s.rstrip(".;；,") if not _RE_PLACEHOLDER.match(s) else s


CACHED_LENGTH = 200  # longer text is rare in a value or name cell and not worth keeping
_clean_cached = lru_cache(maxsize=8192)(_clean)
