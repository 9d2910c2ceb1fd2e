"""The traffic lights of in-year monitoring (绩效运行监控): pure rules, configurable per round.

A light is one of 红 / 黄 / 绿 / 蓝, or none (the value is not filled in, or there is nothing to
compare with: then a `Verdict` says why, "未填" and the like). Every rule takes plain values and a
`Thresholds` (stored on the round as JSON, `Thresholds.as_json` / `Thresholds.from_json`) and does
its arithmetic in Decimal.

- Money (`money_light`): 1–N月执行数 ÷ 全年预算数 against 序时进度 N/12. The ratio is that share
  divided by N/12, in %: red below `money_red` (60), yellow below `money_green` (80), else green.
  A round with `execution_floors` (the Sichuan 2025 preset: 25/40/60/80 % executed by the end of
  April/June/August/October) judges the plain execution rate against the floor of the latest
  month at or before N instead: red below it, green at or above; before the first floor month
  the 序时进度 rule applies.
- A 定量 正向 indicator (`indicator_light`): the 1–N月 actual value against the target pro-rated
  by N/12 when the indicator is 累计型 (a flow: people trained, kilometres built), against the full
  target when it is 时点型 (a rate or a level: 覆盖率, 满意度, 合格率). The ratio, in %: red below
  `indicator_red` (60), yellow below `indicator_green` (80), green below `indicator_blue` (120),
  blue at or above it. A zero target is met by any actual value (green, no ratio).
- A 反向 indicator (a limit: ≤ cost, < failure rate; a blank direction is read from a ≤ or <
  sign): met or not, green or red, against the full target for both kinds: a cost cap is
  broken only once the money spent so far passes it (its 全年预计完成值 tells the rest).
- A 定性 indicator: 达成 green, 部分达成 yellow, 未达成 red.
- A table's light (`worst`) is its worst light: red, then yellow, then blue, then green. Blue
  (the target may have been set too low) is a warning, not a failure: it is worse than green so a
  table with a blue row shows it, but any yellow or red row outranks it. Rows and money without a
  light are left out; a table with no light at all has none ("未填").
- The Sichuan preset also flags a table whose indicators and spending drift apart (`gap_light`):
  when the average completion of its 正向 定量 rows (each capped at 100 %) and its execution
  rate against 序时进度 differ by more than `gap_limit` percentage points, yellow.

What a light asks of the person filling the form (`required_explanations`): a red or yellow row
needs a deviation reason and a measure (原因说明及纠偏措施); a red row also a disposal and its due date.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import date
from decimal import Decimal, InvalidOperation

from indicators import record
from indicators.values import QUALITATIVE

RED, YELLOW, GREEN, BLUE = "red", "yellow", "green", "blue"
LIGHTS = (RED, YELLOW, BLUE, GREEN)  # worst first
LIGHT_LABELS = {RED: "红灯", YELLOW: "黄灯", GREEN: "绿灯", BLUE: "蓝灯"}
LIGHT_CHOICES = [(light, LIGHT_LABELS[light]) for light in LIGHTS]
_RANK = {light: rank for rank, light in enumerate(reversed(LIGHTS))}  # green 0 … red 3

CUMULATIVE, POINT, ACCUMULATIONS = record.CUMULATIVE, record.POINT, record.ACCUMULATIONS

ACHIEVED, PARTLY, NOT_ACHIEVED = "达成", "部分达成", "未达成"
QUALITATIVE_RESULTS = (ACHIEVED, PARTLY, NOT_ACHIEVED)
_QUALITATIVE_LIGHTS = {ACHIEVED: GREEN, PARTLY: YELLOW, NOT_ACHIEVED: RED}

NOT_FILLED = "未填"
HUNDRED = Decimal(100)
TWELVE = Decimal(12)


@dataclass(frozen=True)
class Verdict:
    """A light (or None), the ratio it was judged by (%, None when no ratio applies) and why."""

    light: str | None
    ratio: Decimal | None = None
    note: str = ""

    @property
    def label(self) -> str:
        return LIGHT_LABELS[self.light] if self.light else (self.note or NOT_FILLED)


@dataclass(frozen=True)
class Thresholds:
    """A round's light rules. Percentages as Decimal; `execution_floors` maps a month to the share of
    the budget (%) that must be executed by its end; `gap_limit` (percentage points) turns on the
    target–spending gap rule."""

    money_red: Decimal = Decimal(60)
    money_green: Decimal = Decimal(80)
    indicator_red: Decimal = Decimal(60)
    indicator_green: Decimal = Decimal(80)
    indicator_blue: Decimal = Decimal(120)
    execution_floors: Mapping[int, Decimal] = field(default_factory=dict)
    gap_limit: Decimal | None = None
    name: str = "默认（序时进度）"

    def __post_init__(self) -> None:
        problems = []
        if not self.money_red <= self.money_green:
            problems.append("资金红灯线不能高于绿灯线")
        if not self.indicator_red <= self.indicator_green <= self.indicator_blue:
            problems.append("指标灯线应满足 红灯线 ≤ 绿灯线 ≤ 蓝灯线")
        for month, floor in self.execution_floors.items():
            if not 1 <= month <= 12:
                problems.append(f"执行进度下限的月份“{month}”应在 1–12 之间")
            if not 0 <= floor <= 100:
                problems.append(f"{month}月末执行进度下限“{floor}”应在 0–100 之间")
        if self.gap_limit is not None and self.gap_limit < 0:
            problems.append("目标与支出进度偏差上限不能为负数")
        if problems:
            raise ValueError("；".join(problems))

    def as_json(self) -> dict:
        data = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "execution_floors":
                value = {str(month): str(floor) for month, floor in sorted(value.items())}
            elif isinstance(value, Decimal):
                value = str(value)
            data[f.name] = value
        return data

    @classmethod
    def from_json(cls, data: Mapping | None) -> Thresholds:
        """The thresholds a round stored; missing keys keep their defaults. A bad value raises ValueError
        naming the key, in Chinese."""
        if not data:
            return cls()
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"灯线设置中有未知的项目：{'、'.join(unknown)}")
        values: dict = {}
        for key, raw in data.items():
            if key == "name":
                values[key] = str(raw)
            elif key == "execution_floors":
                try:
                    values[key] = {int(month): _decimal(floor, key) for month, floor in dict(raw).items()}
                except (TypeError, ValueError) as exc:
                    raise ValueError(f"灯线设置“{key}”应为“月份: 百分比”的对应表") from exc
            elif key == "gap_limit" and raw is None:
                values[key] = None
            else:
                values[key] = _decimal(raw, key)
        return cls(**values)

    def floor_for(self, month: int) -> tuple[int, Decimal] | None:
        """The execution floor in force at the end of `month`: the latest floor month at or before it."""
        due = [m for m in self.execution_floors if m <= month]
        return (max(due), self.execution_floors[max(due)]) if due else None


DEFAULT = Thresholds()
# 四川 2025: 预算执行率 at the end of April/June/August/October below 25/40/60/80 %, or a gap between
# target completion and spending over 10 percentage points, is flagged.
SICHUAN_2025 = Thresholds(
    execution_floors={4: Decimal(25), 6: Decimal(40), 8: Decimal(60), 10: Decimal(80)},
    gap_limit=Decimal(10),
    name="四川省2025年（4/6/8/10月末执行进度25%/40%/60%/80%，目标与支出偏差10%）",
)
PRESETS = {"default": DEFAULT, "sichuan-2025": SICHUAN_2025}


def _decimal(raw: object, key: str) -> Decimal:
    if isinstance(raw, (bool, float)):
        raise ValueError(f'灯线设置“{key}”应为数字文本（如 "60"）')
    try:
        value = Decimal(str(raw).strip().removesuffix("%"))
    except InvalidOperation as exc:
        raise ValueError(f"灯线设置“{key}”的值“{raw}”不是数字") from exc
    if not value.is_finite():
        raise ValueError(f"灯线设置“{key}”的值“{raw}”不是有效数字")
    return value


def _check_month(month: int) -> Decimal:
    if not 1 <= month <= 12:
        raise ValueError(f"监控期间“1–{month}月”应在 1–12 月之间")
    return Decimal(month) / TWELVE


def time_progress(month: int) -> Decimal:
    """序时进度 at the end of `month`, in % (7 → 58.33…)."""
    return _check_month(month) * HUNDRED


# ---------------------------------------------------------------- money


def execution_rate(executed: Decimal | None, budget: Decimal | None) -> Decimal | None:
    """执行率 in %: executed ÷ budget; None when either is missing or the budget is zero."""
    if executed is None or budget is None or budget == 0:
        return None
    return executed / budget * HUNDRED


def money_light(executed: Decimal | None, budget: Decimal | None, month: int, t: Thresholds = DEFAULT) -> Verdict:
    """The money's light: execution against 序时进度, or against the round's execution floor."""
    share = _check_month(month)
    if budget is None or executed is None:
        return Verdict(None, note=NOT_FILLED)
    if budget == 0:
        return Verdict(None, note="全年预算数为零，不计执行进度")
    rate = executed / budget * HUNDRED
    floor = t.floor_for(month)
    if floor is not None:
        floor_month, minimum = floor
        if rate < minimum:
            return Verdict(RED, rate, f"执行率低于{floor_month}月末下限{minimum}%")
        return Verdict(GREEN, rate)
    ratio = rate / share
    if ratio < t.money_red:
        return Verdict(RED, ratio)
    if ratio < t.money_green:
        return Verdict(YELLOW, ratio)
    return Verdict(GREEN, ratio)


# ---------------------------------------------------------------- indicators


def is_backward(direction: str, comparator: str) -> bool:
    """反向: the direction says so, or (when it says nothing) the sign is ≤ or <."""
    if direction:
        return direction == record.BACKWARD
    return comparator in {"≤", "<"}


def is_qualitative(value_type: str, comparator: str) -> bool:
    return value_type == QUALITATIVE or comparator == QUALITATIVE


def indicator_light(
    *,
    comparator: str,
    number: Decimal | None,
    direction: str,
    value_type: str,
    accumulation: str,
    actual: Decimal | str | None,
    month: int,
    t: Thresholds = DEFAULT,
) -> Verdict:
    """One indicator's light for its 1–N月 actual value (a Decimal, or 达成/部分达成/未达成 for 定性)."""
    share = _check_month(month)
    if is_qualitative(value_type, comparator):
        if actual in (None, ""):
            return Verdict(None, note=NOT_FILLED)
        if actual not in _QUALITATIVE_LIGHTS:
            return Verdict(None, note=f"定性指标的完成情况应为{'/'.join(QUALITATIVE_RESULTS)}")
        return Verdict(_QUALITATIVE_LIGHTS[actual])
    if number is None:
        return Verdict(None, note="目标值不是数值，不自动亮灯")
    if actual is None or actual == "":
        return Verdict(None, note=NOT_FILLED)
    if not isinstance(actual, Decimal):
        return Verdict(None, note="实际完成值应为数字")
    if is_backward(direction, comparator):
        met = actual < number if comparator == "<" else actual <= number
        return Verdict(GREEN if met else RED, note="" if met else "超出目标值")
    base = number * share if accumulation == CUMULATIVE else number
    if base == 0:
        return Verdict(GREEN, note="目标值为零")
    ratio = actual / base * HUNDRED
    if ratio < t.indicator_red:
        return Verdict(RED, ratio)
    if ratio < t.indicator_green:
        return Verdict(YELLOW, ratio)
    if ratio < t.indicator_blue:
        return Verdict(GREEN, ratio)
    return Verdict(BLUE, ratio, "完成进度远超目标，目标值可能偏低")


