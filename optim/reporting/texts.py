"""Every word of the report, per language: headings, labels, units and sentences.

The page (optim/reporting/page.py) never writes a word of its own: it asks a
`Texts` for each heading, label, unit and sentence by key, and each figure is
formatted by `optim.reporting.numbers.figure` with the number conventions of
the same catalogue. A language is one more entry of `CATALOGUES` with the same
keys (`tests/test_report.py` checks that every catalogue has every key of the
English one and that every key the page asks for exists).

Sentences found by the analyses (the explanation of "no plan", the meaning of
a binding limit) come in the analyses' own words; a catalogue with
``"analysis_words": False`` gets them built from the structured fields
(constraint, member, amount, unit) with its own templates instead.
"""

from __future__ import annotations

from typing import Any

from ..model.families import SPECS

# ---- English -------------------------------------------------------------------------------
EN: dict[str, Any] = {
    "lang": "en",
    "analysis_words": True,  # the analyses' own sentences (English) are used as they are
    "numbers": {
        "thousands": ",", "decimal": ".", "missing": "–", "percent": "%",
        # money scales by magnitude: (divisor, unit), the first whose divisor <= |value| is used
        # (the last when none is); English keeps one scale, million yuan, everywhere
        "money": [(1e6, "M yuan")],
        "money_per_year": [(1e6, "M yuan/year")],
        "area": "mu", "length": "km", "ratio": "%",
    },
    # units as the tables name them -> as the report shows them
    "units": {"yuan": "yuan", "mu": "mu", "ratio": "%", "km": "km", "length": "km", "yuan/year": "yuan/year"},
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
    "limit": "Limit", "price": "Shadow price", "per": "per {unit}", "current_limit": "Limit now",
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
    "draws_caption": "Amount drawn from each source, stacked by category (M yuan).",
    "period_draws_caption": "Amount drawn from each source, stacked by period (M yuan).",
    "no_pictures": "Pictures not drawn: {reason}",
    "no_map": "Map not drawn: {reason}",
    "no_picture": "Picture not drawn: {reason}",
}

CATALOGUES: dict[str, dict[str, Any]] = {"en": EN}


class Texts:
    """The words of one language: `t(key, **values)` formats a template."""

    def __init__(self, lang: str = "en"):
        if lang not in CATALOGUES:
            raise KeyError(f"no texts for language {lang!r} (available: {', '.join(sorted(CATALOGUES))})")
        self.lang = lang
        self.catalogue = CATALOGUES[lang]

    def __call__(self, key: str, **values: Any) -> str:
        return str(self.catalogue[key]).format(**values)

    def named(self, table: str, name: str) -> str:
        """A name from one of the catalogue's tables (KPIs, terms, period columns);
        a name it does not know is shown as written, underscores as spaces."""
        return self.catalogue[table].get(name) or str(name).replace("_", " ")

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

    def shortfall(self, family: str, parts: tuple, message: str, amount: str) -> str:
        """The sentence for one relaxed target or limit of the explanation: the
        analysis's own `message`, or the catalogue's template with the `amount`."""
        if self.catalogue["analysis_words"] and message:
            return message
        return self("shortfall_sentence", limit=self.limit_name(family, parts), amount=amount)

    def status(self, status: str, termination: str) -> str:
        key = f"status_{status}"
        if key not in self.catalogue:
            key = "status_other"
        return self(key, status=status, termination=termination)


def languages() -> list[str]:
    return sorted(CATALOGUES)


__all__ = ["Texts", "CATALOGUES", "EN", "languages"]
