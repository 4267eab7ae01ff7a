"""Every word of the report, per language: headings, labels, units and sentences.

The page (optim/reporting/page.py) never writes a word of its own: it asks a
`Texts` for each heading, label, unit and sentence by key, and each figure is
formatted by `optim.reporting.numbers.figure` with the number conventions of
the same catalogue. A language is one more entry of `CATALOGUES` with the same
keys (`tests/test_report.py` checks that every catalogue has every key of the
English one and that every key the page asks for exists).

Sentences found by the analyses (the explanation of "no plan", the meaning of
a binding limit, the presolve checks, the conflicting constraints) come in the
analyses' own words, which are English; a catalogue with
``"analysis_words": False`` gets them built from the structured fields
(constraint, member, amount, unit, limit; a finding's key and figures; the
rows and bounds of the conflict) with its own templates instead: `families`
names each constraint family's row, `shortfalls` words a shortfall per family,
`prechecks` each kind of finding, `variables` and `iis_bounds` the bounds of
the conflict. The Chinese catalogue (`ZH`) does so, so that no English reaches
a Chinese page.
"""

from __future__ import annotations

from typing import Any

from ..errors import InstanceError, Problem
from ..model.families import SPECS
from ..plots import WORDS as PICTURE_WORDS

# ---- English -------------------------------------------------------------------------------
EN: dict[str, Any] = {
    "lang": "en",
    "html_lang": "en",
    "analysis_words": True,  # the analyses' own sentences (English) are used as they are
    "numbers": {
        "thousands": ",", "decimal": ".", "missing": "–", "percent": "%",
        # money scales by magnitude: (divisor, unit) or (divisor, unit, decimals), the first whose
        # divisor <= the largest |value| shown together is used (the last when none is);
        # English keeps one scale, million yuan with 1 decimal, everywhere
        "money": [(1e6, "M yuan")],
        "money_per_year": [(1e6, "M yuan/year")],
        "area": "mu", "length": "km", "ratio": "%",
        "tight_units": False,  # True: no space before a unit that is not Latin text ("495.0亩", "88.0%")
    },
    # units as the tables name them -> as the report shows them
    "units": {"yuan": "yuan", "mu": "mu", "ratio": "%", "km": "km", "length": "km", "yuan/year": "yuan/year"},
    # a finding, a shortfall, the conflicting constraints in the catalogue's own words
    # (used when analysis_words is False; English uses the analyses' sentences)
    "families": {}, "family_titles": {}, "shortfalls": {}, "prechecks": {}, "variables": {}, "iis_bounds": {},
    "iis_reasons": {}, "where_words": {}, "checks": {}, "severities": {}, "terminations": {},
    "source_kinds": {"policy_finance": "policy finance", "bank_loan": "bank loan", "special_fund": "special fund",
                     "bond": "bond", "abs": "ABS", "reit": "REIT", "equity": "equity", "own_funds": "own funds",
                     "other": "other"},
    "head_unit": "{label} ({unit})",  # a column heading with its unit
    "title": "Plan report: {instance}",
    "generated": "Written by optim {version} from {source}.",
    "nav": "Contents",
    # sections
    "h_summary": "Summary", "h_kpis": "Key figures", "h_map": "Map of the plan",
    "h_draws": "Funding: draws by source and category", "h_sources": "Sources",
    "h_categories": "Categories: need and how it is paid",
    "h_periods": "The plan per period", "h_period_draws": "Draws per period",
    "h_debt": "Debt service", "h_limits": "Binding limits and their shadow prices",
    "h_parcels": "Rezoned parcels", "h_objective": "Objective terms",
    "h_explanation": "Why there is no plan", "h_shortfalls": "The smallest relaxation that gives a plan",
    "h_iis": "Conflicting constraints (irreducible infeasible subset)", "h_prechecks": "Presolve checks",
    # summary
    "instance": "Instance", "instance_file": "Instance file", "scenarios": "Scenarios", "none": "none",
    "status": "Status", "objective": "Objective", "bound": "Bound", "gap": "Gap",
    "solve_time": "Solve time", "seconds": "s", "certificate": "Independent check",
    "status_optimal": "optimal (proven within the gap)",
    "status_feasible": "feasible: a limit stopped the search ({termination}); the plan is not proven optimal",
    "status_infeasible": "no plan: no plan meets every target and limit",
    "status_no_solution": "no plan: a limit ({termination}) stopped the search before any plan was found",
    "status_unbounded": "no plan: the model is unbounded",
    "status_other": "no plan ({status}, {termination})",
    "certified": "every constraint family holds ({families} families checked against the instance)",
    "not_certified": "the plan does NOT hold against this instance: {families}",
    "not_checked": "not checked",
    "not_proven": "This plan is not proven optimal: a limit stopped the search with a gap of {gap}.",
    # key figures
    "kpi": "Key figure", "value": "Value", "unit": "Unit",
    "kpi_names": {
        "land_income": "Land income", "forgone_land_income": "Forgone land income",
        "industrial_output": "Industrial output", "total_investment": "Total investment",
        "covered_investment": "Investment in the coverage scope",
        "external_financing": "External financing in scope", "coverage": "Coverage",
        "financing_cost": "Financing cost", "own_funds_used": "Own funds used",
        "own_funds_available": "Own funds available", "industrial_area": "Industrial area",
        "rezoned_area": "Rezoned area", "relocation_cost": "Relocation cost",
        "debt_service": "Debt service within the horizon",
        "debt_service_beyond_horizon": "Debt service after the horizon",
        "recycling_proceeds": "Asset recycling proceeds", "land_income_pv": "Land income (present value)",
        "industrial_output_pv": "Industrial output (present value)",
        "compatibility_penalty": "Compatibility penalty", "industrial_boundary": "Industrial boundary",
        "value": "Value of the options and projects taken",
    },
    # tables
    "source": "Source", "category": "Category", "total": "Total", "kind": "Kind", "external": "External",
    "cap": "Cap", "drawn": "Drawn", "share_of_cap": "Share of cap", "interest": "Interest",
    "fixed_cost": "Arrangement cost", "yes": "yes", "no": "no",
    "need": "Need", "external_paid": "External sources", "other_sources": "Other sources",
    "own_funds": "Own funds", "in_scope": "In coverage scope",
    "period": "Period", "after_horizon": "after the horizon",
    "period_cols": {"draws": "Draws", "own_funds": "Own funds", "land_income": "Land income",
                    "industrial_output": "Industrial output", "debt_service": "Debt service",
                    "asset_income": "Asset income", "recycling_proceeds": "Recycling proceeds",
                    "cash_balance": "Cash balance", "rezoned_area": "Rezoned", "industrial_area": "Industrial area"},
    "parcel": "Parcel", "current_use": "Current use", "new_use": "Chosen use", "area": "Area",
    "forgone_income": "Forgone land income", "output": "Output",
    "more_rows": "… and {count} more (see {file})",
    "no_parcels_rezoned": "No parcel is rezoned.",
    "nothing_drawn": "Nothing is drawn from any source.",
    "term": "Term", "weight": "Weight", "sense": "Sense", "contribution": "Contribution",
    "sense_max": "maximise", "sense_min": "minimise",
    "term_names": {"land_income": "Land income", "industrial_output": "Industrial output",
                   "coverage": "External financing in scope", "financing_cost": "Financing cost",
                   "compatibility_penalty": "Compatibility penalty", "boundary_penalty": "Boundary penalty",
                   "value": "Value of the options and projects taken", "offset": "Constant (offset)"},
    # limits
    "limit": "Limit", "price": "Shadow price", "price_per": "{price} {money} per {unit}", "current_limit": "Limit now",
    "slack": "Slack", "holds_for": "Price holds for the limit in",
    "fixed_by_plan": "fixed by the plan", "meaning": "What it means",
    "limits_note": ("Shadow prices are conditional on this plan: every parcel use, project and opened "
                    "source is held as the plan has it and only the draws, own funds and cash are "
                    "re-optimised. A price is the objective gained by relaxing the limit by one unit; "
                    "a limit made only of plan decisions (a resource quota, an area bound) is priced 0, "
                    "since only another plan could use more of it."),
    "no_binding": "No limit binds this plan.",
    "limits_skipped": "Shadow prices not computed: {reason}",
    "limits_rejected": "the plan does not hold against the instance",
    "limits_reason": "{reason}",
    "limits_not_asked": "not asked for",
    "limits_no_lp": "the fixed-plan linear program ended with {status}",
    "fixed_plan_objective": ("Objective of the plan with its draws re-optimised: {objective} "
                             "(the plan as written: {written})."),
    # explanation
    "explanation_intro": "The instance has no plan. The closest plan needs these targets or limits relaxed:",
    "constraint": "Target or limit", "member": "Member", "shortfall": "Short by", "in_words": "In words",
    "shortfall_sentence": "{limit}: short by {amount}",
    "no_relaxation": ("No relaxation of the targets and limits gives a plan: the conflict is among fixed "
                      "decisions (locks, mandatory projects, one use per parcel)."),
    "relaxation_stopped": "The search for the smallest relaxation stopped ({status}) before it found one.",
    "relaxation_not_smallest": "A limit stopped the search: this relaxation is not proven the smallest.",
    "explanation_feasible": "The explanation found a plan that meets every target and limit.",
    "no_explanation": "No explanation: {reason}",
    "explanation_from": "Explanation {origin}.",
    "origin_recorded": "as recorded by the solve",
    "origin_computed": "computed for this report from the instance",
    "iis_note": "Irreducible infeasible subset {note}.",
    "severity": "Severity", "check": "Check", "where": "Where", "message": "Finding",
    # pictures
    "map_caption": "Chosen use of each parcel; rezoned parcels outlined.",
    "draws_caption": "Amount drawn from each source, stacked by category ({unit}).",
    "period_draws_caption": "Amount drawn from each source, stacked by period ({unit}).",
    "no_pictures": "Pictures not drawn: {reason}",
    "no_map": "Map not drawn: {reason}",
    "no_picture": "Picture not drawn: {reason}",
    "picture_reasons": {},  # a picture's reason (optim.plots' words) -> the catalogue's; English: as it is
    # the words inside the pictures (optim.plots draws them; `pictures.py` passes these)
    "pictures": dict(PICTURE_WORDS),
    # ---- the index page of a study (a sweep's runs, a Pareto front's points) ---------------
    "index_title": "Sweep: {instance}", "pareto_title": "Pareto front: {instance}",
    "h_study": "The study", "h_runs": "Runs", "h_points": "Points of the front", "h_spread": "Spread of the results",
    "design": "Design", "designs": {"grid": "grid (every combination)", "tornado": "tornado (one parameter at a time)",
                                    "montecarlo": "Monte Carlo (random samples)"},
    "runs_count": "Runs", "outcomes": "Outcomes", "outcome_count": "{count} {status}",
    "parameter": "Parameter", "how": "Change", "how_set": "set to", "how_scale": "scaled by",
    "base_value": "Base value", "values_swept": "Values", "varies_by_row": "varies by row",
    "run": "Run", "point": "Point", "level": "Level", "levels": {"base": "base", "low": "low", "high": "high"},
    "report": "Report", "report_link": "report", "why": "Why no plan",
    "settings_note": ("Values in bold differ from the base instance ({file}); each run's report, where one was "
                      "written (optim sweep --reports), is linked."),
    "same_in_all": "The same in every run with a plan: {items}.",
    "run_status": {"optimal": "optimal", "feasible": "feasible (not proven optimal)", "infeasible": "no plan",
                   "invalid": "invalid input", "no_solution": "no plan found within the limit",
                   "unbounded": "unbounded", "error": "solver error"},
    "figure": "Figure", "least": "Least", "median": "Median", "most": "Most",
    "runs_with_plan": "Runs with a plan: {count} of {total}.", "list_sep": "; ", "then": ": ",
    "no_runs": "The study has no runs.",
    "run_not_certified": "the plan failed the independent check",
    "more_runs": "… and {count} more runs (see {file})",
    "front_x": "{name} (x)", "front_y": "{name} (y)", "on_front": "On the front", "mrs": "Rate of substitution",
    "mrs_note": "Rate of substitution: yuan of {x} given up per yuan of {y} gained, between neighbouring points.",
    "objective_names": {"land_income": "Land income", "industrial_output": "Industrial output",
                        "coverage": "External financing in scope", "financing_cost": "Financing cost"},
}

