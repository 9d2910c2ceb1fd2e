"""A province's 指标库 workbook, as provinces publish one: a title and a note above a two-row header
(功能分类 over 类 | 款, every other label merged down both rows), 类 / 款 / 一级 / 二级 merged down their
rows, then 三级指标, 指标解释, 计算公式, 计算符号 | 参考指标值 | 计量单位 split, 指标方向, 绩效标准,
评（扣）分标准, 关键词, 是否共性, 指标编码, 启用日期.

`library_rows(5000)` are the rows (dicts, correct by construction), `library_workbook(rows)` the xlsx
bytes. `library_rows(n, edition=2)` is the next edition of the same library: every 50th row dropped,
every 10th row's reference value changed, and 1% new rows, so a re-import updates, adds and retires.
"""

from __future__ import annotations

import io
from datetime import date

import openpyxl
from openpyxl.styles import Alignment, Font

CLASSES = [
    ("201", "一般公共服务支出"), ("203", "国防支出"), ("204", "公共安全支出"), ("205", "教育支出"),
    ("206", "科学技术支出"), ("207", "文化旅游体育与传媒支出"), ("208", "社会保障和就业支出"),
    ("210", "卫生健康支出"), ("211", "节能环保支出"), ("212", "城乡社区支出"), ("213", "农林水支出"),
    ("214", "交通运输支出"), ("215", "资源勘探工业信息等支出"), ("216", "商业服务业等支出"),
    ("220", "自然资源海洋气象等支出"), ("221", "住房保障支出"), ("222", "粮油物资储备支出"),
    ("224", "灾害防治及应急管理支出"), ("227", "预备费"), ("229", "其他支出"),
]  # fmt: skip
SECTIONS = ["行政运行", "一般行政管理事务", "专项业务", "设施建设", "其他"]
# A keyword per measure that neither its name nor its definition holds (a search by keyword finds it).
TAGS = ["产出数量", "受益面", "工程质量", "标准化", "进度管理", "资金管理", "成本控制", "政策宣传", "制度建设",
        "群众评价"]  # fmt: skip
SUBJECTS = ["项目", "设施", "服务", "培训", "补助", "检查", "维护", "宣传", "采购", "监测"]
MEASURES = [
    ("产出指标", "数量指标", "完成数量", "≥", "100", "个", "正向", "统计实际完成的{s}数量", "实际完成数"),
    ("产出指标", "数量指标", "覆盖人数", "≥", "5000", "人", "正向", "{s}覆盖的服务对象人数", "覆盖人数合计"),
    ("产出指标", "质量指标", "验收合格率", "≥", "95", "%", "正向", "{s}验收合格的比例", "合格数/验收总数×100%"),
    ("产出指标", "质量指标", "达标率", "≥", "90", "%", "正向", "{s}达到规定标准的比例", "达标数/总数×100%"),
    ("产出指标", "时效指标", "按时完成率", "≥", "95", "%", "正向", "{s}在计划时间内完成的比例",
     "按时完成数/计划数×100%"),
    ("产出指标", "时效指标", "资金拨付及时率", "=", "100", "%", "正向", "{s}资金按规定时限拨付的比例",
     "及时拨付金额/应拨付金额×100%"),
    ("产出指标", "成本指标", "单位成本", "≤", "1.5", "万元", "反向", "{s}每单位产出的平均成本", "总成本/产出数量"),
    ("效益指标", "社会效益指标", "受益群众知晓率", "≥", "85", "%", "正向", "{s}受益群众知晓政策的比例",
     "知晓人数/调查人数×100%"),
    ("效益指标", "可持续影响指标", "长效机制建立情况", "", "健全", "", "正向", "{s}长效管理机制是否建立健全",
     "定性评价"),
    ("满意度指标", "服务对象满意度指标", "服务对象满意度", "≥", "90", "%", "正向", "{s}服务对象对工作的满意程度",
     "满意人数/调查人数×100%"),
]  # fmt: skip
HEADER = [
    "序号", "功能分类", "", "一级指标", "二级指标", "三级指标", "指标解释", "计算公式", "计算符号", "参考指标值",
    "计量单位", "指标方向", "绩效标准", "评（扣）分标准", "关键词", "是否共性", "指标编码", "启用日期",
]  # fmt: skip
SUBHEADER = ["", "类", "款"]
MERGED_DOWN = ("class", "section", "level1", "level2")  # the columns a province merges down their rows