def worst(lights: Iterable[str | None]) -> str | None:
    """A table's light: its worst light (red, yellow, blue, green); None when nothing has one."""
    ranked = [light for light in lights if light]
    return max(ranked, key=_RANK.__getitem__) if ranked else None


def gap_light(
    completions: Iterable[Decimal | None], executed: Decimal | None, budget: Decimal | None, month: int, t: Thresholds
) -> Verdict:
    """The target–spending gap (the Sichuan preset): the average completion of the 正向 定量 rows (their
    ratios, each capped at 100 %) against execution as a share of 序时进度 (capped likewise). Yellow when
    they differ by more than `gap_limit` points; no light when the round has no gap rule or a side is
    missing."""
    if t.gap_limit is None:
        return Verdict(None, note="本轮未设目标与支出偏差规则")
    ratios = [min(c, HUNDRED) for c in completions if c is not None]
    rate = execution_rate(executed, budget)
    if not ratios or rate is None:
        return Verdict(None, note=NOT_FILLED)
    completion = sum(ratios, Decimal(0)) / len(ratios)
    spending = min(rate / _check_month(month), HUNDRED)
    gap = abs(completion - spending)
    if gap > t.gap_limit:
        return Verdict(YELLOW, gap, f"目标完成进度与支出进度相差{gap.quantize(Decimal('0.1'))}个百分点")
    return Verdict(GREEN, gap)