# ---- Chinese ---------------------------------------------------------------------------------
# Money in 万元 or 亿元 by magnitude (元 for small figures), areas in 亩; every sentence of the
# analyses built from their figures with the templates below (analysis_words: False).
ZH: dict[str, Any] = {
    "lang": "zh",
    "html_lang": "zh-CN",
    "analysis_words": False,
    "numbers": {
        "thousands": ",", "decimal": ".", "missing": "–", "percent": "%",
        # 亿元 from 1 亿 (1e8 yuan), 万元 from 1 万 (1e4), else 元; two decimals for 万 and 亿
        "money": [(1e8, "亿元", 2), (1e4, "万元", 2), (1.0, "元", 0)],
        "money_per_year": [(1e8, "亿元/年", 2), (1e4, "万元/年", 2), (1.0, "元/年", 0)],
        "area": "亩", "length": "公里", "ratio": "%",
        "tight_units": True,
    },
    "units": {"yuan": "元", "mu": "亩", "ratio": "%", "km": "公里", "length": "公里", "yuan/year": "元/年",
              # the units shadow prices and shortfalls are counted in (optim/model: Price.unit, FamilySpec.noun)
              "point (0.01) of coverage": "个百分点（覆盖率）",
              "point (0.01) of capital share": "个百分点（资本金比例）",
              "pair": "对", "unit of boundary": "单位边界长度", "parcel": "块地", "project": "个项目",
              "enterprise": "家企业", "relocation": "次搬迁", "decision": "项决策", "unit of the row": "单位",
              "unit of the resource": "资源单位", "units": "单位", "unit": "单位"},
    "families": {
        # one row of each constraint family ({0}, {1}, ...: the parts of its label)
        "boundary_ge": "地块 {0} 与 {1} 之间的工业用地边界",
        "capital_share_ge": "项目资本金比例",
        "cash_balance_eq": "{0} 的现金平衡",
        "cash_balance_ge": "{0} 期末现金",
        "category_funding_eq": "类别 {0} 的资金需求",
        "compat_forbid_le": "地块 {0} 作 {2} 与相邻地块 {1} 作 {3}（禁止）",
        "compat_penalty_ge": "受罚相邻地块对 {0}-{1}（{2}/{3}）",
        "coverage_ge": "外部融资覆盖率目标",
        "cvar_excess_ge": "情景 {0} 的目标值低于风险价值的部分",
        "cvar_objective": "{0}",
        "debt_to_capital_le": "债务与资本金比例上限",
        "draw_max_le": "资金来源 {0} 在 {1} 的最高提款",
        "draw_min_ge": "资金来源 {0} 在 {1} 的最低提款",
        "draw_period_eq": "资金来源 {0} 用于 {1} 的各期提款",
        "dscr_ge": "{0} 的偿债覆盖",
        "eligibility": "资金来源 {0} 用于 {1} 的提款",
        "eod_balance_le": "生态环境导向开发（生态项目）资金平衡",
        "expected_objective": "期望目标值",
        "forgone_income_le": "放弃的土地出让收入上限",
        "industrial_area_ge": "工业用地面积下限",
        "industrial_area_le": "工业用地面积上限",
        "industrial_need_ge": "项目所需工业用地",
        "industrial_need_period_ge": "{0} 前项目所需工业用地",
        "kpis": "关键指标 {0}",
        "locked_uses": "地块 {0} 锁定用途",
        "draft_changes_le": "与草案相比改动的地块数",
        "draft_decisions": "草案的决策 {0}",
        "mandatory_projects": "项目 {0} 必须建设",
        "nonanticipativity": "第一阶段决策 {0}",
        "nonnegativity": "{0} 非负",
        "objective": "目标值",
        "own_funds_le": "自有资金平衡",
        "own_period_eq": "{0} 的各期自有资金",
        "parcel_locks": "地块 {0} 的锁定",
        "parcel_use_eq": "地块 {0} 只取一种用途",
        "pareto_eps_eq": "帕累托约束行",
        "pareto_x_ge": "保持的第一目标项",
        "period_cap_le": "{0} 在 {1} 的上限",
        "period_funding_eq": "类别 {0} 在 {1} 的资金需求",
        "period_funding_ge": "类别 {0} 在 {1} 的自有资金",
        "project_period_eq": "项目 {0} 的开工期",
        "recycle_after_build_le": "项目 {0} 在 {1} 的资产盘活",
        "relocation_assign_eq": "企业 {0} 的搬迁",
        "relocation_assign_le": "企业 {0} 至多一处选址",
        "relocation_by_period_le": "企业 {0} 迁入地块 {1} 的期限",
        "relocation_capacity_le": "地块 {0}（{1}）可容纳的搬迁企业",
        "relocation_eligibility": "企业 {0} 迁入地块 {1}",
        "resource_cap_le": "资源 {0} 的上限",
        "rezone_period_eq": "地块 {0}（{1}）的调整期",
        "scenario_plans": "情景 {0} 的方案",
        "shortfall_cvar_le": "应急借款的条件风险价值",
        "shortfall_excess_ge": "情景 {0} 的应急借款超过其风险价值的部分",
        "source_cap_le": "资金来源 {0} 的额度上限",
        "source_locks": "资金来源 {0} 的锁定",
        "source_max_draw_le": "资金来源 {0} 的最高提款",
        "source_min_draw_ge": "资金来源 {0} 的最低提款",
        "source_min_ge": "资金来源 {0} 的最低起投额",
        "source_window": "资金来源 {0} 在 {1} 的提款",
        "target_coverage_ge": "覆盖范围内外部融资的下限",
        "target_coverage_le": "覆盖范围内外部融资的上限",
        "target_financing_cost_ge": "融资成本的下限",
        "target_financing_cost_le": "融资成本的上限",
        "target_industrial_output_ge": "工业产值的下限",
        "target_industrial_output_le": "工业产值的上限",
        "target_land_income_ge": "土地出让收入的下限",
        "target_land_income_le": "土地出让收入的上限",
        "target_value_ge": "价值项的下限",
        "target_value_le": "价值项的上限",
    },
    "family_titles": {
        # each family as a whole (the independent check names the families that fail)
        "boundary_ge": "工业用地边界", "capital_share_ge": "项目资本金比例", "cash_balance_eq": "各期现金平衡",
        "cash_balance_ge": "各期现金余额非负", "category_funding_eq": "各类别资金需求",
        "compat_forbid_le": "禁止的相邻用途", "compat_penalty_ge": "受罚的相邻用途", "coverage_ge": "覆盖率目标",
        "cvar_excess_ge": "低于风险价值的情景目标值", "cvar_objective": "条件风险价值目标",
        "debt_to_capital_le": "债务与资本金比例上限", "draw_max_le": "各期最高提款", "draw_min_ge": "各期最低提款",
        "draw_period_eq": "各期提款", "dscr_ge": "偿债覆盖", "eligibility": "只在允许的来源与类别间提款",
        "eod_balance_le": "生态环境导向开发资金平衡", "expected_objective": "期望目标值",
        "forgone_income_le": "放弃的土地出让收入上限", "industrial_area_ge": "工业用地面积下限",
        "industrial_area_le": "工业用地面积上限", "industrial_need_ge": "项目所需工业用地",
        "industrial_need_period_ge": "各期项目所需工业用地", "kpis": "关键指标", "locked_uses": "锁定用途的地块",
        "draft_changes_le": "与草案相比改动的地块数上限", "draft_decisions": "保持草案的决策",
        "mandatory_projects": "必建项目", "nonanticipativity": "第一阶段决策一致", "nonnegativity": "提款与自有资金非负",
        "objective": "目标值", "own_funds_le": "自有资金平衡", "own_period_eq": "各期自有资金",
        "parcel_locks": "地块锁定", "parcel_use_eq": "每块地一种用途", "pareto_eps_eq": "帕累托约束行",
        "pareto_x_ge": "保持的第一目标项", "period_cap_le": "各期资源上限", "period_funding_eq": "各期各类别资金需求",
        "period_funding_ge": "各期各类别资金", "project_period_eq": "项目开工期", "recycle_after_build_le": "建成后方可盘活",
        "relocation_assign_eq": "必须搬迁的企业", "relocation_assign_le": "企业至多一处选址",
        "relocation_by_period_le": "搬迁期限", "relocation_capacity_le": "搬迁企业容纳量",
        "relocation_eligibility": "允许的搬迁地块", "resource_cap_le": "资源上限", "rezone_period_eq": "调整期",
        "scenario_plans": "各情景方案", "shortfall_cvar_le": "应急借款条件风险价值上限",
        "shortfall_excess_ge": "超过风险价值的应急借款", "source_cap_le": "资金来源额度上限",
        "source_locks": "资金来源锁定", "source_max_draw_le": "最高提款", "source_min_draw_ge": "最低提款",
        "source_min_ge": "最低起投额", "source_window": "资金来源提款期",
        "target_coverage_ge": "外部融资下限", "target_coverage_le": "外部融资上限",
        "target_financing_cost_ge": "融资成本下限", "target_financing_cost_le": "融资成本上限",
        "target_industrial_output_ge": "工业产值下限", "target_industrial_output_le": "工业产值上限",
        "target_land_income_ge": "土地出让收入下限", "target_land_income_le": "土地出让收入上限",
        "target_value_ge": "价值项下限", "target_value_le": "价值项上限",
    },
    "shortfalls": {
        # one relaxed target or limit: {name} (the row in words), {0}, {1} (its parts), {amount} (with its
        # unit) and, where the template uses it, {limit} (the limit now, with its unit)
        "capital_share_ge": "项目资本金缺口 {amount}",
        "cash_balance_eq": "{0} 的现金缺口 {amount}",
        "compat_forbid_le": "需要放开被禁止的相邻用途：{name}",
        "coverage_ge": "外部融资覆盖率目标：外部融资缺口 {amount}",
        "debt_to_capital_le": "债务超出债务与资本金比例上限 {amount}",
        "draw_max_le": "资金来源 {0} 在 {1} 的提款须比最高提款 {limit} 多 {amount}",
        "draw_min_ge": "资金来源 {0} 在 {1} 达不到最低提款 {limit}：缺口 {amount}",
        "dscr_ge": "{0} 的偿债覆盖收入缺口 {amount}",
        "eod_balance_le": "生态环境导向开发资金平衡缺口 {amount}",
        "forgone_income_le": "放弃的土地出让收入超出上限 {limit}，超出 {amount}",
        "industrial_area_ge": "工业用地面积比下限 {limit} 少 {amount}",
        "industrial_area_le": "工业用地面积比上限 {limit} 多 {amount}",
        "industrial_need_ge": "项目所需工业用地比方案所能提供的多 {amount}",
        "industrial_need_period_ge": "{0} 前开工的项目所需工业用地比届时可调整的多 {amount}",
        "own_funds_le": "自有资金缺口 {amount}",
        "period_cap_le": "{0} 在 {1} 的需求比上限 {limit} 多 {amount}",
        "relocation_assign_eq": "企业 {0} 无法搬迁：没有地块可以容纳",
        "relocation_by_period_le": "企业 {0} 无法在期限内迁入地块 {1}",
        "relocation_capacity_le": "地块 {0} 上的企业所需 {1} 用地比其提供的多 {amount}",
        "resource_cap_le": "资源 {0} 的需求比上限 {limit} 多 {amount}",
        "shortfall_cvar_le": "最差情景的应急借款超出上限 {limit}，超出 {amount}",
        "source_max_draw_le": "资金来源 {0} 的提款须比最高提款 {limit} 多 {amount}",
        "source_min_draw_ge": "资金来源 {0} 达不到最低提款 {limit}：缺口 {amount}",
        "source_min_ge": "资金来源 {0} 达不到最低起投额：缺口 {amount}",
        "target_coverage_ge": "覆盖范围内的外部融资低于下限，缺口 {amount}",
        "target_coverage_le": "覆盖范围内的外部融资超出上限 {amount}",
        "target_financing_cost_ge": "融资成本比下限 {limit} 少 {amount}",
        "target_financing_cost_le": "融资成本比上限 {limit} 多 {amount}",
        "target_industrial_output_ge": "工业产值比下限 {limit} 少 {amount}",
        "target_industrial_output_le": "工业产值比上限 {limit} 多 {amount}",
        "target_land_income_ge": "土地出让收入比下限 {limit} 少 {amount}",
        "target_land_income_le": "土地出让收入比上限 {limit} 多 {amount}",
        "target_value_ge": "价值项比下限 {limit} 少 {amount}",
        "target_value_le": "价值项比上限 {limit} 多 {amount}",
    },
    "prechecks": {
        # one finding of the presolve checks (optim/analysis/prechecks.py: its key and its figures,
        # formatted: money and areas with their units, ratios as percentages)
        "parcel_no_option": "地块 {parcel} 在选项表中没有允许的用途",
        "parcel_locked_out": "地块 {parcel} 锁定后没有剩余的允许用途",
        "coverage_bound": ("覆盖率目标 {target} 无法达到：覆盖范围内的投资至少 {least}，因此至少需要 {needed} 的"
                           "外部融资，但可用于该范围的外部资金来源最多只能提供 {most}（缺口至少 {short}）"),
        "resource_bound": ("任何方案至少需要 {least} 的 {resource}（各地块取用量最少的允许用途），超过其上限 {cap}"
                           "（缺口至少 {short}）"),
        "industrial_need": "必建项目需要 {need} 工业用地，但至多 {most} 可以作为工业用地（缺口至少 {short}）",
        "industrial_min": "工业用地面积下限 {min} 无法达到：至多 {most} 可以作为工业用地",
        "industrial_max_projects": "工业用地面积上限 {max} 过小：必建项目至少需要 {floor}",
        "industrial_max_uses": "工业用地面积上限 {max} 过小：各地块允许的用途至少给出 {floor}",
        "own_funds_bound": ("自有资金无法支付必须的支出：扣除可用资金来源后，各类别至少需要 {need} 自有资金，"
                            "但自有资金至多 {most}（预算 {budget} 加上最大土地出让收入 {income} 的 {share}；"
                            "缺口至少 {short}）"),
        "source_no_category_must": "资金来源 {source} 不能用于任何类别，但至少须提款 {must}",
        "source_no_category": "资金来源 {source} 不能用于任何类别：永远不会提款",
        "source_no_spending_must": "资金来源 {source} 只能用于 {categories}，而这些类别没有任何支出，但至少须提款 {must}",
        "source_no_spending": "资金来源 {source} 只能用于 {categories}，而这些类别没有任何支出：永远不会提款",
        "category_without_source": "类别 {category} 有 {spending} 必须的支出，但没有资金来源可以支付：须全部由自有资金支付",
        "money_range": ("资金数额从 {low}（{low_where}）到 {high}（{high_where}），相差 {ratio} 倍：模型尺度失调，"
                        "请检查是否有数额使用了其他单位"),
        "money_tiny": "{value} 不到典型资金数额（{typical}）的百万分之一：是否使用了其他单位？",
        "money_tiny_more": "另有 {count} 个资金数额不到典型数额的百万分之一",
        "matrix_range": ("矩阵系数从 {low}（{low_family}）到 {high}（{high_family}），相差 {ratio} 倍：模型尺度失调，"
                         "请用更大或更小的单位表述这些约束背后的数额"),
    },
    # the bounds of variables in the conflicting constraints: the variable group ({0}, {1}: its label's parts)
    "variables": {
        "v_use": "地块 {0} 的用途 {1}", "v_build": "项目 {0}", "v_draw": "资金来源 {0} 用于 {1} 的提款",
        "v_open": "资金来源 {0} 是否提款", "v_own": "{0} 的自有资金", "v_rez": "地块 {0} 在 {2} 调整为 {1}",
        "v_start": "项目 {0} 在 {1} 开工", "v_pdraw": "资金来源 {0} 在 {2} 用于 {1} 的提款",
        "v_pown": "{0} 在 {1} 的自有资金", "v_cash": "{0} 期末现金", "v_recycle": "项目 {0} 在 {1} 盘活",
        "v_reloc": "企业 {0} 迁入地块 {1}", "v_conflict": "相邻地块对 {0}-{1}", "v_edge": "地块 {0} 与 {1} 的边界",
    },
    "iis_bounds": {"mandatory": "项目 {0} 必须建设", "lower": "{name} ≥ {value}", "upper": "{name} ≤ {value}",
                   "fixed": "{name} 固定为 {value}", "range": "{value} ≤ {name} ≤ {upper}"},
    "iis_reasons": {
        "subset": "（线性松弛：是/否决策取分数值；由求解器求得）：这些约束和界限不能同时成立",
        "subset_trivial": "；另有 {count} 个变量处于其定义域的界限（≥ 0，是/否 ≤ 1），未列出",
        "lp_feasible": "线性松弛（地块、项目和资金来源的决策取分数值）有可行方案：冲突在于是/否决策，对此求解器不给出不可约不可行子集",
        "lp_status": "没有不可约不可行子集：线性松弛以 {status} 结束",
        "failed": "没有不可约不可行子集：求解器未能求得",
        "none": "没有不可约不可行子集：求解器未对线性松弛找到",
    },
    "where_words": {"parcel": "地块", "resource": "资源", "source": "资金来源", "category": "类别", "family": "约束族",
                    "option": "选项", "project": "项目", "period": "时期", "projects": "项目",
                    "money figures": "资金数额"},
    "checks": {"parcel_uses": "地块用途", "coverage_bound": "覆盖率上界", "resource_bound": "资源下界",
               "industrial_land": "工业用地", "own_funds_bound": "自有资金上界", "unusable_source": "无法使用的资金来源",
               "category_without_source": "无资金来源的类别", "money_scale": "资金数额尺度", "matrix_scale": "矩阵尺度"},
    "severities": {"error": "错误", "warning": "警告"},
    "terminations": {"optimal": "已证明最优", "infeasible": "不可行", "infeasible_or_unbounded": "不可行或无界",
                     "unbounded": "无界", "time_limit": "时间限制", "iteration_limit": "迭代次数限制",
                     "solution_limit": "方案数限制", "interrupted": "中断", "objective_bound": "目标界限",
                     "objective_target": "目标值限制", "memory_limit": "内存限制", "gap_limit": "间隙限制",
                     "precheck": "求解前检查", "error": "错误", "": "–"},
    "source_kinds": {"policy_finance": "政策性开发性金融", "bank_loan": "银行贷款", "special_fund": "专项资金",
                     "bond": "债券", "abs": "资产支持证券", "reit": "不动产投资信托基金", "equity": "股权投资",
                     "own_funds": "自有资金", "other": "其他"},
    "head_unit": "{label}（{unit}）",
    "title": "规划方案报告：{instance}",
    "generated": "由 optim {version} 根据 {source} 生成。",
    "nav": "目录",
    # sections
    "h_summary": "概要", "h_kpis": "关键指标", "h_map": "方案地图",
    "h_draws": "资金筹措：按资金来源和类别的提款", "h_sources": "资金来源",
    "h_categories": "支出类别：需求及支付方式",
    "h_periods": "分期方案", "h_period_draws": "各期提款",
    "h_debt": "还本付息", "h_limits": "起约束作用的限制及其影子价格",
    "h_parcels": "调整用途的地块", "h_objective": "目标函数各项",
    "h_explanation": "为何没有可行方案", "h_shortfalls": "得到方案所需的最小放宽",
    "h_iis": "相互冲突的约束（不可约不可行子集）", "h_prechecks": "求解前检查",
    # summary
    "instance": "算例", "instance_file": "算例文件", "scenarios": "情景", "none": "无",
    "status": "状态", "objective": "目标值", "bound": "界", "gap": "最优性间隙",
    "solve_time": "求解时间", "seconds": "秒", "certificate": "独立核验",
    "status_optimal": "最优（在间隙范围内已证明）",
    "status_feasible": "可行：求解因{termination}而停止，方案未被证明最优",
    "status_infeasible": "无方案：没有方案能满足全部目标和限制",
    "status_no_solution": "无方案：求解在找到任何方案之前因{termination}而停止",
    "status_unbounded": "无方案：模型无界",
    "status_other": "无方案（{status}，{termination}）",
    "certified": "全部约束族均成立（已对照算例核验 {families} 个约束族）",
    "not_certified": "该方案与本算例不符：{families}",
    "not_checked": "未核验",
    "not_proven": "该方案未被证明最优：求解因限制而停止，最优性间隙为 {gap}。",
    # key figures
    "kpi": "关键指标", "value": "数值", "unit": "单位",
    "kpi_names": {
        "land_income": "土地出让收入", "forgone_land_income": "放弃的土地出让收入",
        "industrial_output": "工业产值", "total_investment": "总投资",
        "covered_investment": "覆盖范围内的投资",
        "external_financing": "覆盖范围内的外部融资", "coverage": "外部融资覆盖率",
        "financing_cost": "融资成本", "own_funds_used": "已用自有资金",
        "own_funds_available": "可用自有资金", "industrial_area": "工业用地面积",
        "rezoned_area": "调整用途面积", "relocation_cost": "搬迁成本",
        "debt_service": "规划期内还本付息",
        "debt_service_beyond_horizon": "规划期后还本付息",
        "recycling_proceeds": "资产盘活收入", "land_income_pv": "土地出让收入（现值）",
        "industrial_output_pv": "工业产值（现值）",
        "compatibility_penalty": "相邻用途罚金", "industrial_boundary": "工业用地边界",
        "value": "所选用途和项目的价值",
    },
    # tables
    "source": "资金来源", "category": "类别", "total": "合计", "kind": "类型", "external": "外部资金",
    "cap": "额度上限", "drawn": "已提款", "share_of_cap": "占上限比例", "interest": "利息",
    "fixed_cost": "安排费用", "yes": "是", "no": "否",
    "need": "需求", "external_paid": "外部资金来源", "other_sources": "其他来源",
    "own_funds": "自有资金", "in_scope": "在覆盖范围内",
    "period": "时期", "after_horizon": "规划期后",
    "period_cols": {"draws": "提款", "own_funds": "自有资金", "land_income": "土地出让收入",
                    "industrial_output": "工业产值", "debt_service": "还本付息",
                    "asset_income": "资产收入", "recycling_proceeds": "资产盘活收入",
                    "cash_balance": "现金余额", "rezoned_area": "调整用途", "industrial_area": "工业用地面积"},
    "parcel": "地块", "current_use": "现状用途", "new_use": "规划用途", "area": "面积",
    "forgone_income": "放弃的土地出让收入", "output": "产值",
    "more_rows": "……另有 {count} 行（见 {file}）",
    "no_parcels_rezoned": "没有地块调整用途。",
    "nothing_drawn": "未从任何资金来源提款。",
    "term": "目标项", "weight": "权重", "sense": "方向", "contribution": "贡献",
    "sense_max": "最大化", "sense_min": "最小化",
    "term_names": {"land_income": "土地出让收入", "industrial_output": "工业产值",
                   "coverage": "覆盖范围内的外部融资", "financing_cost": "融资成本",
                   "compatibility_penalty": "相邻用途罚金", "boundary_penalty": "边界罚金",
                   "value": "所选用途和项目的价值", "offset": "常数项"},
    # limits
    "limit": "限制", "price": "影子价格", "price_per": "{price}{money}/{unit}", "current_limit": "当前限值",
    "slack": "松弛量", "holds_for": "价格适用的限值区间",
    "fixed_by_plan": "由方案固定", "meaning": "含义",
    "limits_note": ("影子价格以本方案为前提：各地块用途、项目和已启用的资金来源都按方案保持不变，只重新优化提款、"
                    "自有资金和现金。价格是将该限制放宽一个单位所增加的目标值（元）；仅由方案决策构成的限制"
                    "（资源配额、面积界限）价格为 0，因为只有另一个方案才能更多地利用它。"),
    "no_binding": "没有限制对本方案起约束作用。",
    "limits_skipped": "未计算影子价格：{reason}",
    "limits_rejected": "方案与算例不符",
    "limits_reason": "{reason}",
    "limits_not_asked": "未要求计算",
    "limits_no_lp": "固定方案的线性规划以 {status} 结束",
    "fixed_plan_objective": "重新优化提款后的方案目标值：{objective}（方案原值：{written}）。",
    # explanation
    "explanation_intro": "本算例没有可行方案。最接近的方案需要放宽以下目标或限制：",
    "constraint": "目标或限制", "member": "对象", "shortfall": "缺口", "in_words": "说明",
    "shortfall_sentence": "{limit}：缺口 {amount}",
    "no_relaxation": "放宽目标和限制都无法得到方案：冲突存在于固定决策之间（锁定、必建项目、每块地一种用途）。",
    "relaxation_stopped": "在找到最小放宽之前，搜索已停止（{status}）。",
    "relaxation_not_smallest": "求解因限制而停止：此放宽未被证明是最小的。",
    "explanation_feasible": "解释过程找到了满足全部目标和限制的方案。",
    "no_explanation": "无解释：{reason}",
    "explanation_from": "解释{origin}。",
    "origin_recorded": "由求解时记录",
    "origin_computed": "由本报告根据算例计算",
    "iis_note": "不可约不可行子集{note}。",
    "severity": "严重程度", "check": "检查", "where": "位置", "message": "发现",
    # pictures
    "map_caption": "各地块的规划用途；调整用途的地块以黑圈标出。",
    "draws_caption": "各资金来源的提款额，按类别堆叠（{unit}）。",
    "period_draws_caption": "各资金来源的提款额，按时期堆叠（{unit}）。",
    "no_pictures": "未绘制图片：{reason}",
    "no_map": "未绘制地图：{reason}",
    "no_picture": "未绘制图片：{reason}",
    "picture_reasons": {"optim plot needs matplotlib: pip install 'optim[plot]'":
                        "绘图需要 matplotlib：请安装 optim[plot]",
                        "the parcels have no coordinates (x, y): the instance's parcels have no x, y columns":
                        "地块没有坐标（x, y）：算例的地块表没有 x、y 列"},
    "pictures": {
        "map_title": "各地块的规划用途", "map_title_named": "{name}：各地块的规划用途",
        "use_count": "{use}（{count} 块）", "rezoned": "调整用途（{count} 块，{area} 亩）",
        "legend_use": "规划用途\n（标记面积与地块面积成比例）", "legend_use_polygons": "规划用途",
        "x": "横坐标（{unit}）", "y": "纵坐标（{unit}）", "lon": "经度（度）", "lat": "纬度（度）",
        "easting": "东向坐标（公里，{crs}）", "northing": "北向坐标（公里）",
        "no_unit": "未说明单位：请设置 units.coordinates", "km": "公里", "m": "米",
        "draws_title": "按资金来源和{by}的提款", "by_category": "类别", "by_period": "时期",
        "source": "资金来源", "amount": "提款额（{unit}）", "nothing_drawn": "未提款",
    },
    # ---- the index page of a study ---------------------------------------------------------
    "index_title": "参数扫描：{instance}", "pareto_title": "帕累托前沿：{instance}",
    "h_study": "研究概况", "h_runs": "各次运行", "h_points": "前沿上的点", "h_spread": "结果分布",
    "design": "设计", "designs": {"grid": "网格（全部组合）", "tornado": "龙卷风图（每次改变一个参数）",
                                "montecarlo": "蒙特卡罗（随机抽样）"},
    "runs_count": "运行次数", "outcomes": "结果", "outcome_count": "{status} {count} 次",
    "parameter": "参数", "how": "改变方式", "how_set": "设为", "how_scale": "乘以",
    "base_value": "基准值", "values_swept": "取值", "varies_by_row": "各行不同",
    "run": "编号", "point": "点", "level": "水平", "levels": {"base": "基准", "low": "低值", "high": "高值"},
    "report": "报告", "report_link": "报告", "why": "无方案的原因",
    "settings_note": "加粗的取值与基准算例（{file}）不同；已生成报告的运行附有报告链接。",
    "same_in_all": "所有有方案的运行中相同：{items}。",
    "run_status": {"optimal": "最优", "feasible": "可行（未证明最优）", "infeasible": "无方案",
                   "invalid": "输入无效", "no_solution": "限制内未找到方案", "unbounded": "无界",
                   "error": "求解出错"},
    "figure": "指标", "least": "最小值", "median": "中位数", "most": "最大值",
    "runs_with_plan": "有方案的运行：{total} 次中的 {count} 次。", "list_sep": "；", "then": "：",
    "no_runs": "本研究没有运行。",
    "run_not_certified": "方案未通过独立核验",
    "more_runs": "……另有 {count} 次运行（见 {file}）",
    "front_x": "{name}（横轴）", "front_y": "{name}（纵轴）", "on_front": "在前沿上", "mrs": "边际替代率",
    "mrs_note": "边际替代率：相邻两点之间，每增加 1 元{y}所放弃的{x}（元）。",
    "objective_names": {"land_income": "土地出让收入", "industrial_output": "工业产值",
                        "coverage": "覆盖范围内的外部融资", "financing_cost": "融资成本"},
}

