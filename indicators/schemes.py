"""The indicator schemes shipped with the product (loaded by a data migration).

After loading, the database is the truth: bureaus edit categories and check
parameters in the admin. This module is the initial data and the fallback
used when checking exchange files that are not in the database.
"""

from __future__ import annotations

# Check parameters shared by the schemes below; a scheme may override any key.
DEFAULT_PARAMS: dict = {
    # 一级 categories every table must have.
    "required_level1": ["产出指标", "效益指标", "满意度指标"],
    # Satisfaction indicators below this percent warn.
    "satisfaction_floor": 80,
    # Share of qualitative values (grades with no measure) above which a table warns.
    "qualitative_share_warn": 0.3,
    # Cumulative spending-plan floors (percent by month end); below them a plan is back-loaded.
    "spending_plan_floors": {"06": 40, "10": 80},
    # The 一级/二级 under which satisfaction and cost indicators sit.
    "satisfaction_level1": ["满意度指标"],
    "satisfaction_level2": ["服务对象满意度指标", "满意度指标", "满意度"],
    "cost_level2": ["成本指标", "经济成本指标", "社会成本指标", "生态环境成本指标"],
    "timeliness_level2": ["时效指标"],
    # 二级 names whose values must be numbers (数量指标 can't be `优`).
    "quantity_level2": ["数量指标"],
    # {一级: [二级, …]} that must be present, e.g. {"产出指标": ["数量指标", "质量指标", "时效指标"]}.
    "required_level2": {},
    # Weights (权重/分值 columns) add up to this.
    "weight_total": 100,
    # A limit such as 故障率 ≤ this percent or more is too loose to mean anything.
    "loose_limit_percent": 50,
    # Amounts (万元) at or above this are probably typed in 元.
    "amount_suspect_wan": 1000000,
    # The qualitative share warns only from this many qualitative values (a 6-row table with 2 is fine).
    "qualitative_min_count": 3,
    # 一级 categories left out of the qualitative share (e.g. Henan's prescribed 投入管理指标 grades).
    "qualitative_exempt_level1": [],
}

SCHEMES: list[dict] = [
    {
        "code": "fin2015",
        "name": "2015/2020年指标体系（产出·效益·满意度）",
        # Hebei's standard project plan is 50% by 6月底 and 75% by 10月底.
        "params": {"spending_plan_floors": {"06": 40, "10": 75}},
        "tree": {
            "产出指标": ["数量指标", "质量指标", "时效指标", "成本指标"],
            "效益指标": ["经济效益指标", "社会效益指标", "生态效益指标", "可持续影响指标"],
            "满意度指标": ["服务对象满意度指标", "满意度指标"],
        },
    },
    {
        "code": "national2021",
        "name": "2021年全国指标体系（财预〔2021〕101号）",
        "params": {"required_level1": ["成本指标", "产出指标", "效益指标", "满意度指标"]},
        "tree": {
            "成本指标": ["经济成本指标", "社会成本指标", "生态环境成本指标"],
            "产出指标": ["数量指标", "质量指标", "时效指标"],
            "效益指标": ["经济效益指标", "社会效益指标", "生态效益指标"],
            "满意度指标": ["服务对象满意度指标"],
        },
    },
    {
        "code": "henan2023",
        "name": "河南2023年部门整体绩效指标体系",
        "params": {
            "required_level1": ["投入管理指标", "产出指标", "效益指标"],
            "satisfaction_level1": ["效益指标"],
            # Henan prescribes grade values (相关/科学/合规…) for its 投入管理指标.
            "qualitative_exempt_level1": ["投入管理指标"],
        },
        "tree": {
            "投入管理指标": ["工作目标管理", "预算和财务管理", "绩效管理"],
            "产出指标": ["重点工作任务完成", "履职目标实现"],
            "效益指标": ["履职效益", "满意度"],
        },
    },
    {
        "code": "fin2015-hubei-hunan",
        "name": "2015年指标体系（湖北、湖南表样：环境效益指标、社会公众或服务对象满意度指标）",
        # The 财预〔2015〕88号 tree as Hubei's and Hunan's forms print it: 效益 has 环境效益指标
        # beside 生态效益指标, and satisfaction is 社会公众或服务对象满意度指标.
        "params": {"spending_plan_floors": {"06": 40, "10": 75}},
        "tree": {
            "产出指标": ["数量指标", "质量指标", "时效指标", "成本指标"],
            "效益指标": ["经济效益指标", "社会效益指标", "生态效益指标", "环境效益指标", "可持续影响指标"],
            "满意度指标": ["服务对象满意度指标", "社会公众或服务对象满意度指标", "满意度指标"],
        },
    },
    {
        "code": "sichuan2021",
        "name": "四川项目支出指标体系（项目完成·项目效益·满意度）",
        "params": {"required_level1": ["项目完成指标", "项目效益指标", "满意度指标"]},
        "tree": {
            "项目完成指标": ["数量指标", "质量指标", "时效指标", "成本指标"],
            "项目效益指标": ["经济效益指标", "社会效益指标", "生态效益指标", "可持续影响指标"],
            "满意度指标": ["满意度指标", "服务对象满意度指标"],
        },
    },
    {
        "code": "ndrc",
        "name": "中央预算内投资计划绩效指标体系（实施效果指标）",
        # One 一级, 实施效果指标; what the 2015 tree calls 一级 is its 二级. No 数量/质量 level.
        "params": {"required_level1": ["实施效果指标"], "quantity_level2": []},
        "tree": {"实施效果指标": ["产出指标", "效益指标", "满意度指标"]},
    },
    {
        "code": "pre2015-graded",
        "name": "分级目标指标体系（产出指标·效果指标，无二级）",
        # Transfer-payment tables before 2015: 绩效指标分类 is 产出指标 or 效果指标 and there is no 二级.
        "params": {"required_level1": ["产出指标", "效果指标"]},
        "tree": {"产出指标": [], "效果指标": []},
    },
    {
        "code": "flat",
        "name": "无分类指标（只有指标名称）",
        # Forms that print 指标名称 only (重庆 部门整体): no 一级/二级 to require or to check.
        "params": {"required_level1": []},
        "tree": {},
    },
]


def scheme_params(code: str, overrides: dict | None = None) -> dict:
    """DEFAULT_PARAMS with the scheme's own values (and `overrides`) on top."""
    params = dict(DEFAULT_PARAMS)
    for scheme in SCHEMES:
        if scheme["code"] == code:
            params.update(scheme["params"])
    if overrides:
        params.update(overrides)
    return params


def scheme_tree(code: str) -> dict[str, list[str]]:
    for scheme in SCHEMES:
        if scheme["code"] == code:
            return {k: list(v) for k, v in scheme["tree"].items()}
    raise KeyError(code)
