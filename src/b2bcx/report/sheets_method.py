"""The Method sheet: formulas in words, role weights, inputs, version, config as used."""

from __future__ import annotations

import math

import pandas as pd
import yaml
from openpyxl.styles import Alignment, Font
from openpyxl.worksheet.worksheet import Worksheet

from b2bcx.config.models import Config, config_as_used
from b2bcx.io.worksheet import put_text_safely
from b2bcx.report.layout import write_heading, write_lines, write_table, write_title
from b2bcx.results import ReportInputs

MONO = Font(name="DejaVu Sans Mono", size=9)
RUN_TIME = "run time"
RULE_WIDTH = 100
ROLLUP_WORDS = {
    "role_weighted": "the role-weighted mean of the role {within}s",
    "mean": "the mean over the account's respondents (every respondent counts equally)",
    "waterfall": "the {within} of the highest-weighted role present",
}


def method_rows(config: Config) -> list[tuple[str, str]]:
    """(topic, rule in words) for every number in the workbook (docs/method.md)."""
    return [*_score_rows(config), *_rollup_rows(config), *_analysis_rows()]


def _score_rows(config: Config) -> list[tuple[str, str]]:
    return [
        ("item score", "s = 100 × (v − lo) / (hi − lo) on the scale's bounds; a reverse-coded item scores 100 − s. \"Don't know\", N/A, blanks and configured missing codes are missing, never zero."),
        ("pillar score", "Mean of the respondent's answered item scores in the pillar (weighted by item weights if set), when at least min_items are answered (default: half the items, rounded up); else missing."),
        ("CX index", f"Mean of the respondent's pillar scores ({'equal weights' if config.index.weights == 'equal' else 'weights from index.weights'}), when at least half of the pillars (rounded up) are present. All scores are 0-100."),
        ("NPS", "Promoters answer 9-10, passives 7-8, detractors 0-6; NPS = 100 × (share of promoters − share of detractors), −100..100."),
    ]  # fmt: skip


