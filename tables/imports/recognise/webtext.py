"""Published web texts whose cells lost their separators, read back into a grid by the form's words.

A table copied from a county's web page (or from a document-sharing copy of its Word or
PDF file) often keeps no usable separators: one cell per line with the merged cells left
out, cells parted by single spaces, or the whole form run together
(`项目名称镇域内基础设施建设项目属性新增项目□延续项目√主管部门坝塘镇…产出指标数量指标…`).
`read_web_text(text, name)` reads such a text in three steps:

1. **cells**: each line is cut at `|`, tabs and spaces (a space inside brackets, or one
   between single characters as in `绩 效 指 标`, joins), then at the form's own words
   (the labels of `labels.py`, the indicator column labels, the 一级/二级 category names
   of the shipped schemes) and at value patterns (`≥95%`, `=83人`, `≤117.27万元`,
   `2023年12月底前`, `100%`); pieces that only together make a word (`经济效益` + `指标`,
   `一级` + `指标`) join again. Every cell keeps its line (and its place on the line).
2. **the indicator header**: the first run of column labels (一级指标 二级指标 三级指标
   指标值 …) fixes the grid's width and what each column holds.
3. **rows**: above the header, each label with its value (a run of labels followed by as
   many values pairs them in order: 中期目标 年度目标 <text> <text>); below it, cells fill
   the columns left to right by their kind (a category name only in a category column, a
   value only in a value column), and a new row starts where a cell no longer fits the
   row (a new category, a second name) or, where the text keeps its lines, at each line.
   The rows stop at the footer (注：, 附件, 审核意见, 盖章 …); a second title after the rows
   starts the next table, so a page holding several tables gives one grid each.

The result is a plain `Grid` that `recognise()` reads like any other source.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache

from indicators.schemes import SCHEMES
from tables.imports.recognise.grid import Grid, build
from tables.imports.recognise.labels import SYNONYMS, all_labels, fields_of, normalise, split_period

# 一级 / 二级 category names beyond the shipped schemes' trees, as provinces print them (INDEX.md).
EXTRA_LEVEL1 = ("项目完成指标", "项目效益指标", "实施效果指标", "效果指标", "成本指标")
EXTRA_LEVEL2 = (
    "环境效益指标",
    "服务对象满意度指标",
    "社会公众或服务对象满意度指标",
    "满意度指标",
    "效益指标",
    "产出指标",
)
# Words that head a block of the form and carry no value of their own.
CAPTIONS = (
    "绩效指标",
    "绩效项目指标表",
    "长期绩效指标",
    "年度绩效指标",
    "专项年度绩效指标",
    "项目资金",
    "资金情况",
    "项目基本信息",
    "项目基本情况",
    "基本信息",
    "项目绩效目标",
    "年度绩效目标",
    "年度资金总额及构成",
    "填报单位(盖章)",
    "填报单位",
    "项目实施进度计划",
    "立项依据",
    "项目来源",
    "项目概况",
    "年度总体目标完成情况",
    "保障绩效目标实现措施",
)
# Header labels too short or too common to cut a run of text at.
_NOT_CUT = {"单位", "其他", "合计", "总额", "项目支出", "基本支出", "年度", "项目期"}
# Where the indicator rows end.
_STOP = re.compile(r"^(注[:：]|附件|填表人|填报人|单位负责人|部门负责人|填报日期|编报时间|联系人[:：])")
_COMPARATOR = r"(?:>=|<=|≥|≤|≧|≦|>|<|=|＝)"
_UNIT_CHARS = "个人次户家所座亩元万千百台套件项条米里吨株天年月日周期批场篇单处辆公顷平方立方斤分"
_UNIT = rf"(?:%|‰|个?工作日|小时|[{_UNIT_CHARS}]{{1,6}}(?:/[\u4e00-\u9fff]{{1,3}})?)"
_NUMBER = r"\d+(?:[.,]\d+)*"
VALUE = re.compile(
    rf"^(?:{_COMPARATOR}\s*{_NUMBER}?\s*{_UNIT}?|{_NUMBER}\s*{_UNIT}?|"
    rf"(?:每年)?\d{{4}}(?:年|\.)\d{{0,2}}(?:月|\.)?\d{{0,2}}日?(?:年底|底|前|以前|内|全年)*(?:前|完成)?|"
    rf"\d{{4}}[.年]\d{{1,2}}月?(?:\.\d{{1,2}})?\s*[-—至~]\s*\d{{4}}[.年]\d{{1,2}}月?(?:\.\d{{1,2}})?|"
    rf"\d{{1,2}}月底(?:前)?(?:到位|完成)?|每年\d{{1,2}}月底前)$"
)
# Qualitative 指标值 seen in published tables: a run-together cell ending in one of these is cut before it.
QUALITATIVE = (
    "稳步提高",
    "巩固提高",
    "持续改善",
    "显著改善",
    "显著提高",
    "显著提升",
    "有效改善",
    "有效保障",
    "持续保障",
    "效果良好",
    "经济效益良好",
    "影响可持续",
    "按计划实施",
    "按计划完成",
    "逐步提高",
    "明显提升",
    "较好",
    "良好",
    "显著",
)
# A cut into a run-together text must leave a name this long in front of a value.
_MIN_NAME = 2


@dataclass
class Piece:
    text: str
    line: int  # 1-based line of the source text
    slot: int  # 1-based place on that line
    run_together: bool = False  # cut out of a run of text (a value at its end may be cut off too)
    cell: int = 0  # which cell of the source the piece was cut from


# ---------------------------------------------------------------- vocabulary


@cache
def _categories() -> tuple[frozenset[str], frozenset[str]]:
    level1 = {l1 for scheme in SCHEMES for l1 in scheme["tree"]} | set(EXTRA_LEVEL1)
    level2 = {l2 for scheme in SCHEMES for l2s in scheme["tree"].values() for l2 in l2s} | set(EXTRA_LEVEL2)
    return frozenset(level1), frozenset(level2)


def is_level1(text: str) -> bool:
    return _category(text) in _categories()[0]


def is_level2(text: str) -> bool:
    return _category(text) in _categories()[1]


def _category(text: str) -> str:
    """`数量指标 (必填硬性指标)` → `数量指标`: the tag a form prints after a category is not its name."""
    return re.sub(r"\((必填|选填)[^)]*\)$", "", normalise(text))


def _column_key(text: str) -> str | None:
    base = split_period(normalise(text))[0]
    keys = [key for section, key in fields_of(base) if section == "column"] if base else []
    return keys[0] if keys else None


# A short cell ending like a form's label (`省级财政部门`, `编报单位(印章)`, `下达地方或单位`) names a line the
# record may have no field for; it is a label all the same, so its value does not run into the line above.
_LABEL_LIKE = re.compile(
    r"^[\u4e00-\u9fff()]{2,14}(部门|单位|时间|日期|编码|代码|科室|负责人)"
    r"(\((印章|盖章|签字|万元)\))?$"
)


def _is_head_label(text: str) -> bool:
    s = normalise(text)
    if not s:
        return False
    return (
        s in _captions()
        or any(f[0] in ("header", "budget", "footer") for f in fields_of(s))
        or bool(_LABEL_LIKE.match(s))
    )


@cache
def _captions() -> frozenset[str]:
    return frozenset(normalise(caption) for caption in CAPTIONS)


@cache
def _words() -> tuple[str, ...]:
    """Every word a run of text is cut at, longest first (NFKC forms, as the text is read)."""
    # a category is cut out of a run of text only by a name that says it is one (`…指标`): `满意度` is a
    # 二级 of one scheme and the end of many indicator names
    words = set(_captions()) | {name for name in _categories()[0] | _categories()[1] if name.endswith("指标")}
    for label in all_labels():
        if len(label) >= 3 and label not in _NOT_CUT:
            words.add(label)
    for (section, _), labels in SYNONYMS.items():
        if section == "column":
            words.update(normalise(label) for label in labels if normalise(label) not in _NOT_CUT)
    words |= {f"{word}({period})" for word in ("二级指标", "三级指标", "指标值") for period in ("长期", "年度")}
    words.discard("")
    return tuple(sorted(words, key=len, reverse=True))


@cache
def _known() -> frozenset[str]:
    return frozenset(_words()) | frozenset(all_labels())


# ---------------------------------------------------------------- 1. cells


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).replace("\u3000", " ")


def pieces(text: str) -> list[Piece]:
    out: list[Piece] = []
    cell_number = 0
    for number, line in enumerate(_fold(text).split("\n"), start=1):
        slot = 0
        for cell in _split_line(line):
            cell_number += 1
            run_together = _runs_together(cell)
            for part in _cut(cell) if run_together else _trimmed(cell):
                slot += 1
                out.append(Piece(part, number, slot, run_together, cell_number))
    return _join(out)


def _trimmed(cell: str) -> list[str]:
    s = cell.strip().lstrip(":").strip()
    return [] if not s or s in ("其中", "其中:") else [s]


def _runs_together(cell: str) -> bool:
    """A cell holding several of the form's cells: it starts with a word of the form and goes on, or it is
    long and holds three words of the form. A long text that only mentions one (`…项目资金`) stays whole."""
    s = cell.strip().lstrip(":").strip()
    if _known_exactly(s) or re.fullmatch(r"(金额)?单位:(万元|元)", s):
        return False
    if any(s.startswith(word) for word in _words()):
        return True
    return len(s) > 40 and sum(_find_word(s, word) >= 0 for word in _words()) >= 3


def _split_line(line: str) -> list[str]:
    if "|" in line:
        parts = line.split("|")
    elif "\t" in line:
        parts = line.split("\t")
    else:
        parts = _space_cells(line)
    return [part.strip() for part in parts if part.strip()]


def _space_cells(line: str) -> list[str]:
    """A line cut at spaces; a space inside brackets joins, and so do characters spaced out one by one
    (`绩 效 指 标`, `申 报 项 目 名 称:…` with the word after them)."""
    cells: list[str] = []
    spaced = False  # the last cell was built from single characters
    depth = 0
    for word in line.split():
        single = len(word) == 1 and _cjk(word)
        if (cells and depth > 0) or (cells and word[:1] in ")）"):
            cells[-1] += " " + word
        elif cells and _inside_prose(cells[-1], word):
            cells[-1] += word  # `…面向全体居民免 费提供…`: a PDF's space inside a sentence
        elif cells and re.fullmatch(r"\d+(-\d+)?", cells[-1]) and _cjk(word) and not VALUE.match(word):
            cells[-1] += word  # `7 岁以下儿童…`: a PDF's space inside a name
        elif cells and spaced and (single or (len(cells[-1]) >= 2 and _cjk(word))):
            cells[-1] += word
            spaced = single
        else:
            cells.append(word)
            spaced = single
        depth = max(0, depth + word.count("(") + word.count("（") - word.count(")") - word.count("）"))
    return cells


def _inside_prose(left: str, right: str) -> bool:
    """A space between two characters of one sentence: the texts on both sides are long, the one before it
    reads as a sentence (it has commas) and does not end there."""
    if len(left) < 15 or len(right) < 8 or not _cjk(left[-1]) or not _cjk(right) or _known_exactly(right):
        return False
    if not re.search("[,，、;；]", left):  # a sentence, not a long name
        return False
        return False
    return not any(left.startswith(word) for word in _words())


def _cjk(text: str) -> bool:
    return bool(text) and "\u4e00" <= text[0] <= "\u9fff"


def _cut(cell: str) -> list[str]:
    """A cell cut at the form's words and at values that end a name."""
    s = cell.strip().lstrip(":").strip()
    if not s or s in ("其中", "其中:"):
        return []
    if _known_exactly(s) or VALUE.match(s):
        return [s]
    for word in _words():
        at = _find_word(s, word)
        if at >= 0:
            before, after = s[:at], s[at + len(word) :]
            head = [*_cut(before)] if before.strip() else []
            return [*head, word, *_cut(after)]
    amount = _LABELLED_AMOUNT.match(s)  # `总额420.5万元`: a label too short to cut text at, with its amount
    if amount and normalise(amount.group(1)) in _known():
        return [amount.group(1), amount.group(2)]
    return [s]


