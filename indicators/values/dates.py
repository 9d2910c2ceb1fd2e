"""Dates and deadlines in a 指标值: `2022年11月25日`, `2023年底完成`, `12月底前`, `第四季度`."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass

_CN_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "1": 1, "2": 2, "3": 3, "4": 4}
_CN_QUARTER = {1: "一", 2: "二", 3: "三", 4: "四"}

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


# A body that may be a date though it has no digit: `年底`, `本年末`, `第四季度`.
DATE_STARTS = ("年", "本年", "当年", "今年", "第")


@dataclass(frozen=True, slots=True)
class Deadline:
    comparator: str | None  # as typed, or `≤` implied by `前`, `截至`, `以内`; None for "on"
    date: PartialDate
    suffix: str  # the action word kept as typed (`完成`)


def read_date(body: str, cmp: str | None) -> Deadline | str | None:
    """A date or deadline; an error message for a date that does not exist; None when `body` is not one."""
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
        return date
    return Deadline(cmp, date, suffix)


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