# ---- the draft against the optimum (`optim report EVAL_DIR`) and the parcels' importance -----------
EN.update({
    "eval_title": "Draft against the optimum: {instance}",
    "h_draft_summary": "The draft and the optimum", "h_gain": "What the draft gives up",
    "h_eval_kpis": "Key figures of the draft and the optimum", "h_changed": "Parcels whose use differs",
    "h_front": "The fewest changes that get most of the gain", "h_violations": "What the draft breaks",
    "draft": "Draft", "draft_file": "Draft file", "draft_parcels": "Parcels the draft sets",
    "draft_parcels_value": "{listed} listed ({kept} not listed keep their current use)",
    "draft_rezoned": "Rezoned by the draft", "draft_rezoned_value": "{count} parcels, {area}",
    "draft_objective": "Objective of the draft", "optimum_objective": "Objective of the optimum",
    "gives_up": "Gives up: optimum − draft", "optimum": "Optimum", "difference": "Difference: optimum − draft",
    "verdict_optimal": "The draft is optimal: it gives up nothing against the optimum.",
    "verdict_gives_up": ("The draft gives up {amount} of objective against the optimum ({share} of the "
                         "optimum's objective); {count} parcels have another use in the optimum."),
    "verdict_gains": "The draft's objective is {amount} above the optimum's, within the solver's gap.",
    "verdict_infeasible": "The draft has no plan: no way of funding it meets every target and limit.",
    "verdict_repair": "The fewest parcels to change for a plan: {count} (the best such plan: {objective}).",
    "verdict_no_optimum": "The instance itself has no plan: there is no optimum to compare the draft with.",
    "eval_certified": "every plan of the evaluation holds against the instance, and the draft's decisions are kept",
    "eval_not_certified": "a plan of the evaluation does NOT hold against the instance",
    "gain_note": ("Each objective term's contribution to the objective (weight × value; output counts "
                  "per year). What the draft leaves open (draws, own funds, phasing) is optimised for it, "
                  "as for the optimum."),
    "draft_use": "Use in the draft", "optimum_use": "Use in the optimum",
    "draft_land_income": "Land income, draft", "optimum_land_income": "Land income, optimum",
    "draft_output": "Output, draft", "optimum_output": "Output, optimum",
    "no_changed": "Every parcel has the same use in the draft and in the optimum.",
    "changed_caption": ("Parcels whose use differs, coloured by the change (the draft's use → the optimum's); "
                        "every other parcel in grey."),
    "changes": "Parcels changed (K)", "gain": "Gain over the draft", "share_of_gain": "Share of the whole gain",
    "plan_status": "Status", "changed_parcels": "Parcels changed",
    "fewest_for": "Fewest parcels to change for {share} of the gain: {count}.",
    "front_from_draft": "Gain over the draft: the best plan within K changes of the draft minus the draft.",
    "front_from_first": ("The draft has no plan: the gains are counted from the first plan of the front "
                         "(K = {k})."),
    "front_caption": "The gain of the best plan within K changes of the draft ({unit}), for each K.",
    "no_front": "The changes front was not asked for (optim evaluate --changes-front).",
    "plan_status_words": {"optimal": "optimal", "feasible": "feasible (not proven optimal)",
                          "infeasible": "no plan", "no_solution": "no plan found within the limit"},
    "violations_intro": "The draft as drawn needs these targets or limits relaxed:",
    "h_importance": "What each parcel is worth",
    "imp_intro_free": ("Importance: the objective lost if the parcel's use in the plan were forbidden, every "
                       "other decision (other parcels included) re-optimised."),
    "imp_intro_keep": ("Importance: the objective lost if the parcel's use in the plan were forbidden, every "
                       "other parcel keeping its use (a negative figure: changing it alone would gain)."),
    "imp_source": "From {file}: the parcels of {plan}, objective {objective}.",
    "imp_plan_optimum": "the optimum", "imp_plan_draft": "the draft {name}",
    "imp_counts": ("{parcels} parcels: {exact} exact, {bound} bounded by the screen, {required} required, "
                   "{fixed} with no other use."),
    "imp_top_proven": "The {top} re-solved first are proven the most important.",
    "imp_top_not_proven": "The screen does not prove that the {top} re-solved first are the most important.",
    "imp_mismatch": ("The importance was computed for another plan: {count} parcels have another use there "
                     "than in this plan ({examples})."),
    "imp_caption": ("Importance of each parcel ({unit}); required parcels in black, bounds outlined in "
                    "grey, parcels not evaluated or with no other use pale."),
    "rank": "Rank", "use_in_plan": "Use in the plan", "importance": "Importance",
    "importance_interval": "Interval", "imp_kind": "Figure", "use_instead": "Use instead",
    "bid_price": "Bid price", "bid_use": "Bid for", "per_mu": "{unit} per mu",
    "imp_kinds": {"exact": "exact", "bound": "bound", "required": "required", "fixed": "no other use"},
    "required_value": "required",
    "bid_note": ("Bid price: how much more output per mu of its best other use would make rezoning a parcel "
                 "the plan keeps worthwhile."),
    "imp_shown": "The {shown} most important of {count} parcels (all in {file}).",
    "pictures_draft": {"title": "Parcels whose use differs from the optimum", "legend": "draft → optimum",
                       "change": "{draft} → {optimum} ({count} parcels, {area} mu)",
                       "same": "same use ({count} parcels)"},
    "pictures_importance": {"title": "Importance of each parcel", "colour": "importance ({unit})",
                            "required": "required ({count} parcels)", "bound": "bound from the screen ({count})",
                            "none": "not evaluated or no other use ({count})"},
    "pictures_front": {"title": "What changing K parcels of the draft gains", "line": "best plan within K changes",
                       "optimal": "proven optimal", "not_optimal": "not proven optimal",
                       "x": "parcels changed from the draft (K)", "y": "gain over the draft ({unit})"},
})