_LABELLED_AMOUNT = re.compile(r"^([\u4e00-\u9fff]{2,12}?):?(-?[\d,]+(?:\.\d+)?(?:万元|元|万)?)$")


def _known_exactly(s: str) -> bool:
    return normalise(s) in _known() or _category(s) in _known()


def _find_word(s: str, word: str) -> int:
    """Where `word` stands in `s` as a word of the form (not inside a title `…绩效目标表`)."""
    start = 0
    while (at := s.find(word, start)) >= 0:
        end = at + len(word)
        rest = s[end:]
        if not rest.startswith(("表", "申报表", "绩效目标表")) and not (
            word.endswith("指标") and rest.startswith("值")
        ):
            return at
        start = at + 1
    return -1


_DATE_IN_TEXT = (
    r"\d{4}[.年]\d{1,2}(?:[.月]\d{1,2}日?|月)?[-—至~](?:\d{4}[.年])?\d{1,2}(?:[.月]\d{1,2}日?|月)?"  # a period
    r"|(?:每年)?(?:\d{4}年)?\d{1,2}月(?:底前|底|前|以前)(?:到位|完成)?"  # 12月底前, 2023年4月底前
    r"|\d{4}年(?:年底前|年底|底前|底)"  # 2025年年底前
)
_ENDING_VALUE = re.compile(rf"(?<=[\u4e00-\u9fff])(?:{_DATE_IN_TEXT}|{_COMPARATOR}?\s*{_NUMBER}\s*(?:%|{_UNIT}))$")
_EXPLANATION = re.compile(r"(?<=[\u4e00-\u9fff])反映")
_SIGNED_VALUE = re.compile(rf"{_COMPARATOR}\s*{_NUMBER}\s*{_UNIT}?")
_VALUE_IN_TEXT = re.compile(rf"{_COMPARATOR}\s*{_NUMBER}\s*{_UNIT}?|(?<![\d.])\d+(?:\.\d+)?%|{_DATE_IN_TEXT}")


