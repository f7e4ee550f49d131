"""``b2bcx value`` against an independent R reference, its guard and its bad input.

The expected values are pinned in ``tests/data/reference/r_value_*.csv``; they were
computed by ``tests/reference/value_reference.R`` (R 4.2.2, brglm2 0.9, pROC 1.18.0)
from R's own shrunken index of the accounts of ``wave2.csv`` and ``single_dm.csv``
(``r_accounts_*.csv``, metafor) and the decisions files ``renewals_wave2.csv`` (37
heard accounts, 18 lost; 3 decisions of accounts never heard; 3 heard accounts
without a decision) and ``renewals_few.csv`` (6 lost: the guard). R is not needed
to run these tests.

Tolerances: 1e-6 absolute for probabilities, odds ratios, AUC, rates and
coefficients (1e-4 relative as well for the Firth fit, an optimiser's result);
amounts in currency (revenue at risk, value of a point) to 1e-6 relative.
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from b2bcx.api.load import load_decisions
from b2bcx.cli import app
from b2bcx.config.models import load_config
from b2bcx.errors import ConfigError, DataError

REF = Path(__file__).resolve().parent / "data" / "reference"
TOL = 1e-6
AMOUNTS = ["revenue_at_risk", "rar_ci_low", "rar_ci_high"]
AMOUNTS += ["value_per_point", "vpp_ci_low", "vpp_ci_high"]
runner = CliRunner()


def run_value(tmp_path: Path, *args: str, config: Path | None = None) -> dict:
    out = tmp_path / "value.json"
    result = runner.invoke(
        app,
        [
            "value",
            str(REF / "wave2.csv"),
            "-c",
            str(config or REF / "value.yaml"),
            *args,
            "-o",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    return json.loads(out.read_text(encoding="utf-8"))


def ml_config(tmp_path: Path) -> Path:
    path = tmp_path / "ml.yaml"
    path.write_text(
        f"extends: {REF / 'value.yaml'}\nvalue:\n  method: ml\n", encoding="utf-8"
    )
    return path


def pinned(name: str, case: str) -> pd.DataFrame:
    table = pd.read_csv(REF / name, dtype={"account": str})
    return table[table["case"] == case].drop(columns="case").reset_index(drop=True)


def close(got: object, want: object, rel: float = 0.0) -> bool:
    if want is None or (isinstance(want, float) and np.isnan(want)):
        return got is None
    return bool(np.isclose(float(got), float(want), rtol=rel, atol=TOL))  # type: ignore[arg-type]


CASES = {
    "firth": ((), None, 1e-4),
    "ml": ((), "ml", 0.0),
    "current": (("--current", str(REF / "single_dm.csv")), None, 1e-4),
}


@pytest.mark.parametrize("case", list(CASES))
def test_summary_and_model_match_r(tmp_path: Path, case: str) -> None:
    """R: brglm2 glm(method = "brglmFit", type = "AS_mean") / glm, pROC ci.auc(delong),
    delta-method amounts recomputed in R (value_reference.R)."""
    args, method, rel = CASES[case]
    config = ml_config(tmp_path) if method == "ml" else None
    payload = run_value(
        tmp_path, "--renewals", str(REF / "renewals_wave2.csv"), *args, config=config
    )
    summary = payload["summary"]
    want = pinned("r_value_summary.csv", case).iloc[0]
    assert summary["k"] == want["k"] and summary["events"] == want["events"]
    assert summary["method"] == want["method"]
    assert summary["applied_to"] == ("current" if case == "current" else "decisions")
    for key in ["odds_ratio", "or_ci_low", "or_ci_high", "auc", "auc_ci_low"]:
        assert close(summary[key], want[key], rel), key
    assert close(summary["auc_ci_high"], want["auc_ci_high"])
    for key in AMOUNTS:
        assert np.isclose(summary[key], want[key], rtol=1e-6, atol=0), key
    model = pd.DataFrame(payload["model"])
    expected = pinned("r_value_model.csv", case)
    assert list(model["term"]) == list(expected["term"])
    for column in ["estimate", "se", "odds_ratio", "or_ci_low", "or_ci_high", "p"]:
        np.testing.assert_allclose(
            model[column], expected[column], rtol=max(rel, 1e-9), atol=TOL
        )


@pytest.mark.parametrize("case", list(CASES))
def test_accounts_and_calibration_match_r(tmp_path: Path, case: str) -> None:
    args, method, rel = CASES[case]
    config = ml_config(tmp_path) if method == "ml" else None
    payload = run_value(
        tmp_path, "--renewals", str(REF / "renewals_wave2.csv"), *args, config=config
    )
    got = pd.DataFrame(payload["accounts"]).set_index("account")
    want = pinned("r_value_accounts.csv", case).set_index("account")
    assert sorted(got.index) == sorted(want.index)
    got = got.loc[want.index]
    for column in ["index_eb", "p", "p_ci_low", "p_ci_high"]:
        np.testing.assert_allclose(got[column], want[column], rtol=rel, atol=TOL)
    for column in ["revenue", "revenue_at_risk"]:
        np.testing.assert_allclose(got[column], want[column], rtol=1e-6)
    at_risk = [a["revenue_at_risk"] for a in payload["accounts"]]
    assert at_risk == sorted(at_risk, reverse=True)
    calibration = pd.DataFrame(payload["calibration"])
    expected = pinned("r_value_calibration.csv", case)
    assert list(calibration["accounts"]) == list(expected["accounts"])
    assert list(calibration["events"]) == list(expected["events"])
    for column in ["p_low", "p_high", "predicted", "observed"]:
        np.testing.assert_allclose(
            calibration[column], expected[column], rtol=rel, atol=TOL
        )


def test_bands_match_r_wilson(tmp_path: Path) -> None:
    """R: prop.test(e, k, correct = FALSE)$conf.int (Wilson 1927)."""
    payload = run_value(tmp_path, "--renewals", str(REF / "renewals_wave2.csv"))
    bands = pd.DataFrame(payload["bands"])
    want = pinned("r_value_bands.csv", "main")
    assert list(bands["band"]) == list(want["band"])
    assert list(bands["accounts"]) == list(want["accounts"])
    for column in ["rate", "rate_ci_low", "rate_ci_high"]:
        np.testing.assert_allclose(bands[column], want[column], atol=TOL)


def test_left_out_accounts_are_counted_and_listed(tmp_path: Path) -> None:
    payload = run_value(tmp_path, "--renewals", str(REF / "renewals_wave2.csv"))
    assert [r["account"] for r in payload["not_heard"]] == ["ACC91", "ACC92", "ACC93"]
    assert [r["account"] for r in payload["no_decision"]] == ["ACC05", "ACC18", "ACC31"]
    assert payload["summary"]["decisions_not_heard"] == 3
    assert payload["summary"]["heard_without_decision"] == 3


def test_guard_below_ten_events_fits_no_model(tmp_path: Path) -> None:
    payload = run_value(tmp_path, "--renewals", str(REF / "renewals_few.csv"))
    summary = payload["summary"]
    assert summary["events"] == 6 and summary["model_fitted"] is False
    for key in ["odds_ratio", "or_ci_low", "auc", "revenue_at_risk", "value_per_point"]:
        assert summary[key] is None
    assert payload["model"] == []
    assert "no model was fitted" in summary["note"]
    assert "6 events" in summary["note"] and "at least 10" in summary["note"]
    bands = pd.DataFrame(payload["bands"])
    want = pinned("r_value_bands.csv", "few")
    for column in ["rate", "rate_ci_low", "rate_ci_high"]:
        np.testing.assert_allclose(bands[column], want[column], atol=TOL)


def test_guard_explained_in_the_terminal() -> None:
    result = runner.invoke(
        app,
        [
            "value",
            str(REF / "wave2.csv"),
            "-c",
            str(REF / "value.yaml"),
            "--renewals",
            str(REF / "renewals_few.csv"),
        ],
    )
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "no model was fitted" in text
    assert "below 50" in text and "odds" not in text


def test_terminal_fits_80_columns_and_never_claims_cause() -> None:
    result = runner.invoke(
        app,
        [
            "value",
            str(REF / "wave2.csv"),
            "-c",
            str(REF / "value.yaml"),
            "--renewals",
            str(REF / "renewals_wave2.csv"),
        ],
        env={"COLUMNS": "80"},
    )
    assert result.exit_code == 0, result.output
    assert max(len(line) for line in result.output.splitlines()) <= 80
    text = " ".join(result.output.split()).lower()
    assert "odds 0.38 times as high" in text and "not proof" in text
    for claim in ("because of", "drives", "caused by", "leads to"):
        assert claim not in text


def test_csv_output_is_the_account_table(tmp_path: Path) -> None:
    out = tmp_path / "value.csv"
    result = runner.invoke(
        app,
        [
            "value",
            str(REF / "wave2.csv"),
            "-c",
            str(REF / "value.yaml"),
            "--renewals",
            str(REF / "renewals_wave2.csv"),
            "-o",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out)
    assert list(table.columns[:8]) == [
        "account",
        "name",
        "index_eb",
        "p",
        "p_ci_low",
        "p_ci_high",
        "revenue",
        "revenue_at_risk",
    ]
    assert len(table) == 37


def test_row_order_of_the_decisions_changes_nothing(tmp_path: Path) -> None:
    lines = (REF / "renewals_wave2.csv").read_text(encoding="utf-8").splitlines()
    body = lines[1:]
    random.Random(7).shuffle(body)
    shuffled = tmp_path / "shuffled.csv"
    shuffled.write_text("\n".join([lines[0], *body]) + "\n", encoding="utf-8")
    first = run_value(tmp_path, "--renewals", str(REF / "renewals_wave2.csv"))
    second = run_value(tmp_path, "--renewals", str(shuffled))
    assert first == second


def test_bad_decisions_rows_are_all_listed(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "Account,Outcome,ARR,DecisionDate\n"
        "ACC01,Renewed,100000,2026-10-01\n"
        "ACC02,Maybe,100000,2026-10-01\n"
        "ACC03,Churned,lots,2026-10-01\n"
        "ACC01,Churned,5000,2026-10-01\n"
        ",Renewed,7000,2026-10-01\n",
        encoding="utf-8",
    )
    out = tmp_path / "value.json"
    result = runner.invoke(
        app,
        [
            "value",
            str(REF / "wave2.csv"),
            "-c",
            str(REF / "value.yaml"),
            "--renewals",
            str(bad),
            "-o",
            str(out),
        ],
    )
    assert result.exit_code == 1
    assert "Traceback" not in result.output and "Maybe" in result.output
    with pytest.raises(DataError) as caught:
        load_decisions(load_config(REF / "value.yaml"), bad)
    found = {(p.row, p.column, p.value): p.problem for p in caught.value.problems}
    assert found == {
        (3, "Outcome", "Maybe"): "unknown event value",
        (4, "ARR", "lots"): "the revenue at stake is not a number",
        (5, "Account", "ACC01"): "account listed twice",
        (6, "Account", None): "the account id is blank",
    }
    assert not out.exists()


def test_unknown_value_key_names_the_nearest(tmp_path: Path) -> None:
    config = tmp_path / "typo.yaml"
    config.write_text(
        f"extends: {REF / 'value.yaml'}\nvalue:\n  bandz: [40, 60]\n", encoding="utf-8"
    )
    result = runner.invoke(
        app,
        [
            "value",
            str(REF / "wave2.csv"),
            "-c",
            str(config),
            "--renewals",
            str(REF / "renewals_wave2.csv"),
        ],
    )
    assert result.exit_code == 1
    assert "value.bandz" in result.output and "value.bands" in result.output


def test_value_xlsx_reads_back_with_a_chart(tmp_path: Path) -> None:
    """``-o FILE.xlsx``: the Value sheet, its numbers read back, the native chart."""
    from openpyxl import load_workbook

    out = tmp_path / "value.xlsx"
    result = runner.invoke(
        app,
        [
            "value",
            str(REF / "wave2.csv"),
            "-c",
            str(REF / "value.yaml"),
            "--renewals",
            str(REF / "renewals_wave2.csv"),
            "-o",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    ws = load_workbook(out)["Value"]
    cells = [c for row in ws.iter_rows(values_only=True) for c in row if c is not None]
    assert any("not proof" in str(c) for c in cells)
    want = pinned("r_value_summary.csv", "firth").iloc[0]
    at = cells.index("revenue_at_risk")
    assert np.isclose(cells[at + 1], want["revenue_at_risk"], rtol=1e-6)
    (chart,) = ws._charts
    assert len(chart.series) == 4  # fitted p with its 95% band, observed band rates
    for series in chart.series:  # every point has an x and a y, data in the cells
        x, y = series.xVal.numRef.f, series.yVal.numRef.f
        rows = [[int(r) for r in re.findall(r"\$(\d+)", ref)] for ref in (x, y)]
        assert rows[0] == rows[1], (x, y)
    bands = series.yVal.numRef.f.split("!")[1].replace("$", "").split(":")
    rates = [row[0].value for row in ws[bands[0] : bands[1]]]
    want = pinned("r_value_bands.csv", "main")["rate"]
    np.testing.assert_allclose(rates, want, atol=TOL)


def test_report_with_renewals_has_a_value_sheet(tmp_path: Path) -> None:
    """With a baseline the model is fitted on it and applied to this wave."""
    from openpyxl import load_workbook

    out = tmp_path / "report.xlsx"
    args = ["report", str(REF / "wave2.csv"), "-c", str(REF / "value.yaml")]
    args += ["--renewals", str(REF / "renewals_wave2.csv"), "--bootstrap", "20"]
    result = runner.invoke(app, [*args, "-o", str(out)])
    assert result.exit_code == 0, result.output
    workbook = load_workbook(out)
    assert "Value" in workbook.sheetnames
    text = [c for r in workbook["Value"].iter_rows(values_only=True) for c in r if c]
    assert any("odds 0.38 times as high" in str(c) for c in text)
    summary = " ".join(
        str(c) for r in workbook["Summary"].iter_rows(values_only=True) for c in r if c
    )
    assert "revenue at risk €6,546,536" in " ".join(summary.split())
    plain = tmp_path / "plain.xlsx"
    result = runner.invoke(app, [*args[:4], "--bootstrap", "20", "-o", str(plain)])
    assert result.exit_code == 0, result.output
    assert "Value" not in load_workbook(plain).sheetnames


def test_report_guard_says_why_on_the_value_sheet(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    out = tmp_path / "report.xlsx"
    args = ["report", str(REF / "wave2.csv"), "-c", str(REF / "value.yaml")]
    args += ["--renewals", str(REF / "renewals_few.csv"), "--bootstrap", "20"]
    result = runner.invoke(app, [*args, "-o", str(out)])
    assert result.exit_code == 0, result.output
    ws = load_workbook(out)["Value"]
    text = " ".join(str(c) for r in ws.iter_rows(values_only=True) for c in r if c)
    assert "no model was fitted" in text and "odds ratio" not in text.lower()


def test_deck_portfolio_line_says_revenue_at_risk(tmp_path: Path) -> None:
    pptx = pytest.importorskip("pptx")
    out = tmp_path / "deck.pptx"
    args = ["deck", str(REF / "wave2.csv"), "-c", str(REF / "value.yaml")]
    args += ["--renewals", str(REF / "renewals_wave2.csv"), "--accounts-only", "ACC01"]
    result = runner.invoke(app, [*args, "-o", str(out)])
    assert result.exit_code == 0, result.output
    slides = pptx.Presentation(str(out)).slides
    text = " ".join(
        shape.text_frame.text
        for slide in slides
        for shape in slide.shapes
        if shape.has_text_frame
    )
    text = " ".join(text.split())
    assert "Revenue at risk €6,546,536 (95% CI €4,812,103 to €8,280,968)" in text
    assert "one index point is worth €229,744 a year" in text


@pytest.mark.parametrize("method", ["firth", "ml"])
def test_covariates_match_r(method: str) -> None:
    """A number and a text covariate (R factor coding) on 300 synthetic accounts;
    R: glm(event ~ x + size + segment, ...) with brglm2 AS_mean / plain glm."""
    from b2bcx.api.worth import design_matrix
    from b2bcx.config.models import parse_config
    from b2bcx.stats.renewals import logistic_fit

    table = pd.read_csv(REF / "value_covariates.csv")
    config = parse_config(
        {
            "columns": {"account": "A"},
            "roles": {"single": "customer"},
            "pillars": {"p": {"items": ["Q1"]}},
            "value": {"covariates": ["size", "segment"], "method": method},
        }
    )
    design = design_matrix(table, config)
    fit = logistic_fit(design.X, table["event"].to_numpy(float), method)
    want = pinned("r_value_covariates.csv", method)
    assert design.terms == list(want["term"])
    rel = 1e-4 if method == "firth" else 0.0
    np.testing.assert_allclose(fit.beta, want["estimate"], rtol=rel, atol=TOL)
    np.testing.assert_allclose(fit.se, want["se"], rtol=rel, atol=TOL)


def test_firth_stays_finite_under_separation_and_ml_says_why() -> None:
    """x = 1..8, lost when x > 4.5. R brglm2 AS_mean: -4.647349770, 1.032744393
    (SE 3.198079849, 0.672664781); glm does not converge."""
    from b2bcx.errors import AnalysisError
    from b2bcx.stats.renewals import logistic_fit

    x = np.arange(1.0, 9.0)
    X = np.column_stack([np.ones(8), x])
    y = (x > 4.5).astype(float)
    fit = logistic_fit(X, y, "firth")
    np.testing.assert_allclose(fit.beta, [-4.647349770, 1.032744393], rtol=1e-6)
    np.testing.assert_allclose(fit.se, [3.198079849, 0.672664781], rtol=1e-6)
    with pytest.raises(AnalysisError, match="did not converge"):
        logistic_fit(X, y, "ml")
    with pytest.raises(AnalysisError, match="singular"):
        logistic_fit(np.column_stack([X, 2 * x]), y, "firth")


@settings(deadline=None, max_examples=25)
@given(st.randoms(use_true_random=False))
def test_the_fit_does_not_depend_on_row_order(rng: random.Random) -> None:
    from b2bcx.stats.renewals import delong_auc, logistic_fit

    table = pd.read_csv(REF / "value_covariates.csv").head(80)
    order = list(range(len(table)))
    rng.shuffle(order)
    X = np.column_stack([np.ones(len(table)), table["index_eb"] / 10])
    y = table["event"].to_numpy(float)
    first, second = logistic_fit(X, y), logistic_fit(X[order], y[order])
    np.testing.assert_allclose(first.beta, second.beta, rtol=1e-9)
    p = X @ first.beta
    assert delong_auc(y, p) == pytest.approx(delong_auc(y[order], p[order]))


def test_an_event_value_cannot_mean_both(tmp_path: Path) -> None:
    config = tmp_path / "both.yaml"
    config.write_text(
        f"extends: {REF / 'value.yaml'}\nvalue:\n  event:\n    column: Outcome\n"
        "    values: {1: [Churned, Lost], 0: [Renewed, lost]}\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match="both 1 and 0"):
        load_config(config)


def test_deck_says_why_without_a_model(tmp_path: Path) -> None:
    pptx = pytest.importorskip("pptx")
    out = tmp_path / "deck.pptx"
    args = ["deck", str(REF / "wave2.csv"), "-c", str(REF / "value.yaml")]
    args += ["--renewals", str(REF / "renewals_few.csv"), "--accounts-only", "ACC01"]
    result = runner.invoke(app, [*args, "-o", str(out)])
    assert result.exit_code == 0, result.output
    text = " ".join(
        shape.text_frame.text
        for slide in pptx.Presentation(str(out)).slides
        for shape in slide.shapes
        if shape.has_text_frame
    )
    text = " ".join(text.split())
    assert "Renewals: no model was fitted: 6 events" in text
    assert "Revenue at risk" not in text


def test_formula_like_account_ids_stay_text(tmp_path: Path) -> None:
    """A decisions file is CRM text: an id starting with = never becomes a formula."""
    from openpyxl import load_workbook

    export = tmp_path / "wave.csv"
    lines = (REF / "wave2.csv").read_text(encoding="utf-8")
    export.write_text(lines.replace('"ACC01"', '"=ACC01"'), encoding="utf-8")
    decisions = tmp_path / "renewals.csv"
    text = (REF / "renewals_wave2.csv").read_text(encoding="utf-8")
    decisions.write_text(text.replace('"ACC01"', '"=ACC01"'), encoding="utf-8")
    for suffix in (".csv", ".xlsx"):
        out = tmp_path / f"value{suffix}"
        result = runner.invoke(
            app,
            [
                "value",
                str(export),
                "-c",
                str(REF / "value.yaml"),
                "--renewals",
                str(decisions),
                "-o",
                str(out),
            ],
        )
        assert result.exit_code == 0, result.output
    assert "'=ACC01" in (tmp_path / "value.csv").read_text(encoding="utf-8")
    ws = load_workbook(tmp_path / "value.xlsx")["Value"]
    cells = [c for row in ws.iter_rows() for c in row if c.value == "=ACC01"]
    assert cells and all(c.data_type == "s" for c in cells)


def test_current_accounts_keep_the_fitted_covariate_coding() -> None:
    """Applied to new accounts, a numeric covariate stays numeric and a text one
    keeps the levels it was fitted on; an unseen level is a problem."""
    from b2bcx.api.worth import design_matrix
    from b2bcx.config.models import parse_config
    from b2bcx.errors import AnalysisError

    config = parse_config(
        {
            "columns": {"account": "A"},
            "roles": {"single": "customer"},
            "pillars": {"p": {"items": ["Q1"]}},
            "value": {"covariates": ["size", "segment"]},
        }
    )
    fitted = design_matrix(pd.read_csv(REF / "value_covariates.csv"), config)
    new = pd.DataFrame(
        {"account": ["N1", "N2"], "index_eb": [60.0, 70.0], "size": [1.5, -2.0]}
    ).assign(segment=["SMB", "Enterprise"])
    applied = design_matrix(new, config, fitted.levels)
    assert applied.terms == fitted.terms
    np.testing.assert_allclose(applied.X[:, 2], [1.5, -2.0])
    np.testing.assert_allclose(applied.X[:, 3:], [[0, 1], [0, 0]])
    with pytest.raises(AnalysisError) as caught:
        design_matrix(new.assign(segment=["SMB", "Public"]), config, fitted.levels)
    assert [p.value for p in caught.value.problems] == ["N2: Public"]


def test_the_guard_counts_every_parameter(tmp_path: Path) -> None:
    """18 events suffice for the index alone, not once Region adds its levels."""
    config = tmp_path / "region.yaml"
    config.write_text(
        f"extends: {REF / 'value.yaml'}\nvalue:\n  covariates: [Region]\n",
        encoding="utf-8",
    )
    payload = run_value(
        tmp_path, "--renewals", str(REF / "renewals_wave2.csv"), config=config
    )
    summary = payload["summary"]
    assert summary["model_fitted"] is False and summary["odds_ratio"] is None
    assert "parameters besides the intercept" in summary["note"]


def test_the_odds_ratio_follows_per(tmp_path: Path) -> None:
    """Firth's estimate is equivariant under rescaling x: OR per 5 = sqrt(OR per 10)."""
    config = tmp_path / "per5.yaml"
    config.write_text(
        f"extends: {REF / 'value.yaml'}\nvalue:\n  per: 5\n", encoding="utf-8"
    )
    renewals = ("--renewals", str(REF / "renewals_wave2.csv"))
    five = run_value(tmp_path, *renewals, config=config)["summary"]
    ten = pinned("r_value_summary.csv", "firth").iloc[0]
    assert five["odds_ratio"] == pytest.approx(np.sqrt(ten["odds_ratio"]), rel=1e-6)
    assert five["revenue_at_risk"] == pytest.approx(ten["revenue_at_risk"], rel=1e-6)
    # one point is the same point whatever `per`: the value of a point does not move
    assert five["value_per_point"] == pytest.approx(ten["value_per_point"], rel=1e-6)