ZH.update({
    "eval_title": "规划草案与最优方案对比：{instance}",
    "h_draft_summary": "草案与最优方案", "h_gain": "草案的损失",
    "h_eval_kpis": "草案与最优方案的关键指标", "h_changed": "用途不同的地块",
    "h_front": "以最少的改动获得大部分收益", "h_violations": "草案违反的目标或限制",
    "draft": "草案", "draft_file": "草案文件", "draft_parcels": "草案设定的地块",
    "draft_parcels_value": "列出 {listed} 块（未列出的 {kept} 块保持现状用途）",
    "draft_rezoned": "草案调整用途", "draft_rezoned_value": "{count} 块，{area}",
    "draft_objective": "草案的目标值", "optimum_objective": "最优方案的目标值",
    "gives_up": "损失：最优 − 草案", "optimum": "最优方案", "difference": "差额：最优 − 草案",
    "verdict_optimal": "草案即为最优方案：与最优方案相比没有任何损失。",
    "verdict_gives_up": "与最优方案相比，草案少得目标值 {amount}（占最优目标值的 {share}）；最优方案中有 {count} 块地块的用途与草案不同。",
    "verdict_gains": "草案的目标值比最优方案高 {amount}，在求解器的最优性间隙之内。",
    "verdict_infeasible": "草案没有可行方案：任何资金安排都无法同时满足全部目标和限制。",
    "verdict_repair": "得到可行方案至少需要改动 {count} 块地块（其中最好的方案目标值为 {objective}）。",
    "verdict_no_optimum": "本算例本身没有可行方案：没有可与草案比较的最优方案。",
    "eval_certified": "评估中的每个方案均与算例相符，且草案的决策均得到保持",
    "eval_not_certified": "评估中有方案与算例不符",
    "gain_note": "各目标项对目标值的贡献（权重 × 数值；产值按年计）。草案未定的部分（提款、自有资金、分期）与最优方案一样经过优化。",
    "draft_use": "草案用途", "optimum_use": "最优方案用途",
    "draft_land_income": "土地出让收入（草案）", "optimum_land_income": "土地出让收入（最优）",
    "draft_output": "产值（草案）", "optimum_output": "产值（最优）",
    "no_changed": "草案与最优方案中每块地块的用途都相同。",
    "changed_caption": "用途不同的地块，按改变方式着色（草案用途 → 最优方案用途）；其余地块为灰色。",
    "changes": "改动地块数（K）", "gain": "相对草案的收益", "share_of_gain": "占全部收益的比例",
    "plan_status": "状态", "changed_parcels": "改动的地块",
    "fewest_for": "获得 {share} 收益至少需改动的地块数：{count}。",
    "front_from_draft": "相对草案的收益：与草案相差至多 K 块地块的最好方案的目标值减去草案的目标值。",
    "front_from_first": "草案没有可行方案：收益从前沿上第一个有方案的点（K = {k}）起算。",
    "front_caption": "与草案相差至多 K 块地块的最好方案相对草案的收益（{unit}）。",
    "no_front": "未计算改动前沿（optim evaluate --changes-front）。",
    "plan_status_words": {"optimal": "最优", "feasible": "可行（未证明最优）", "infeasible": "无方案",
                          "no_solution": "限制内未找到方案"},
    "violations_intro": "按草案原样实施，需要放宽以下目标或限制：",
    "h_importance": "各地块的重要性",
    "imp_intro_free": "重要性：若禁止地块在方案中的用途，目标值减少的数额；其余决策（包括其他地块）均重新优化。",
    "imp_intro_keep": "重要性：若禁止地块在方案中的用途，目标值减少的数额；其他地块保持原用途（为负数时表示单独改动该地块反而更好）。",
    "imp_source": "来自 {file}：{plan}的地块，目标值 {objective}。",
    "imp_plan_optimum": "最优方案", "imp_plan_draft": "草案（{name}）",
    "imp_counts": "共 {parcels} 块地块：{exact} 块精确求得，{bound} 块由筛选给出界限，{required} 块必需，{fixed} 块无其他用途。",
    "imp_top_proven": "最先重新求解的 {top} 块已被证明是最重要的。",
    "imp_top_not_proven": "筛选未能证明最先重新求解的 {top} 块是最重要的。",
    "imp_mismatch": "重要性是针对另一个方案计算的：其中有 {count} 块地块的用途与本方案不同（{examples}）。",
    "imp_caption": "各地块的重要性（{unit}）；必需的地块为黑色，由筛选给出界限的地块以灰边标出，未评估或无其他用途的地块为浅色。",
    "rank": "排名", "use_in_plan": "方案用途", "importance": "重要性",
    "importance_interval": "区间", "imp_kind": "结果类型", "use_instead": "替代用途",
    "bid_price": "竞价", "bid_use": "竞价用途", "per_mu": "{unit}/亩",
    "imp_kinds": {"exact": "精确", "bound": "界限", "required": "必需", "fixed": "无其他用途"},
    "required_value": "必需",
    "bid_note": "竞价：方案保持现状的地块，其最佳其他用途每亩产值至少需提高多少，调整该地块才值得。",
    "imp_shown": "{count} 块地块中最重要的 {shown} 块（全部见 {file}）。",
    "pictures_draft": {"title": "与最优方案用途不同的地块", "legend": "草案 → 最优方案",
                       "change": "{draft} → {optimum}（{count} 块，{area} 亩）",
                       "same": "用途相同（{count} 块）"},
    "pictures_importance": {"title": "各地块的重要性", "colour": "重要性（{unit}）",
                            "required": "必需（{count} 块）", "bound": "筛选给出的界限（{count} 块）",
                            "none": "未评估或无其他用途（{count} 块）"},
    "pictures_front": {"title": "改动草案中 K 块地块所得的收益", "line": "至多改动 K 块的最好方案",
                       "optimal": "已证明最优", "not_optimal": "未证明最优",
                       "x": "相对草案改动的地块数（K）", "y": "相对草案的收益（{unit}）"},
})