def _rollup_rows(config: Config) -> list[tuple[str, str]]:
    rollup, flags = config.rollup, config.flags
    method = ROLLUP_WORDS[rollup.method].format(within=rollup.within_role)
    decision = config.roles.decision_role or "(none configured)"
    return [
        ("account roll-up", f"Account score = {method} (rollup.method: {rollup.method}). Role-weighted: I_a = Σ w_r m_ar / W_a over the roles r present, W_a = Σ w_r of those roles (missing_roles: {rollup.missing_roles}). {_too_few(rollup.min_respondents)}"),
        ("account NPS", "100 × Σ w_r (p_ar − d_ar) / W_a, with p/d the role's shares of promoters and detractors."),
        ("coverage", "Share of the role weight that answered: Σ w_r of the roles present / Σ w_r of all roles."),
        ("standard error", "SE_a = √( Σ (w_r / W_a)² σ_r² / n_ar ), σ_r² = pooled within-account variance of role r over the whole file."),
        ("variance fallback", "A role never heard twice in one account (N_r − A_r = 0) borrows the within-account variance pooled over all roles, Σ_r Σ_a Σ_i (x − m_ar)² / Σ_r (N_r − A_r); the Data quality sheet names the roles that borrowed it."),
        ("95% interval", "I_a ± t(df, 0.975) SE_a, clipped to 0..100, with Satterthwaite degrees of freedom df = (Σ_r c_r σ_r²)² / Σ_r (c_r σ_r²)² / (N_r − A_r), c_r = (w_r/W_a)²/n_ar (a borrowing role's term spread over the roles' own sums of squares); empty only when no variance is defined, and then the account is 'not testable', never 'unchanged'."),
        ("reliability and index_eb (the Shrunk CX index)", "Fay–Herriot empirical Bayes: τ² (between-account variance) by REML from (I_a, SE_a); μ = Σ u_a I_a / Σ u_a with u_a = 1/(τ² + SE_a²); reliability B_a = τ²/(τ² + SE_a²); index_eb = μ + B_a (I_a − μ). Every ranked list sorts on index_eb. Reference: R metafor rma(method = \"REML\") + blup()."),
        ("index_eb interval (Shrunk index 95% CI)", "index_eb ± t(df, 0.975) index_eb_se, clipped to 0..100 (z where df is undefined). index_eb_se = √(g1 + g2 + 2 g3) (Prasad–Rao, Datta–Lahiri; Rao & Molina 2015 §6.2) at Li & Lahiri's (2010) adjusted-likelihood τ̃², the maximiser of l_REML(τ²) + log τ², never 0 (REML τ² below 4 accounts): γ = τ̃²/(τ̃² + D_a), g1 = γ D_a, g2 = (1 − γ)² / Σ 1/(τ̃² + D_j), g3 = D_a² (τ̃² + D_a)⁻³ · 2 / Σ (τ̃² + D_j)⁻², D_a = SE_a². index_eb and reliability stay on the REML τ²."),
        ("account NPS interval", "Kish effective size n_eff = 1 / Σ (w_r/W_a)² / n_ar over NPS respondents; adjusted Wald (Rocks 2016): p̃ = (n_eff p + ¾)/(n_eff + 3), d̃ likewise, 100(p̃ − d̃) ± 1.96 × 100 √((p̃ + d̃ − (p̃ − d̃)²)/(n_eff + 3)), clipped to −100..100."),
        ("flags", f"single_contact (one respondent); no_decision_maker (no {decision} answered); decision_maker_detractor (a {decision} scored NPS 0-6); role_gap (highest − lowest role mean index ≥ {flags.role_gap:g} points, two roles or more); low_coverage (coverage < {flags.low_coverage:g}); low_reliability (reliability < {flags.low_reliability:g}); low_agreement (rwg_j < {flags.low_agreement:g}, from 3 respondents who answered every statement); insufficient_n (fewer than {rollup.min_respondents} respondents)."),
        ("agreement (rwg_j)", "James, Demaree & Wolf (1984): over the index's statements, on the raw answers (reverse-coded ones reversed), respondents who answered every statement: S̄ = mean of each statement's s²/σ²_EU (σ²_EU = (A² − 1)/12 for A answer options), capped at 1; rwg_j = J(1 − S̄)/(J(1 − S̄) + S̄). Shown from 3 such respondents. Reference: R multilevel::rwg.j."),
        ("ICC and contacts needed", "One-way ANOVA of the respondent CX index by account (Bliese 2000): ICC(1) = (MSB − MSW)/(MSB + (k̄ − 1) MSW), k̄ = N/G; ICC(2) = (MSB − MSW)/MSB. Spearman–Brown: k* = R(1 − ICC1)/(ICC1 (1 − R)) respondents give an account mean reliability R = flags.low_reliability; contacts_needed = max(0, ⌈k*⌉ − n). Reference: R multilevel::ICC1, ICC2."),
        ("segments and portfolio", f"Mean of the accounts' scores, weights: {rollup.account_weight}. Margins are account-clustered: SE = √(k/(k−1) Σ v_a² (Y_a − Ȳ)²) over the k accounts, for the index and NPS alike (R survey::svymean). The respondent-level NPS margin 100 √((p + d − (p − d)²) / n) is kept as nps_se_srs, with the design effect nps_deff = SE²/SE_srs² and nps_n_eff = n / nps_deff."),
        ("account NPS and respondent NPS", "Account NPS (nps) is the weighted mean over accounts of the role-weighted account NPS; respondent NPS (respondent_nps) is the plain NPS over all respondents, what a survey tool shows."),
        ("tiers", "Pareto on revenue: accounts sorted by revenue, tier A until 80% of cumulative revenue, B until 95%, then C."),
        ("revenue coverage", "Revenue of the accounts heard / revenue of all accounts on the CRM list (practice target ≥ 80%)."),
        ("change vs baseline", "Δ = I_a − I_a(baseline). The test is like for like: delta_lfl over the roles heard in both waves (weights renormalised over them), SE² = Σ (w_r/W_C)² (σ_r²/n_ar + σ'_r²/n'_ar), Satterthwaite df_change; p_change = 2(1 − F_t(|delta_lfl|/SE; df_change)), significant when p_change < 0.05. Flag roles_changed: the people who answered changed (the roles with an index differ)."),
        ("false discovery control", "q_change = Benjamini–Hochberg q-value over the m accounts testable in both waves (R p.adjust(p, \"BH\")); significant_fdr when q ≤ 0.05. Beside every count of movers: m × 0.05 expected by chance, and the accounts not testable."),
        ("paired segment change", "Over a segment's accounts in both waves: Δ̄ = Σ v_a Δ_a, SE = √(k/(k−1) Σ v_a² (Δ_a − Δ̄)²) (R t.test(paired = TRUE) for equal weights), interval Δ̄ ± t(k − 1, 0.975) SE."),
        ("why the portfolio moved", "With B the accounts scored in both waves, E those scored now only (entered) and L those scored before only (left): continuing = Σ_B ū_a (Y1_a − Y0_a) (ū the mean of the two waves' weights within B); weight mix = Σ_B (u1_a − u0_a)(Y1_a + Y0_a)/2; entered = s1_E (Ȳ1_E − Ȳ1_B); left = −s0_L (Ȳ0_L − Ȳ0_B) (s the weight share in its wave). The four add up to the change of the portfolio index exactly. Respondent NPS by role: rate = Σ_g (s0_g + s1_g)/2 (N1_g − N0_g), mix = Σ_g (s1_g − s0_g)(N0_g + N1_g)/2 (Kitagawa 1955)."),
        ("trends", "Per account over three or more waves: the weighted least-squares slope of the index on the wave (weights 1/SE²), shrunk across accounts as the index is; deteriorating when the slope is negative with q ≤ 0.05 (Benjamini–Hochberg). Portfolio: the slope of the account × wave index on the wave, weighted by the account weights, with account-clustered (CR1) standard errors."),
    ]  # fmt: skip


