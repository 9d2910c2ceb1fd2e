"""The full indicator record: one 指标值 cell and the parts other provinces' forms print apart.

Forms outside the seeds split the target into columns (计算符号 | 指标值 | 计量单位,
`≥ | 95 | %`) and add more about an indicator: 指标值类型 (定量/定性), 指标方向
(正向/反向), 分值/权重, 指标解释, 评(扣)分标准, 是否核心指标, and whether the row
is a 年度 or a 中期/长期 target. `value` stays the target as one printed cell; the
split parts (`comparator`, `number`, `unit`, `value_type`) are what the value
grammar (`indicators.values`) reads from it, so the two always agree:

- `split_value("≥95%")` → `ValueParts("≥", Decimal("95"), "%", "定量")`;
- `join_value("≥", "95", "%")` → `"≥95%"` (how people write it; `≧`, `>=`,
  `大于等于`, `＞` … in the sign column are read as their canonical sign);
- `reconcile(old, new)` decides which side an edit came from: a changed `value`
  re-derives the parts, changed parts rebuild the `value`.

The cell readers (`read_comparator`, `read_direction`, `read_value_type`,
`read_period`, `read_core`, `read_weight`, `read_nature`) turn what a form prints
into those fields, and say "" / None when the text is not one of them. This
module is pure: it imports nothing from Django's models and nothing from `tables`.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from indicators.values import (
    NOT_APPLICABLE,
    PERCENT_UNITS,
    QUALITATIVE,
    QUANTITATIVE_OTHER,
    SYSTEM_COMPARATORS,
    clean,
    parse_value,
)

QUANTITATIVE = "定量"
VALUE_TYPES = (QUANTITATIVE, QUALITATIVE)
FORWARD, BACKWARD = "正向", "反向"
DIRECTIONS = (FORWARD, BACKWARD)
ANNUAL, LONG_TERM = "annual", "long_term"
# How monitoring compares an indicator with its target during the year: a flow (累计型) with the
# target pro-rated to the months passed, a level or a rate (时点型) with the whole target.
CUMULATIVE, POINT = "累计型", "时点型"
ACCUMULATIONS = (CUMULATIVE, POINT)
POINT_WORDS = ("满意度", "覆盖率", "合格率", "达标率", "知晓率", "及时率", "完好率")
PERIODS = {ANNUAL: "年度", LONG_TERM: "中期/长期"}

# The signs a 计算符号 column holds, canonical; 定性 / 定量（其他） / 不适用 are the national system's kinds.
SIGNS = tuple(SYSTEM_COMPARATORS)
KIND_WORDS = (QUALITATIVE, QUANTITATIVE_OTHER, NOT_APPLICABLE)
COMPARATORS = SIGNS + KIND_WORDS

# How a number is stored (Indicator.number): a number beyond it keeps only the printed `value`.
NUMBER_MAX_DIGITS, NUMBER_DECIMAL_PLACES = 24, 8

# The record's fields beside `value`, in the order the exchange format lists them.
SPLIT_FIELDS = ("comparator", "number", "unit", "value_type")
EXTRA_FIELDS = ("direction", "weight", "explanation", "scoring", "core", "period")
RECORD_FIELDS = SPLIT_FIELDS + EXTRA_FIELDS


@dataclass(frozen=True)
class ValueParts:
    """What a split form prints in its sign, number and unit columns for one value."""

    comparator: str = ""  # one of COMPARATORS, or "" (a bare number, an empty cell)
    number: Decimal | None = None
    unit: str = ""
    value_type: str = ""  # 定量 / 定性 / "" (empty or unreadable)

    def as_dict(self) -> dict:
        return {"comparator": self.comparator, "number": self.number, "unit": self.unit, "value_type": self.value_type}


def split_value(value: object) -> ValueParts:
    """The parts of a typed 指标值, as a split form would print them.

    A plain `≥95%` gives all three; a bare `100%` has no sign (the checks ask for
    one); a grade gives 定性; a date, range or 定量（其他） gives the system's kind
    as its comparator and no number, since no sign/number/unit triple says it.
    """
    parsed = parse_value(value)
    kind = parsed.kind
    if kind in {"quantity", "duration"}:
        return ValueParts(parsed.comparator or "", _storable(parsed.number), parsed.unit, QUANTITATIVE)
    if kind in {"grade", "qualitative"}:
        return ValueParts(QUALITATIVE, None, "", QUALITATIVE)
    if kind == "not_applicable":
        return ValueParts(NOT_APPLICABLE)
    if kind in {"date", "period", "range", "quantitative_other"}:
        return ValueParts(QUANTITATIVE_OTHER, None, "", QUANTITATIVE)
    if kind == "comparator_only":  # `≥` with no number: the sign is kept, the checks block the value
        return ValueParts(read_comparator(value))
    return ValueParts()


def join_value(comparator: object, number: object, unit: object) -> str:
    """The one printed cell for a sign, a number and a unit: `≥` `95` `%` → `≥95%`.

    The sign is read as its canonical form (`>=`, `≧`, `大于等于` → `≥`); a number
    keeps its digits (`95.0` stays `95.0`, thousands separators go). 定性 or an
    empty number gives the unit alone (`定性` + `优` is written by the caller as the grade).
    """
    sign = read_comparator(comparator)
    number_text = _number_text(number)
    unit_text = clean(unit)
    if sign in KIND_WORDS or not number_text:
        return f"{number_text}{unit_text}" if number_text else unit_text
    return f"{sign}{number_text}{unit_text}"


def parts_agree(value: object, parts: dict) -> bool:
    """Whether stored parts say the same as `value` (blank parts agree with anything: a form without them)."""
    derived = split_value(value)
    for name in SPLIT_FIELDS:
        given = parts.get(name)
        if given in (None, ""):
            continue
        expected = getattr(derived, name)
        if name == "number":
            given = _decimal(given)
        elif name == "comparator":
            given = read_comparator(given)
        if given != expected:
            return False
    return True


def reconcile(old: dict, new: dict) -> dict:
    """The record after an edit, `value` and its parts in agreement.

    `old` is the stored record (may be empty for a new row), `new` what the person
    (or an import) sent. When the value changed, or only the value was given, the
    parts follow it; when only parts changed, the value is rebuilt from them. The
    returned dict holds the value and the four split fields.
    """
    value_sent = "value" in new and (new.get("value") or "") != (old.get("value") or "")
    parts_sent = [name for name in ("comparator", "number", "unit") if name in new]
    parts_changed = any(_part(name, new.get(name)) != _part(name, old.get(name)) for name in parts_sent)
    if parts_changed and not value_sent:
        merged = {name: new[name] if name in new else old.get(name) for name in ("comparator", "number", "unit")}
        value = join_value(merged["comparator"], merged["number"], merged["unit"])
        if read_comparator(merged["comparator"]) == QUALITATIVE and not value:
            value = QUALITATIVE
    else:
        value = new.get("value") if "value" in new else old.get("value")
    return {"value": value or "", **split_value(value).as_dict()}


def default_accumulation(level3: object, unit: object, catalog: str = "") -> str:
    """累计型 or 时点型 for an indicator nobody set it for: the library entry's own when its name matches
    one (`catalog`), else 时点型 for a rate (a % or ‰ unit, a name ending in 率, a 满意度) and 累计型 for
    the rest (counts, amounts, lengths: they grow through the year). The one rule: the editor's default,
    the copy a monitoring round takes and the data a migration fills all ask it."""
    if catalog in ACCUMULATIONS:
        return catalog
    name = clean(level3)
    if clean(unit) in PERCENT_UNITS or name.endswith("率") or any(word in name for word in POINT_WORDS):
        return POINT
    return CUMULATIVE


# ---------------------------------------------------------------- reading a form's cells


def read_comparator(text: object) -> str:
    """A 计算符号 / 指标性质 cell as a canonical sign or kind word; "" when it is neither."""
    s = clean(text)
    if not s:
        return ""
    if s in {"定性", "定性指标"}:
        return QUALITATIVE
    if s.startswith("定量") and "其他" in s:
        return QUANTITATIVE_OTHER
    if s in {"不适用", "N/A", "n/a", "NA"}:
        return NOT_APPLICABLE
    # A sign alone is read exactly as the grammar reads it in front of a number (one grammar, not two).
    parsed = parse_value(f"{s}1")
    if parsed.kind == "quantity" and parsed.comparator in SIGNS and parsed.unit == "":
        return parsed.comparator
    return ""


def read_direction(text: object) -> str:
    """指标方向 / 指标方向性 (or 指标性质 holding it): 正向 / 反向, else ""."""
    s = clean(text)
    if s.startswith(("正向", "正指标", "越大越好", "越高越好")):
        return FORWARD
    if s.startswith(("反向", "逆向", "负向", "反指标", "越小越好", "越低越好")):
        return BACKWARD
    return ""


def read_value_type(text: object) -> str:
    """指标值类型: 定量 / 定性, else ""."""
    s = clean(text)
    if s.startswith("定量"):
        return QUANTITATIVE
    if s.startswith("定性"):
        return QUALITATIVE
    return ""


def read_nature(text: object) -> dict:
    """指标性质 holds a sign on some forms, a direction or a value type on others: the fields it sets."""
    found = {}
    if sign := read_comparator(text):
        found["comparator"] = sign
    elif direction := read_direction(text):
        found["direction"] = direction
    elif value_type := read_value_type(text):
        found["value_type"] = value_type
    return found


def read_period(text: object) -> str:
    """A column or block heading: 中期 / 长期 / 实施周期 → long_term; anything else is annual."""
    s = clean(text)
    return LONG_TERM if any(word in s for word in ("中期", "长期", "实施周期", "项目周期", "整体")) else ANNUAL


def read_core(text: object) -> bool | None:
    """是否核心指标: 是 / ★ / √ → True, 否 → False, blank → None."""
    s = clean(text)
    if not s:
        return None
    if s in {"是", "★", "☆", "√", "✓", "Y", "y", "核心", "核心指标", "1"}:
        return True
    if s in {"否", "×", "N", "n", "0", "非核心"}:
        return False
    return None


def read_weight(text: object) -> Decimal | None:
    """分值 / 权重: `10`, `10分`, `10%` → Decimal("10"); anything else None."""
    s = clean(text).removesuffix("分").removesuffix("%")
    return _decimal(s) if s else None


def format_number(number: Decimal | None) -> str:
    """A stored number as printed: no exponent, no trailing zeros a person did not type."""
    return "" if number is None else _number_text(number)


# ---------------------------------------------------------------- helpers


def _storable(number: Decimal | None) -> Decimal | None:
    """`number` when the Indicator.number column holds it exactly, else None (the value keeps it)."""
    if number is None:
        return None
    exponent = number.as_tuple().exponent
    places = max(0, -exponent) if isinstance(exponent, int) else 0
    whole = len(str(abs(int(number)))) if abs(number) >= 1 else 0
    if places > NUMBER_DECIMAL_PLACES or whole > NUMBER_MAX_DIGITS - NUMBER_DECIMAL_PLACES:
        return None
    return number


def _decimal(text: object) -> Decimal | None:
    if isinstance(text, Decimal):
        return text if text.is_finite() else None
    if text is None or isinstance(text, bool):
        return None
    try:
        number = Decimal(clean(text).replace(",", ""))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _number_text(number: object) -> str:
    """Typed text keeps its digits (`95.0`); a stored Decimal loses the column's padding zeros."""
    if isinstance(number, Decimal):
        return format(number.normalize(), "f") if number.is_finite() else ""
    value = _decimal(number)
    return "" if value is None else clean(number).replace(",", "").lstrip("+")


def _part(name: str, value: object) -> object:
    if name == "number":
        return _decimal(value)
    if name == "comparator":
        return read_comparator(value)
    return clean(value)