def _cut_values(s: str, run_together: bool, alone: bool = False) -> list[str]:
    """`覆盖率100%购置设施设备质量合格率100%` → name, value, name, value; a trailing qualitative value too.
    A cell that was a cell in the source is cut only before a value with its sign (`学校满意度≥90%`), or,
    alone on its line, before a value that ends it (`项目按计划完成率100%`)."""
    if alone and not run_together and (end := _ENDING_VALUE.search(s)) and end.start() >= 4:
        return [s[: end.start()], end.group(0)]
    if run_together and (explained := _EXPLANATION.search(s)):  # `…次数反映…情况`: a name, then its explanation
        return [*_cut_values(s[: explained.start()], True), *_cut_values(s[explained.start() :], True)]
    out: list[str] = []
    rest = s
    pattern = _VALUE_IN_TEXT if run_together else _SIGNED_VALUE
    while rest:
        found = next((m for m in pattern.finditer(rest) if m.start() >= _MIN_NAME or m.start() == 0), None)
        if found is None or (found.start() == 0 and found.end() == len(rest)):
            break
        name, value = rest[: found.start()], found.group(0)
        if name and not _cjk(name[-1]) and not name.endswith((")", ")")):
            break  # a number inside a name (`0-6 岁`, `第1次`), not a value
        after = rest[found.end() :]
        if after and (chained := pattern.match(after)):  # `达标率100%>=98%`: the first figure is in the name
            name, value = rest[: found.end()], chained.group(0)
            after = after[chained.end() :]
        if after and not (_cjk(after[0]) or after[0] in "*★("):
            break
        if name:
            out.append(name)
        out.append(value)
        rest = after
    if rest and run_together and (end := _ENDING_VALUE.search(rest)) and end.start() >= _MIN_NAME:
        return [*out, rest[: end.start()], end.group(0)]
    if rest:
        out += _cut_qualitative(rest) if run_together else [rest]
    return out