CATALOGUES: dict[str, dict[str, Any]] = {"en": EN, "zh": ZH}


class Texts:
    """The words of one language: `t(key, **values)` formats a template."""

    def __init__(self, lang: str = "en"):
        if lang not in CATALOGUES:
            raise KeyError(f"no texts for language {lang!r} (available: {', '.join(sorted(CATALOGUES))})")
        self.lang = lang
        self.catalogue = CATALOGUES[lang]

    def __call__(self, key: str, **values: Any) -> str:
        return str(self.catalogue[key]).format(**values)

    @property
    def own_words(self) -> bool:
        """The catalogue words the analyses' findings itself (analysis_words False)."""
        return not self.catalogue["analysis_words"]

    def named(self, table: str, name: str) -> str:
        """A name from one of the catalogue's tables (KPIs, terms, period columns);
        a name it does not know is shown as written, underscores as spaces."""
        return self.catalogue[table].get(name) or str(name).replace("_", " ")

    def head(self, label: str, unit: str) -> str:
        """A heading with its unit: 'Cap (M yuan)', '额度上限（亿元）'."""
        return self("head_unit", label=label, unit=unit) if unit else label

    def word(self, table: str, name: Any) -> str:
        """A word of one of the catalogue's tables, or `name` as it is (an id, a status)."""
        return str(self.catalogue[table].get(str(name), name))

    def unit(self, unit: str) -> str:
        """A unit as the tables name it, in this language (a unit the catalogue does
        not know, such as a resource's own unit, is shown as the instance writes it)."""
        return self.catalogue["units"].get(unit, unit)

    def limit_name(self, family: str, parts: tuple = ()) -> str:
        """One constraint row in planner terms ("resource cap of energy"), from the
        family's name and the parts of its row label. A catalogue may word a family
        itself (``families``: a template with {0}, {1}, ...); else the family's
        declaration does (optim/model/families.py)."""
        own = self.catalogue.get("families", {}).get(family)
        if own is not None:
            try:
                return own.format(*parts)
            except (IndexError, KeyError):
                pass
        spec = SPECS.get(family)
        if spec is None:
            return f"{family}[{', '.join(map(str, parts))}]" if parts else family
        return spec.row_name(tuple(parts) if parts else None)

    def family_title(self, family: str) -> str:
        """A family as a whole ("source caps"): the catalogue's, else its declaration's."""
        own = self.catalogue.get("family_titles", {}).get(family)
        if own is not None:
            return own
        spec = SPECS.get(family)
        return spec.title if spec is not None and self.lang == "en" else family

    def shortfall(self, family: str, parts: tuple, message: str, amount: str, limit: str | None = None) -> str:
        """The sentence for one relaxed target or limit of the explanation: the
        analysis's own `message`, or the catalogue's template for the family (with
        the `amount` and, when it uses it, the `limit`), else its generic one."""
        if self.catalogue["analysis_words"] and message:
            return message
        name = self.limit_name(family, parts)
        own = self.catalogue.get("shortfalls", {}).get(family)
        if own is not None and (limit is not None or "{limit}" not in own):
            try:
                return own.format(*parts, name=name, amount=amount, limit=limit)
            except (IndexError, KeyError):
                pass
        return self("shortfall_sentence", limit=name, amount=amount)

    def iis_bound(self, item: dict[str, Any], value: Any, upper: Any) -> str:
        """A bound of the conflicting constraints (`optim.analysis.explain.IisItems`)
        in the catalogue's words; `value`, `upper`: its figures, formatted."""
        parts = tuple(p for p in str(item.get("member") or "").split(", ") if p)
        own = self.catalogue["variables"].get(str(item.get("variable")))
        try:
            name = own.format(*parts) if own is not None else str(item.get("variable"))
        except (IndexError, KeyError):
            name = str(item.get("variable"))
        template = self.catalogue["iis_bounds"].get(str(item.get("bound")), "{name}")
        try:
            return template.format(*parts, name=name, value=value, upper=upper)
        except (IndexError, KeyError):
            return name

    def where(self, where: str) -> str:
        """The place of a presolve finding ("parcel A", "projects") in this language;
        ids and the instance's keys (policy.own_funds_budget) stay as they are."""
        words = self.catalogue["where_words"]
        if where in words:
            return words[where]
        head, _, rest = str(where).partition(" ")
        return f"{words[head]} {rest}" if head in words and rest else str(where)

    def status(self, status: str, termination: str) -> str:
        key = f"status_{status}"
        if key not in self.catalogue:
            key = "status_other"
        return self(key, status=status, termination=self.word("terminations", termination))


def languages() -> list[str]:
    return sorted(CATALOGUES)


def texts_for(lang: str) -> Texts:
    """The catalogue of `lang`; `InstanceError` naming --lang and the languages there are."""
    try:
        return Texts(lang)
    except KeyError:
        raise InstanceError([Problem("--lang", f"no report texts for {lang!r} "
                                               f"(available: {', '.join(languages())})")]) from None


__all__ = ["Texts", "CATALOGUES", "EN", "ZH", "languages", "texts_for"]