# ---------------------------------------------------------------- what a light requires


@dataclass(frozen=True)
class Explanations:
    """What the person entered to explain a row: the 偏差原因 chosen, 原因说明及纠偏措施, the disposal."""

    reasons: tuple[str, ...] = ()
    explanation: str = ""
    disposal: str = ""
    due: date | None = None

    def with_(self, **changes) -> Explanations:
        return replace(self, **changes)


def required_explanations(
    light: str | None, given: Explanations, *, place: str = "", subject: str = "指标", disposal: bool = True
) -> list[str]:
    """The Chinese messages for what a row with `light` still lacks (empty when nothing): a red or yellow
    row needs a reason and a measure; a red one also a disposal and its due date (`disposal`; the money
    of a form, `subject` 资金执行, has none: a reason and a measure only)."""
    if light not in (RED, YELLOW):
        return []
    where = f"{place}：" if place else ""
    label = LIGHT_LABELS[light]
    missing = []
    if not given.reasons:
        missing.append(f"{where}{label}{subject}须选择偏差原因")
    if not (given.explanation or "").strip():
        missing.append(f"{where}{label}{subject}须填写原因说明及纠偏措施")
    if light == RED and disposal:
        if not given.disposal:
            missing.append(f"{where}红灯指标须选择处置方式（继续执行/调剂/取消）")
        if given.due is None:
            missing.append(f"{where}红灯指标须填写整改完成时限")
    return missing