def _cut_qualitative(s: str) -> list[str]:
    for word in QUALITATIVE:
        if s.endswith(word) and len(s) >= len(word) + 6:
            return [s[: -len(word)], word]
    return [s]


def _join(found: list[Piece]) -> list[Piece]:
    """Pieces that make a word of the form only together (`经济效益` `指标`, `一级` `指标`, `绩` `效` `指` `标`)."""
    out: list[Piece] = []
    i = 0
    while i < len(found):
        for size in (4, 3, 2):
            group = found[i : i + size]
            if len(group) < size:
                continue
            joined = "".join(p.text for p in group)
            if (
                size == 2
                and _LABEL_LIKE.match(joined)
                and len(group[1].text) <= 2
                and not _known_exactly(group[0].text)
            ):
                out.append(Piece(joined, group[0].line, group[0].slot))  # `省级业务主管部` `门`: a label wrapped
                i += size
                break
            if not _known_exactly(joined) or any(VALUE.match(p.text) for p in group):
                continue
            first_known = _known_exactly(group[0].text)
            last_known = _known_exactly(group[-1].text)
            if (not first_known and not last_known) or (size == 2 and not last_known and len(group[1].text) <= 4):
                out.append(Piece(joined, group[0].line, group[0].slot))
                i += size
                break
        else:
            out.append(found[i])
            i += 1
    return out


# ---------------------------------------------------------------- 2. the indicator header


def _header_at(found: list[Piece], start: int = 0) -> tuple[int, int] | None:
    """(first, end) of the first run of column labels holding a level and one other column."""
    i = start
    while i < len(found):
        j = i
        keys = []
        while j < len(found) and (_column_key(found[j].text) or (j > i and _is_grade(found[j].text))):
            keys.append(_column_key(found[j].text))
            j += 1
        if len({k for k in keys if k}) >= 2 and {"level1", "level2", "level3"} & set(keys):
            heads = [(key, split_period(normalise(p.text))[1]) for key, p in zip(keys, found[i:j], strict=True)]
            while heads and heads[0] in heads[1:]:  # a caption `绩效指标` in front of the column labels
                heads.pop(0)
                i += 1
            while heads and heads[-1] in heads[:-1]:  # or after them, where the page put the merged caption last
                heads.pop()
                j -= 1
            return i, j
        i = j + 1 if j > i else i + 1
    return None


