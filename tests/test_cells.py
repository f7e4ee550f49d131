"""The two producers of the account x role cell statistics (the streaming pass and
the scored respondent table) give the same cells, which one finish turns into
every account-level table (docs/method.md#streaming).

The reference is arithmetic by hand (sums, squares, medians of a few values) and
the pass itself, whose tables tests/test_moments.py checks against the whole
respondent path and tests/reference/ against R.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from b2bcx import api
from b2bcx.api.accounts import check
from b2bcx.api.streamed import run_pass
from b2bcx.config.models import load_config
from b2bcx.scoring.cells import partial_from_respondents, respondent_rows
from b2bcx.scoring.finish import Locator, account_tables, cell_summary
from b2bcx.scoring.moments import DETRACTOR, PROMOTER, Partial, plan
from b2bcx.scoring.prepare import FILE, ROW

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def _by_id(partial: Partial) -> np.ndarray:
    """Rows of ``partial`` in account id order."""
    ids = np.array(partial.accounts.to_pylist(), dtype=object)
    return np.argsort(ids, kind="stable")


def _entries(partial: Partial, column: str, locate) -> set[tuple]:  # type: ignore[no-untyped-def]
    """Attribute entries as (account, value, count, file and row of the first)."""
    table = partial.attributes[column]
    names = {code: value for value, code in partial.vocabulary[column].items()}
    ids = partial.accounts.to_pylist()
    return {
        (ids[a], str(names[v]), int(k), locate(int(f)))
        for a, v, k, f in zip(
            table["account"],
            table["value"],
            table["count"],
            table["first"],
            strict=True,
        )
    }


def test_the_respondent_table_and_the_pass_give_the_same_cells() -> None:
    config = load_config(EXAMPLES / "acme.yaml")
    export = EXAMPLES / "acme_2026q3.csv"
    p = plan(config)
    passed = run_pass([export], p)
    assert passed is not None
    streamed = passed.total
    respondents = check(api.load_exports([export]), config).scores
    produced = partial_from_respondents(respondents, p)
    a, b = _by_id(streamed), _by_id(produced)
    assert [
        streamed.accounts.to_pylist()[i] for i in a
    ] == produced.accounts.to_pylist()
    assert len(b) == len(produced.accounts) > 100
    np.testing.assert_array_equal(streamed.count[a], produced.count[b])
    assert produced.count.sum() == len(respondents)
    for name in ("n", "total", "squares", "agree_n", "agree_sums", "agree_squares"):
        np.testing.assert_allclose(
            getattr(streamed, name)[a], getattr(produced, name)[b], rtol=1e-12, atol=0
        )
    assert produced.agree_n.sum() > 0
    locate_pass = Locator(streamed, passed.first_rows)
    locate_table = respondent_rows(respondents)
    assert set(p.attributes) == set(produced.attributes)
    for column in p.attributes:
        found = _entries(produced, column, locate_table)
        assert found == _entries(streamed, column, locate_pass), column
        assert found
    assert produced.comments == streamed.comments  # the first three, by id
    assert sum(len(said) for said in produced.comments.values()) > 10


def _config(tmp_path: Path, within: str = "mean", method: str = "role_weighted"):  # type: ignore[no-untyped-def]
    path = tmp_path / "cfg.yaml"
    path.write_text(
        f"""
version: 1
columns: {{respondent: Id, account: Account, role: Role, segments: [Region]}}
default_scale: agree5
pillars:
  a: {{items: [Q1, Q2]}}
roles:
  weights: {{dm: 0.6, user: 0.4}}
  decision_role: dm
  map: {{dm: [DM], user: [User]}}
outcomes:
  nps: NPS