def test_firth_converges_when_one_event_is_separated() -> None:
    """29 non-events at index 30 and one event at 36: full Fisher-scoring steps
    on the modified score went back and forth around the estimate for ever (a
    hypothesis example found it). The estimate is R's optimum of Firth's
    criterion itself (tests/reference/firth_one_event.R: optim, BFGS), since
    brglm2's brglmFit does not converge on these data."""
    from b2bcx.stats.renewals import logistic_fit

    x = np.array([3.0] * 29 + [3.6])
    y = np.array([0.0] * 29 + [1.0])
    fit = logistic_fit(np.column_stack([np.ones(30), x]), y, "firth")
    np.testing.assert_allclose(fit.beta, [-29.95828613, 8.62691623], atol=1e-6)


@settings(deadline=None, max_examples=40)
@given(
    st.lists(
        st.tuples(st.floats(30, 95), st.booleans()), min_size=12, max_size=60
    ).filter(lambda rows: 0 < sum(e for _, e in rows) < len(rows))
)
@example([(30.0, False)] * 29 + [(36.0, True)])
def test_firth_solves_its_modified_score(rows: list[tuple[float, bool]]) -> None:
    """At Firth's estimate X'(y - p + h(1/2 - p)) = 0, finite even when the index
    separates events from non-events (Firth 1993, eq. 3; Kosmidis & Firth 2021)."""
    from b2bcx.stats.renewals import expit, logistic_fit

    x = np.array([r[0] for r in rows]) / 10
    y = np.array([float(r[1]) for r in rows])
    X = np.column_stack([np.ones(len(x)), x])
    assume(np.ptp(x) > 0.5)  # a near-constant index is a singular design
    fit = logistic_fit(X, y, "firth")
    assert np.isfinite(fit.beta).all() and np.isfinite(fit.se).all()
    p = expit(X @ fit.beta)
    w = p * (1 - p)
    h = np.einsum("ij,jk,ik->i", X, np.linalg.inv(X.T @ (X * w[:, None])), X) * w
    np.testing.assert_allclose(X.T @ (y - p + h * (0.5 - p)), 0, atol=1e-7)