def _is_grade(text: str) -> bool:
    return text in ("优", "良", "中", "差")


# ---------------------------------------------------------------- 3. rows


def read_web_text(text: str, name: str = "粘贴的文字") -> list[Grid]:
    """The text as one grid per table, or [] when no indicator header can be found in it."""
    found = pieces(text)
    lines_kept = _keeps_lines(found)
    grids = []
    start = 0
    if _header_at(found, 0) is None and (columns := _read_down(found)) is not None:
        first, rows = columns
        return [_grid(name, [*_title_rows(found[:first], lines_kept), *rows])]
    while (header := _header_at(found, start)) is not None:
        first, end = header
        head_start = _table_start(found, start, first)
        rows: list[list[Piece]] = [*_title_rows(found[head_start:first], lines_kept)]
        columns = [piece.text for piece in found[first:end]]
        header = _with_name_column(found[first:end])
        columns = [piece.text for piece in header]
        stop, next_table = _rows_end(found, end)
        indicators = _indicator_rows(found[end:stop], columns, lines_kept)
        rows += [header + _core_column(indicators, columns, header[-1]), *indicators]
        rows += _pair_rows(found[stop:next_table], lines_kept)
        grids.append(_grid(name if not grids else f"{name}（第{len(grids) + 1}个表）", rows))
        start = next_table
    return grids


def _read_down(found: list[Piece]) -> tuple[int, list[list[Piece]]] | None:
    """A table whose columns a PDF's text gives one after the other (`三级指标 <name> <name> 年度目标值 <value>
    <value> 实施周期目标值 <value> <value>`): (where it starts, its header and rows side by side again)."""
    for first, piece in enumerate(found):
        if _column_key(piece.text) != "level3":
            continue
        names, at = [], first + 1
        while at < len(found) and not _column_key(found[at].text):
            names.append(found[at])
            at += 1
        header, columns = [piece], [names]
        while names and at < len(found) and _column_key(found[at].text) in _VALUE_KEYS:
            header.append(found[at])
            values = found[at + 1 : at + 1 + len(names)]
            columns.append([*values, *[Piece("", 0, 0)] * (len(names) - len(values))])
            at += 1 + len(values)
        if len(header) >= 2:
            return first, [header, *[list(row) for row in zip(*columns, strict=True)]]
    return None


def _with_name_column(header: list[Piece]) -> list[Piece]:
    """A form that prints no label over its indicator names (一级指标 二级指标 [ ] 绩效标准 …): the names
    still stand right after the 二级 column, so the grid gets a 三级指标 column there."""
    keys = [_column_key(piece.text) for piece in header]
    if "level3" in keys or "level2" not in keys:
        return header
    at = keys.index("level2") + 1
    return [*header[:at], Piece("三级指标", header[at - 1].line, header[at - 1].slot), *header[at:]]


def _keeps_lines(found: list[Piece]) -> bool:
    """Whether lines hold whole rows: most lines give two or more cells."""
    per_line: dict[int, int] = {}
    for piece in found:
        per_line[piece.line] = per_line.get(piece.line, 0) + 1
    several = sum(count >= 2 for count in per_line.values())
    return several * 2 >= len(per_line)


def _table_start(found: list[Piece], start: int, first: int) -> int:
    return start


def _title_rows(head: list[Piece], lines_kept: bool) -> list[list[Piece]]:
    """Cells above the indicator header: the title lines, then each label with its value."""
    i = 0
    rows: list[list[Piece]] = []
    while i < len(head) and not _is_head_label(head[i].text):
        if _is_title(head[i].text):
            # what a page prints above the title (the notice, its date, 附件) is not the form's; a title
            # the page wrapped over lines (`…(畜禽粪污` `…项目)2022年` `…绩效目标表`) is one again
            title = head[i]
            while rows and _continues_title(rows[-1][0].text, title.text):
                before = rows.pop()[0]
                title = Piece(before.text + title.text, before.line, before.slot)
            rows = [[title]]
        else:
            rows.append([head[i]])
        i += 1
    return rows + _pair_rows(head[i:], lines_kept)