rollup: {{within_role: {within}, method: {method}, min_respondents: 1}}
"""
    )
    return load_config(path)


def _respondents() -> pd.DataFrame:
    """Account A: dm 50, 70, 90 (NPS codes 1, -1, missing), user 40; account B:
    user 80 (code 0). Regions: A EMEA, EMEA, APAC, missing; B APAC."""
    index = [50.0, 70.0, 90.0, 40.0, 80.0]
    return pd.DataFrame(
        {
            FILE: "x.csv",
            ROW: [2, 3, 4, 5, 6],
            "account": ["A", "A", "A", "A", "B"],
            "role": ["dm", "dm", "dm", "user", "user"],
            "Region": ["EMEA", "EMEA", "APAC", None, "APAC"],
            "index": index,
            "a": index,
            "nps_code": [1.0, -1.0, np.nan, 0.0, 0.0],
            "item:Q1": [50.0, 75.0, np.nan, 25.0, 100.0],
            "item:Q2": [50.0, 75.0, 100.0, 25.0, 50.0],
        }
    )


def test_the_respondent_producer_sums_each_cell(tmp_path: Path) -> None:
    config = _config(tmp_path)
    p = plan(config)
    cells = partial_from_respondents(_respondents(), p)
    assert cells.accounts.to_pylist() == ["A", "B"]
    np.testing.assert_array_equal(cells.count, [[3, 1], [0, 1]])
    j = p.scores.index("index")
    np.testing.assert_allclose(cells.n[:, :, j], [[3, 1], [0, 1]])
    np.testing.assert_allclose(cells.total[:, :, j], [[210, 40], [0, 80]])
    np.testing.assert_allclose(cells.squares[:, :, j], [[15500, 1600], [0, 6400]])
    promoter, detractor = p.scores.index(PROMOTER), p.scores.index(DETRACTOR)
    np.testing.assert_allclose(cells.n[:, :, promoter], [[2, 1], [0, 1]])
    np.testing.assert_allclose(cells.total[:, :, promoter], [[1, 0], [0, 0]])
    np.testing.assert_allclose(cells.total[:, :, detractor], [[1, 0], [0, 0]])
    # listwise: rows 1, 2 and 4 of A answered both statements, B's one row
    np.testing.assert_allclose(cells.agree_n, [3, 1])
    np.testing.assert_allclose(cells.agree_sums, [[150, 150], [100, 50]])
    np.testing.assert_allclose(cells.agree_squares, [[8750, 8750], [10000, 2500]])
    locate = respondent_rows(_respondents())
    assert _entries(cells, "Region", locate) == {
        ("A", "EMEA", 2, ("x.csv", 2)),
        ("A", "APAC", 1, ("x.csv", 4)),
        ("B", "APAC", 1, ("x.csv", 6)),
    }
    assert not cells.median.size  # medians only for `within_role: median`


def test_cell_medians_go_through_the_one_finish(tmp_path: Path) -> None:
    respondents = _respondents()
    for method, expected in (("role_weighted", 0.6 * 70 + 0.4 * 40), ("mean", 60.0)):
        p = plan(_config(tmp_path, "median", method))
        cells = partial_from_respondents(respondents, p)
        j = p.scores.index("index")
        np.testing.assert_allclose(cells.median[:, :, j], [[70, 40], [np.nan, 80]])
        np.testing.assert_allclose(cells.median_all[:, 0, j], [60, 80])
        summary = cell_summary(cells, j, "median")
        np.testing.assert_allclose(summary.m, [[70, 40], [np.nan, 80]])
        np.testing.assert_allclose(summary.mean[0], [70, 40])  # squares about the mean
        tables = account_tables(cells, p, respondent_rows(respondents))
        accounts = tables.accounts.set_index("account")
        assert accounts.loc["A", "index"] == pytest.approx(expected)
        assert accounts.loc["B", "index"] == pytest.approx(80.0)
        assert accounts.loc["A", "Region"] == "EMEA"
        assert "conflicting values" in tables.attribute_warnings[0].problem
        assert tables.attribute_warnings[0].row == 2


def test_the_pass_has_no_cell_medians(tmp_path: Path) -> None:
    p = plan(_config(tmp_path))
    with pytest.raises(ValueError, match="respondent table"):
        cell_summary(Partial.empty(p), 0, "median")


def test_refused_amounts_are_named_at_the_same_rows_from_either_producer(
    tmp_path: Path,
) -> None:
    from tests.test_moments import write_config, write_export

    from b2bcx.errors import DataError
    from b2bcx.scoring.finish import finish

    export = write_export(tmp_path / "e.csv", 300, seed=4)
    frame = pd.read_csv(export, dtype=str, keep_default_na=False)
    frame.loc[frame["Account"] == "ACC-003", "Revenue"] = "-5"
    frame.loc[frame["Account"] == "ACC-007", "Revenue"] = "1_0"
    frame.to_csv(export, index=False)
    config = load_config(write_config(tmp_path))
    passed = run_pass([export], plan(config))
    assert passed is not None
    done = finish(passed.total, passed.plan, passed.first_rows)
    assert done.tables.questioned_amounts
    named = [p for p in done.tables.attribute_warnings if p.severity == "error"]
    with pytest.raises(DataError) as raised:
        api.score(api.load_exports([export]), config)
    assert [p for p in raised.value.problems if "amount" in p.problem] == named
    heard = (
        frame["Role"].str.strip().str.lower().isin(["ceo", "buyer", "user", "end user"])
    )
    first = frame.index[(frame["Account"] == "ACC-003") & heard][0] + 2  # header: row 1
    assert (named[0].value, named[0].row) == ("ACC-003: -5", first)
    assert len(named) == 2