def _analysis_rows() -> list[tuple[str, str]]:
    return [
        ("factor screening", "Per factor over the respondents with an experience group (good/average/poor): mention rate with a Wilson 95% interval, passing at ≥ min_mention_rate; discrimination by the Cochran–Armitage trend test (exact up to 1,000 respondents; Fisher–Freeman–Halton as omnibus) or Kruskal–Wallis for ratings; Benjamini–Hochberg q-values. Important = frequency passes, q ≤ alpha and more mentions in good than in poor experiences."),
        ("key drivers", "Relative importance of the pillar scores for the outcome over complete cases (Johnson's relative weights sum to R²; Shapley/LMG exact over all subsets), a seeded bootstrap 95% interval (resampling whole accounts when the export has an account column), mean performance, and the quadrant against the means: fix first (high importance, low performance), maintain, monitor, possible overkill. A model with R² < 0.05, or whose outcome item is also a driver's item, is shown with a warning and no quadrant (—)."),
    ]  # fmt: skip


def write_method(ws: Worksheet, inputs: ReportInputs) -> None:
    """Fill the Method sheet: rules, role weights, inputs, run, config as used."""
    config = inputs.score.config
    ws.column_dimensions["A"].width = 26
    ws.column_dimensions["B"].width = RULE_WIDTH
    row = write_title(ws, 1, "Method", "How every number in this workbook is computed.")
    rules = pd.DataFrame(method_rows(config), columns=["topic", "rule"])
    end = write_table(ws, rules, row, "Method")
    _wrap_rules(ws, rules, row)
    row = write_heading(ws, end, "Role weights")
    weights = role_weights(config)
    end = write_table(ws, weights, row, "Role weights", {"share": "0.0%"})
    for cells in ws.iter_rows(min_row=row + 1, max_row=end - 2, min_col=2, max_col=2):
        cells[0].alignment = Alignment(horizontal="left", indent=1)
    row = write_heading(ws, end, "Input files")
    row = write_table(ws, file_table(inputs), row, "Input files", {"rows": "#,##0"})
    row = write_heading(ws, row, "Run")
    row = _run_rows(ws, row, inputs) + 1
    row = write_heading(ws, row, "Config as used (YAML)")
    write_lines(ws, row, config_lines(config), font=MONO)
    ws.column_dimensions["A"].width = 26
    ws.column_dimensions["B"].width = RULE_WIDTH


def _wrap_rules(ws: Worksheet, rules: pd.DataFrame, header_row: int) -> None:
    """Wrap the rule texts and size their rows (spreadsheets do not auto-fit on open)."""
    for offset, text in enumerate(rules["rule"], start=1):
        cell = ws.cell(row=header_row + offset, column=2)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        ws.cell(row=header_row + offset, column=1).alignment = Alignment(
            vertical="top", indent=1
        )
        lines = math.ceil(len(text) / (RULE_WIDTH * 1.1))
        ws.row_dimensions[header_row + offset].height = 15 * max(lines, 1)


def role_weights(config: Config) -> pd.DataFrame:
    """``role, weight, share`` of the configured role weights."""
    weights = pd.Series(config.role_weights, dtype=float)
    return pd.DataFrame(
        {
            "role": weights.index,
            "weight": weights.values,
            "share": weights / weights.sum(),
        }
    ).reset_index(drop=True)


def file_table(inputs: ReportInputs) -> pd.DataFrame:
    """``file, sha256, kind, rows`` of every input."""
    records = [(f.path, f.sha256, f.kind, f.rows) for f in inputs.files]
    return pd.DataFrame(records, columns=["file", "sha256", "kind", "rows"])


def _run_rows(ws: Worksheet, row: int, inputs: ReportInputs) -> int:
    when = (
        inputs.run_time.isoformat(timespec="seconds")
        if inputs.run_time
        else "not recorded (b2bcx report --run-time)"
    )
    for key, value in (("b2bcx version", inputs.version), (RUN_TIME, when)):
        put_text_safely(ws, row, 1, key)
        put_text_safely(ws, row, 2, value)
        row += 1
    return row


def config_lines(config: Config) -> list[str]:
    """The effective config as YAML, one line per row."""
    text = yaml.safe_dump(
        config_as_used(config), sort_keys=False, allow_unicode=True, width=120
    )
    return text.splitlines()


def _too_few(least: int) -> str:
    """Which accounts get no score, in words (none of those heard under 2)."""
    if least <= 1:
        return "Every account heard gets a score."
    return f"Accounts with fewer than {least} respondents get no score."