def _continues_title(before: str, title: str) -> bool:
    """Whether `before` is the start of a title the page wrapped: the brackets only close together, or it
    ends with the year (`…2022年` + `中央预算内投资计划绩效目标表`)."""
    if len(before) > 40 or _is_head_label(before):
        return False
    opened = before.count("(") - before.count(")")
    return opened > 0 or (title.count(")") > title.count("(")) or bool(re.search(r"\d{4}年$", before))


def _pair_rows(cells: list[Piece], lines_kept: bool) -> list[list[Piece]]:
    rows: list[list[Piece]] = []
    pending: list[Piece] = []  # labels still waiting for their values
    i = 0
    while i < len(cells):
        piece = cells[i]
        if _is_head_label(piece.text) or _column_key(piece.text):
            if lines_kept and pending and pending[-1].line < piece.line:
                rows += [[label] for label in pending]  # a label that ends its line without a value is blank
                pending = []
            pending.append(piece)
            i += 1
            continue
        values = []
        while i < len(cells) and not (_is_head_label(cells[i].text) or _column_key(cells[i].text)):
            values.append(cells[i])
            i += 1
        if not pending:
            rows += [[value] for value in values]
            continue
        rows += _paired(pending, values)
        pending = []
    rows += [[label] for label in pending]
    return rows


def _paired(labels: list[Piece], values: list[Piece]) -> list[list[Piece]]:
    """A run of labels and the values after it: the labels that are not block captions take the values in
    order (`总体目标 中期目标 年度目标 <text> <text>`); a caption takes one only when no label is left."""
    fields = [label for label in labels if normalise(label.text) not in _captions()]
    if not fields or (len(fields) < len(values) and len(labels) >= len(values)):
        fields = labels[-len(values) :] if len(values) <= len(labels) else labels
    taken: dict[int, Piece] = {}
    rest = list(values)
    if not any(re.match(r"^[\d.,]+", value.text) for value in values):
        # an amount line left blank: the text after it belongs to the next label
        fields = [label for label in fields if not _is_amount_label(label.text)] or fields
    if len(values) < len(fields):
        fields = fields[len(fields) - len(values) :]  # fewer values than labels: the nearest labels hold them
    for label in fields:
        if not rest:
            break
        taken[id(label)] = rest.pop(0)
    rows = [[label, taken[id(label)]] if id(label) in taken else [label] for label in labels]
    return rows + [[value] for value in rest]


def _is_amount_label(text: str) -> bool:
    fields = fields_of(normalise(text))
    return bool(fields) and fields[0][0] == "budget"


def _rows_end(found: list[Piece], end: int) -> tuple[int, int]:
    """(where the indicator rows stop, where the next table starts)."""
    stop = None
    for i in range(end, len(found)):
        text = found[i].text
        if _is_title(text):
            return (stop if stop is not None else i), i
        if stop is None and (_STOP.match(normalise(text)) or "意见" in text or "盖章" in text or "签字" in text):
            stop = i
    return (stop if stop is not None else len(found)), len(found)


def _is_title(text: str) -> bool:
    s = normalise(text)
    return len(s) <= 60 and bool(re.search(r"绩效目标.*表(\(?\d{4}年度?\)?)?$", s))


_SHORT_FORMS = {
    "weight": re.compile(r"^\d+(\.\d+)?%?$"),
    "comparator": re.compile(rf"^(?:{_COMPARATOR}+|大于|小于|等于|不低于|不高于|不少于|不超过|定性)$"),
    "unit": re.compile(rf"^(?:{_UNIT}|(?![\d=≥≤<>≧≦]|定性$|定量$)\S{{1,3}})$"),
}
_VALUE_KEYS = ("value", "number")
_SHORT_KEYS = ("unit", "comparator", "weight")