def library_rows(count: int = 5000, *, edition: int = 1) -> list[dict]:
    """`count` entries spread over the 类 × 款 fields (50 per 款), in printed order."""
    rows = []
    per_section = 50
    for i in range(count):
        field_index, k = divmod(i, per_section)
        class_code, class_name = CLASSES[(field_index // len(SECTIONS)) % len(CLASSES)]
        section = SECTIONS[field_index % len(SECTIONS)]
        round_ = field_index // (len(CLASSES) * len(SECTIONS))
        section_code = f"{class_code}{field_index % len(SECTIONS) + 1:02d}"
        level1, level2, measure, sign, number, unit, direction, definition, formula = MEASURES[k % len(MEASURES)]
        subject = SUBJECTS[k // len(MEASURES)] + (f"{round_ + 1}期" if round_ else "")
        field_name = class_name.removesuffix("支出") + section
        row = {
            "class": f"{class_code} {class_name}",
            "section": f"{section_code} {class_name.removesuffix('支出')}{section}",
            "level1": level1,
            "level2": level2,
            "level3": f"{field_name}{subject}{measure}",
            "definition": definition.format(s=field_name + subject),
            "formula": formula,
            "comparator": sign,
            "value": number,
            "unit": unit,
            "direction": direction,
            "basis": "计划标准" if k % 3 else "行业标准",
            "scoring": "完成目标值得满分，每低于1个百分点扣0.5分，扣完为止",
            "keywords": f"{section}、{subject}、{TAGS[k % len(TAGS)]}",
            "common": "是" if k % 10 >= 8 else "否",
            "code": f"ZB{class_code}{i:06d}",
            "from": date(2024, 1, 1),
        }
        if edition > 1 and i % 10 == 3:
            row["value"] = str(int(float(number)) + 1) if number.replace(".", "").isdigit() else "有效提升"
        if edition > 1 and i % 50 == 7:
            continue
        rows.append(row)
    if edition > 1:
        for j in range(count // 100):
            extra = dict(rows[j % len(rows)])
            extra["level3"] = f"{extra['level3']}（第{edition}版新增{j + 1}）"
            extra["code"] = f"ZBNEW{edition}{j:06d}"
            rows.append(extra)
        rows.sort(key=lambda row: (row["section"].split()[0], row["level1"], row["level2"]))
    return rows


def library_workbook(rows: list[dict], *, title: str = "某省预算绩效指标库（2025年版）") -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "指标库"
    sheet.append([title])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADER))
    sheet["A1"].font = Font(bold=True, size=16)
    sheet.append(["说明：本指标库供编制绩效目标参考，指标值为参考值，各单位结合实际确定。"])
    sheet.append(HEADER)
    sheet.append(SUBHEADER)
    sheet.merge_cells(start_row=3, start_column=2, end_row=3, end_column=3)
    for c, label in enumerate(HEADER, start=1):
        if label and c not in (2, 3):
            sheet.merge_cells(start_row=3, start_column=c, end_row=4, end_column=c)
    first = 5
    starts = {key: (first, None) for key in MERGED_DOWN}
    columns = {"class": 2, "section": 3, "level1": 4, "level2": 5}
    for n, row in enumerate(rows):
        r = first + n
        values = [n + 1]
        for key in MERGED_DOWN:
            previous = rows[n - 1] if n else None
            outer = MERGED_DOWN[: MERGED_DOWN.index(key) + 1]
            same = previous is not None and all(previous[k] == row[k] for k in outer)
            values.append(None if same else row[key])
            if not same:
                _merge(sheet, columns[key], starts[key][0], r - 1)
                starts[key] = (r, row[key])
        values += [
            row["level3"], row["definition"], row["formula"], row["comparator"] or None, _number(row["value"]),
            row["unit"] or None, row["direction"], row["basis"], row["scoring"], row["keywords"], row["common"],
            row["code"], row["from"],
        ]  # fmt: skip
        sheet.append(values)
    for key in MERGED_DOWN:
        _merge(sheet, columns[key], starts[key][0], first + len(rows) - 1)
    wrap = Alignment(wrap_text=True, vertical="center")
    for c in range(2, 6):
        sheet.cell(row=first, column=c).alignment = wrap
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _merge(sheet, column: int, start: int, end: int) -> None:
    if end > start:
        sheet.merge_cells(start_row=start, start_column=column, end_row=end, end_column=column)


def _number(text: str):
    try:
        number = float(text)
    except ValueError:
        return text
    return int(number) if number.is_integer() else number
