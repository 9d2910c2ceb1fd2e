"""Text a mirror site converted to Traditional script with pinyin in brackets, read as the form it copies (`script.py`).

The texts are written for these tests, in the shape of the mirrors' copies (`績(jī)效指標(biāo)`, see
`../shared/provinces/INDEX.md`, file 25).
"""

from __future__ import annotations

from tables.imports.recognise import read_text, recognise
from tables.imports.recognise.script import is_traditional, simplified, strip_pinyin

SIMPLIFIED_FORM = """\
项目绩效目标表(2023年度)
项目名称  村道维修
实施单位  青禾镇人民政府
年度目标  完成12公里村道维修
一级指标  二级指标  三级指标  指标值
产出指标  数量指标  维修村道里程  ≥12公里
满意度指标  服务对象满意度指标  沿线群众满意度  ≥90%
"""

MIRRORED_FORM = """\
項(xiàng)目績(jī)效目標(biāo)表(2023年度)
項目名稱  村道維修
實(shí)施單(dān)位  青禾鎮人民政府
年度目標(biāo)  完成12公裏村道維修
一級指標  二級指標  三級指標  指標(biāo)值
產(chǎn)出指標  數量指標  維修村道裏程  ≥12公裏
滿意度指標  服務對(duì)象滿意度指標  沿線群衆滿意度  ≥90%
"""


def test_pinyin_after_a_han_character_is_stripped_and_other_brackets_stay():
    assert strip_pinyin("績(jī)效指標(biāo)") == "績效指標"
    assert strip_pinyin("標（biāo）準(zhǔn)") == "標準"
    assert strip_pinyin("綠(lǜ)化") == "綠化"
    kept = "资金(万元) 合格率(≥90%) 方案(a) 长度(cm) A(ā)"
    assert strip_pinyin(kept) == kept


def test_a_mirrored_form_reads_as_the_same_table_as_the_simplified_one():
    assert simplified(MIRRORED_FORM) == SIMPLIFIED_FORM
    (mirrored,) = [table for grid in read_text(MIRRORED_FORM) for table in recognise(grid).tables]
    (original,) = [table for grid in read_text(SIMPLIFIED_FORM) for table in recognise(grid).tables]
    assert mirrored == original
    assert mirrored["project"]["name"] == "村道维修"
    assert [(i["level2"], i["level3"], i["value"]) for i in mirrored["indicators"]] == [
        ("数量指标", "维修村道里程", "≥12公里"),
        ("服务对象满意度指标", "沿线群众满意度", "≥90%"),
    ]


def test_a_simplified_text_is_left_as_it_came_even_with_a_character_opencc_would_change():
    text = SIMPLIFIED_FORM.replace("完成12公里村道维修", "保持路面乾燥")  # t2s would write 干燥
    assert not is_traditional(text)
    assert simplified(text) == text