def _indicator_rows(cells: list[Piece], columns: list[str], lines_kept: bool) -> list[list[Piece]]:
    keys = [_column_key(text) for text in columns]
    rows: list[list[Piece | None]] = []
    row: list[Piece | None] = [None] * len(keys)
    cursor = 0
    line = None
    cells = _names_rejoined(cells)
    alone = {line for line in {p.line for p in cells} if sum(p.line == line for p in cells) == 1}
    if "weight" in keys:
        cells = [part for piece in cells for part in _split_weighted(piece)]
    split = [
        Piece(part, piece.line, piece.slot, piece.run_together)
        for piece in cells
        for part in _cut_values(piece.text, piece.run_together, piece.line in alone)
    ]
    last_level1 = None
    for number, piece in enumerate(split):
        kinds = _kinds(piece.text, split[number + 1].text if number + 1 < len(split) else "", last_level1)
        new_line = lines_kept and piece.line != line
        line = piece.line
        if new_line and any(row[c] for c, key in enumerate(keys) if key not in ("level1", "level2")):
            rows.append(row)
            row, cursor = [None] * len(keys), 0
        if _column_key(piece.text) or normalise(piece.text) in _captions():
            # `年度绩效指标` and the header again start the next block; a bare `绩效指标` caption is left out
            if _column_key(piece.text) and rows and _is_header_row(rows[-1], keys) and not any(row):
                rows[-1] = [*rows[-1], piece]
            elif (_column_key(piece.text) and piece.text not in CAPTIONS) or re.search("长期|中期|年度", piece.text):
                if any(row):
                    rows.append(row)
                rows.append([piece])
                row, cursor = [None] * len(keys), 0
            continue
        following = split[number + 1 : number + 3]
        if not lines_kept and _continues_name(piece, following, keys, row):
            name_at = keys.index("level3")
            row[name_at] = Piece(row[name_at].text + piece.text, row[name_at].line, row[name_at].slot)
            continue
        at = _place(piece.text, kinds, keys, row, cursor, lines_kept)
        if at is None:
            if any(row):
                rows.append(row)
            row, cursor = [None] * len(keys), 0
            at = _place(piece.text, kinds, keys, row, 0, lines_kept)
            if at is None:
                continue
        if kinds[0] or kinds[1]:
            piece = Piece(_category(piece.text), piece.line, piece.slot)
            last_level1 = piece.text if keys[at] == "level1" else last_level1
        row[at] = piece
        cursor = at + 1
    if any(row):
        rows.append(row)
    return [[cell or Piece("", 0, 0) for cell in r] for r in rows if any(r)]


def _names_rejoined(cells: list[Piece]) -> list[Piece]:
    """Below the header a header label cut out of a run of text is part of a name (`财政资金` in
    `财政资金补助1600元/亩`): it joins the pieces of its cell around it again."""

    def plain(piece: Piece) -> bool:
        return not (is_level1(piece.text) or is_level2(piece.text) or _column_key(piece.text))

    out: list[Piece] = []
    for piece in cells:
        previous = out[-1] if out else None
        glue = previous is not None and previous.cell == piece.cell and previous.run_together and plain(piece)
        glue = glue and plain(previous) and (_is_head_label(piece.text) or _is_head_label(previous.text))
        if glue:
            out[-1] = Piece(previous.text + piece.text, previous.line, previous.slot, True, piece.cell)
        else:
            out.append(piece)
    return out


def _is_header_row(row: list, keys: list) -> bool:
    return len(row) < len(keys) and all(cell is not None and _column_key(cell.text) for cell in row)


_WEIGHTED = re.compile(
    rf"^(?P<name>.*[\u4e00-\u9fff)])(?P<weight>\d{{1,2}})(?P<unit>%|{_UNIT})?(?P<sign>{_COMPARATOR})?(?P<value>.+)?$"
)


def _split_weighted(piece: Piece) -> list[Piece]:
    """`预算执行率10%=100` under 指标名称 指标权重 计量单位 指标性质 指标值: name, weight, unit, sign, value."""
    found = _WEIGHTED.match(piece.text)
    if not found or _valueish(piece.text) or len(found.group("name")) < 2:
        return [piece]
    parts = [found.group(key) for key in ("name", "weight", "unit", "sign", "value")]
    return [Piece(part, piece.line, piece.slot) for part in parts if part]


def _valueish(text: str) -> bool:
    return bool(VALUE.match(text)) or text in QUALITATIVE


def _continues_name(piece: Piece, following: list[Piece], keys: list, row: list) -> bool:
    """A name a page wrapped over two cells (`打造金安国际网球` `公开赛等系列品牌赛事` `影响可持续`): the second
    part would stand where the value goes, but it reads as text and the cell after it as the value."""
    at = keys.index("level3") if "level3" in keys else -1
    if at < 0 or at + 1 >= len(keys) or keys[at + 1] not in _VALUE_KEYS or not row[at] or _valueish(piece.text):
        return False
    if any(row[c] for c, key in enumerate(keys) if key in _VALUE_KEYS):
        return False
    if is_level1(piece.text) or is_level2(piece.text) or not following or not _valueish(following[0].text):
        return False
    return len(following) < 2 or not _valueish(following[1].text)


@cache
def _holds(level1: str, level2: str) -> bool:
    return any(level2 in scheme["tree"].get(level1, ()) for scheme in SCHEMES) or (level1, level2) in (
        ("实施效果指标", "产出指标"),
        ("实施效果指标", "效益指标"),
        ("满意度指标", "满意度指标"),
    )


