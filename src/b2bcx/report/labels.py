"""Words people read in the workbook: column headers and reason labels, not ids.

The data keep their snake_case ids (CSV, JSON, the library); the workbook shows
these labels in the header row of every table, and plain words for flags. The
account table's headers are its columns' own (:mod:`b2bcx.scoring.columns`);
the other tables' are listed here.
"""

from __future__ import annotations

from collections.abc import Mapping

from b2bcx.config.models import Config
from b2bcx.scoring.columns import ACCOUNT_HEADERS
from b2bcx.scoring.columns import pretty as pretty
from b2bcx.scoring.risk import reasons_text as reasons_text

HEADERS = {
    **ACCOUNT_HEADERS,
    "priority": "Chase priority",
    "roles_not_heard": "Roles not heard",
    "silent_contacts": "Contacts who did not answer",
    "silent_decision_makers": "Decision makers who did not answer",
    "icc1": "ICC(1)",
    "icc2": "ICC(2)",
    "k_star": "Respondents for a reliable mean (k*)",
    "role": "Role",
    "respondents": ACCOUNT_HEADERS["n"],  # the same words as an account's n
    "accounts": "Accounts",
    "scored_accounts": "Accounts scored",
    "segment": "Cut",
    "value": "Value",
    "index_se": "CX index standard error",
    "flagged": "Accounts with any flag",  # as the Summary's key figure says it
    "nps_se": "NPS standard error",
    "phase": "Lifecycle phase",
    "priority_pillar": "Priority pillar",
    "priority_score": "Priority pillar score",
    "priority_rank": "Its rank",
    "pillar_average": "Pillar average",
    "priority_below_average": "Priority below average",
    "factor": "Factor id",
    "label": "Factor",
    "count": "Mentions",
    "rate": "Mention rate",
    "rate_ci_low": "Rate 95% CI low",
    "rate_ci_high": "Rate 95% CI high",
    "rate_good": "Rate, good experiences",
    "rate_average": "Rate, average experiences",
    "rate_poor": "Rate, poor experiences",
    "median_good": "Median, good experiences",
    "median_average": "Median, average experiences",
    "median_poor": "Median, poor experiences",
    "test": "Test",
    "statistic": "Statistic",
    "p": "p",
    "p_omnibus": "p (omnibus)",
    "q": "q (adjusted)",
    "effect": "Effect (Cramér's V)",
    "direction": "Direction",
    "pass_frequency": "Mentioned by 25%+",
    "pass_discrimination": "Discriminates",
    "important": "Important",
    "status": "Status",
    "driver": "Driver id",
    "importance": "Importance",
    "importance_pct": "Share of R² (%)",
    "pct_ci_low": "Share 95% CI low (%)",
    "pct_ci_high": "Share 95% CI high (%)",
    "performance": "Performance (0-100)",
    "quadrant": "Quadrant",
    "r2": "R²",
    "warning": "Warning",
    "published": "Published priority",
    "respondent": "Respondent",
    "file": "File",
    "row": "Row",
    "reason": "Reason",
    "severity": "Severity",
    "column": "Column",
    "code": "Code",
    "problem": "Problem",
    "hint": "Hint",
    "what": "What",
    "rows": "Rows",
    "nps_code": "NPS group (1 promoter, -1 detractor)",
    "respondent_nps": "Respondent NPS",
    "nps_se_srs": "NPS standard error (simple)",
    "nps_deff": "NPS design effect",
    "nps_n_eff": "NPS effective respondents",
    "delta_se": "Change standard error",
    "delta_ci_low": "Change 95% CI low",
    "delta_ci_high": "Change 95% CI high",
    "continuing": "Accounts in both waves",
    "weight_mix": "Weights of accounts in both waves",
    "entered": "Accounts that entered",
    "left": "Accounts that left",
    "total": "Total",
    "part": "Part",
    "rate_change": "Within groups",
    "mix": "Mix of groups",
    "slope": "Slope (points per wave)",
    "slope_se": "Slope standard error",
    "slope_eb": "Shrunk slope",
    "slope_reliability": "Slope reliability",
    "p_slope": "p (slope)",
    "q_slope": "q (slope)",
    "deteriorating": "Deteriorating",
    "waves": "Waves",
    "wave": "Wave",
    "trend": "Trend",
    "nps_promoters": "Promoters",
    "nps_detractors": "Detractors",
    "promoter_share": "Promoter share",
    "detractor_share": "Detractor share",
    "measure": "Measure",
    "ci": "95% interval",
    "revenue": "Revenue",
    "revenue_at_risk": "Revenue at risk",
    "share_at_risk": "Share of revenue at risk",
    "why": "Why",
    "kind": "Kind",
    "path": "Path",
    "sha256": "SHA-256",
}


def header_labels(config: Config | None = None) -> dict[str, str]:
    """Column id -> header: pillar, composite and outcome ids by their labels too."""
    labels = dict(HEADERS)
    if config is not None:
        labels |= {pid: config.pillar_label(pid) for pid in config.pillars}
        labels |= {cid: pretty(cid) for cid in config.composites}
        labels |= {o: pretty(o) for o in config.outcomes if o != "nps"}
        labels |= {role: pretty(role) for role in config.role_weights}
    return labels


def header(name: str, labels: Mapping[str, str]) -> str:
    """The header for a column id (ids not listed are made readable)."""
    if name in labels:
        return labels[name]
    return pretty(name) if name.islower() else name
