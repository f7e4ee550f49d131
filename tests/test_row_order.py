"""The same answer whatever the order of the rows and the format of the file.

The example's export is shuffled (a permutation hypothesis draws), written as CSV,
Parquet or xlsx, and scored through the streaming pass (``score``) and through the
whole-file path (``score --baseline``); every account table equals the one from the
file as shipped: the same accounts in the same order, every number to 1e-9. Tied
accounts (the example has two with the same answers, ACC-0014 and ACC-0163) come in
id order (docs/method.md#order).

``B2BCX_SHUFFLES=N`` draws N permutations per case (CI runs more than the suite's
default, see ``.ci/run``).
"""

from __future__ import annotations

import os
from functools import cache
from io import StringIO
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.test_golden import assert_same_table
from typer.testing import CliRunner

from b2bcx.cli import app

ROOT = Path(__file__).resolve().parents[1]
Q3, Q2 = ROOT / "examples/acme_2026q3.csv", ROOT / "examples/acme_2026q2.csv"
CONFIG, CRM = ROOT / "examples/acme.yaml", ROOT / "examples/crm_accounts.csv"
SHUFFLES = int(os.environ.get("B2BCX_SHUFFLES", "3"))
SETTINGS = settings(
    max_examples=SHUFFLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


def _score(*exports: Path | str, extra: tuple[str, ...] = ()) -> pd.DataFrame:
    args = ["score", *map(str, exports), "-c", str(CONFIG), "--accounts", str(CRM)]
    result = CliRunner().invoke(app, [*args, *extra, "-f", "csv"])
    assert result.exit_code == 0, result.output
    return pd.read_csv(StringIO(result.stdout), keep_default_na=False, na_values=[""])


@cache
def _expected(streamed: bool) -> pd.DataFrame:
    return _score(Q3) if streamed else _score(Q3, extra=("--baseline", str(Q2)))


def _write(rows: pd.DataFrame, folder: Path, fmt: str) -> Path:
    path = folder / f"shuffled.{fmt}"
    if fmt == "csv":
        rows.to_csv(path, index=False)
    elif fmt == "parquet":
        rows.to_parquet(path, index=False)
    else:
        rows.to_excel(path, index=False)
    return path


@cache
def _rows() -> pd.DataFrame:
    return pd.read_csv(Q3, dtype=str, keep_default_na=False)


@pytest.mark.parametrize("streamed", [True, False], ids=["streamed", "whole_file"])
def test_the_tied_accounts_come_in_id_order(streamed):
    table = _expected(streamed)
    tied = table[table["account"].isin(["ACC-0014", "ACC-0163"])]
    assert len(tied) == 2
    assert abs(tied["index"].iloc[0] - tied["index"].iloc[1]) < 1e-9
    assert tied["account"].tolist() == ["ACC-0014", "ACC-0163"]
    positions = tied.index.tolist()
    assert positions[1] == positions[0] + 1


@pytest.mark.parametrize("streamed", [True, False], ids=["streamed", "whole_file"])
@pytest.mark.parametrize("fmt", ["csv", "parquet", "xlsx"])
@SETTINGS
@given(seed=st.integers(0, 2**32 - 1))
def test_shuffled_rows_give_the_same_table(tmp_path_factory, fmt, streamed, seed):
    rows = _rows()
    order = np.random.default_rng(seed).permutation(len(rows))
    folder = tmp_path_factory.mktemp("shuffled")
    path = _write(rows.iloc[order], folder, fmt)
    got = _score(path) if streamed else _score(path, extra=("--baseline", str(Q2)))
    assert_same_table(got, _expected(streamed))


@pytest.mark.filterwarnings("ignore::pandas.errors.Pandas4Warning")  # inside Dask
@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_shuffled_rows_on_dask_give_the_same_table(tmp_path, fmt):
    """The Dask engine (a local cluster) on shuffled rows split into two files."""
    rows = _rows()
    order = np.random.default_rng(2026).permutation(len(rows))
    halves = [rows.iloc[order[:500]], rows.iloc[order[500:]]]
    paths = []
    for number, half in enumerate(halves):
        folder = tmp_path / str(number)
        folder.mkdir()
        paths.append(str(_write(half, folder, fmt)))
    got = _score(*paths, extra=("--engine", "dask"))
    assert_same_table(got, _expected(streamed=True))


@SETTINGS
@given(nudges=st.lists(st.sampled_from([-2, -1, 1, 2]), min_size=1, max_size=40))
def test_float_noise_changes_no_order(nudges):
    """Nudging every score by a few units in the last place (what another CPU's sums
    do) changes neither the ranking nor who is flagged a low score."""
    from b2bcx.scoring.ranking import ranked
    from b2bcx.scoring.risk import risk_and_blind_spots

    table = _expected(streamed=False).copy()
    table["flags"] = table["flags"].fillna("")
    noisy = table.copy()
    for column in ("index", "index_eb"):
        values = noisy[column].to_numpy(float)
        steps = np.resize(np.array(nudges, dtype=float), len(values))
        noisy[column] = values + steps * np.spacing(np.abs(values))
    assert ranked(noisy)["account"].tolist() == ranked(table)["account"].tolist()
    pd.testing.assert_frame_equal(
        risk_and_blind_spots(noisy, 0.1).map(tuple),
        risk_and_blind_spots(table, 0.1).map(tuple),
    )


def test_the_order_module_examples_hold():
    import doctest

    from b2bcx.stats import order

    outcome = doctest.testmod(order)
    assert outcome.attempted >= 5 and outcome.failed == 0


def test_every_flag_the_example_raises_is_defined_once():
    """Each flag id an account can carry has one definition (label, code, kind) that
    every view reads; codes are unique."""
    from b2bcx.scoring.risk import FLAGS

    ids = [f.id for f in FLAGS]
    codes = [f.code for f in FLAGS]
    assert len(set(ids)) == len(ids) and len(set(codes)) == len(codes)
    table = _expected(streamed=False)
    seen = {
        reason
        for column in ("flags", "at_risk", "blind_spots")
        for cell in table[column].fillna("")
        for reason in str(cell).split(";")
        if reason
    }
    assert seen and seen <= set(ids), seen - set(ids)
