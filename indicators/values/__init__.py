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

The grammar lives in three modules: `vocabulary` (the words and signs it knows,
and `clean`), `dates` (dates and deadlines) and `grammar` (`ParsedValue` and the
recognisers `parse_value` tries in order).
"""

from indicators.values.dates import PartialDate
from indicators.values.grammar import (
    ParsedValue,
    is_duration,
    is_percent,
    is_placeholder,
    parse_value,
    with_comparator,
)
from indicators.values.vocabulary import (
    DURATION_UNITS,
    GRADE_WORDS,
    KINDS,
    MONEY_UNITS,
    NOT_APPLICABLE,
    PERCENT_UNITS,
    QUALITATIVE,
    QUANTITATIVE_OTHER,
    SYSTEM_COMPARATORS,
    clean,
)

__all__ = [
    "DURATION_UNITS",
    "GRADE_WORDS",
    "KINDS",
    "MONEY_UNITS",
    "NOT_APPLICABLE",
    "PERCENT_UNITS",
    "QUALITATIVE",
    "QUANTITATIVE_OTHER",
    "SYSTEM_COMPARATORS",
    "ParsedValue",
    "PartialDate",
    "clean",
    "is_duration",
    "is_percent",
    "is_placeholder",
    "parse_value",
    "with_comparator",
]