def _kinds(text: str, following: str, level1: str | None) -> tuple[bool, bool]:
    """(is a 一级, is a 二级) for a cell; a name that is both (`成本指标` in the 2015 and 2021 schemes,
    `满意度指标`) is a 一级 when the next cell is one of its 二级, a 二级 when the 一级 above holds it."""
    l1, l2 = is_level1(text), is_level2(text)
    if l1 and l2:
        name = _category(text)
        if is_level2(following) and _holds(name, _category(following)):
            return True, False
        if level1 and _holds(level1, name):
            return False, True
        return True, False
    return l1, l2


def _place(
    text: str, kinds: tuple[bool, bool], keys: list[str | None], row: list, cursor: int, lines_kept: bool
) -> int | None:
    """The first column at or after `cursor` this cell can stand in, or None: it starts a new row."""
    l1, l2 = kinds
    value = bool(VALUE.match(text)) or text in QUALITATIVE
    named = any(row[c] for c, key in enumerate(keys) if key == "level3")
    valued = any(row[c] for c, key in enumerate(keys) if key in _VALUE_KEYS)
    for c in range(cursor, len(keys)):
        key = keys[c]
        if key == "level1" and l1:
            return c
        if key == "level2" and l2:
            return c
        if l1 or l2:
            continue  # a category stands only in a category column
        if key == "level3":
            if not value or not named:
                return c
            continue
        if key in _VALUE_KEYS:
            if named or value:
                return c
            continue
        if key in _SHORT_KEYS:
            if _SHORT_FORMS[key].match(text):
                return c
            continue
        if key is None or (valued and not lines_kept):
            continue  # a text after the value is the next row's name, unless the line says otherwise
        if named:
            return c
    return None


_CORE_MARK = re.compile(r"^\s*(\*|★+)\s*")


def _core_column(rows: list[list[Piece]], columns: list[str], last: Piece) -> list[Piece]:
    """Names marked `*` or `★` as core indicators: the mark leaves the name for a column 是否核心指标."""
    keys = [_column_key(text) for text in columns]
    if "level3" not in keys or "core" in keys:
        return []
    at = keys.index("level3")
    full = [row for row in rows if len(row) == len(keys)]
    if not any(_CORE_MARK.match(row[at].text) for row in full):
        return []
    for row in full:
        marked = _CORE_MARK.match(row[at].text)
        if marked:
            row[at] = Piece(row[at].text[marked.end() :], row[at].line, row[at].slot)
        row.append(Piece("是" if marked else "否", row[at].line, row[at].slot))
    return [Piece("是否核心指标", last.line, last.slot)]


def _grid(name: str, rows: list[list[Piece]]) -> Grid:
    texts = [[piece.text for piece in row] for row in rows]
    places = [[(piece.line, piece.slot) for piece in row] for row in rows]

    def place(r: int, c: int) -> str:
        line, slot = places[r][c] if c < len(places[r]) else places[r][-1]
        if not line:
            line, slot = next(((ln, sl) for ln, sl in places[r] if ln), (0, 0))
            return f"第{line}行" if line else f"{name}第{r + 1}行"
        return f"第{line}行第{slot}格"

    return build(name, texts, place)


# ---------------------------------------------------------------- when the plain reading does not fit


def lines_up(grid: Grid) -> bool:
    """Whether a grid read by its separators has an indicator header and rows whose categories stand in the
    category columns (a text that lost cells puts names under 一级 and values under 二级)."""
    from tables.imports.recognise import columns as cols

    found = cols.find_header(grid)
    if found is None:
        return False
    heads = [cell.text for cell in grid.rows[found.row] if cell.text]
    if sum(bool(_column_key(text)) for text in heads) * 2 < len(heads):
        return False  # the column labels stand in a row of other cells: the rows were not kept apart
    columns = cols.map_columns(grid, found, None)
    keys = {column.index: column.key for column in columns if column.section == "column"}
    for r in range(found.row + found.height, len(grid.rows)):
        cells = cols._row_cells(grid, r, found, columns)
        filled = [text for text in cells.values() if text]
        if filled and (_STOP.match(normalise(filled[0])) or "意见" in filled[0]):
            break
        if len(filled) < 2 or sum(bool(_column_key(text)) for text in filled) >= 2:
            continue  # a caption (`年度绩效指标`), a category left alone, the header printed again
        for index, text in cells.items():
            if not text or index not in keys:
                continue
            category = is_level1(text) or is_level2(text)
            if keys[index] in ("level1", "level2") and not category:
                return False
            if keys[index] in ("level3", "value") and category and not _column_key(text):
                return False
    return True
