"""Key drivers from the streaming pass against the respondent path.

The reference is b2bcx's respondent path (``api.drivers`` on the whole export),
whose maths is checked against Johnson (2000), R ``relaimpo`` and pingouin in
tests/test_drivers.py; here the pass's tables must equal it to 1e-9, intervals
included (the account bootstrap draws the same accounts in the same order),
with the same warnings, on the command line too.
"""

from __future__ import annotations

import os
from io import StringIO
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from tests.test_moments import write_config, write_export
from typer.testing import CliRunner

from b2bcx import api
from b2bcx.cli import app
from b2bcx.config.models import load_config

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE, CONFIG = "examples/acme_2026q3.csv", "examples/acme.yaml"


def assert_same_analysis(streamed, full) -> None:  # type: ignore[no-untyped-def]
    assert streamed is not None
    for name in ("outcome", "method", "n", "dropped", "by_role", "warnings"):
        assert getattr(streamed, name) == getattr(full, name), name
    assert streamed.resampled == full.resampled == "accounts"
    assert abs(streamed.r2 - full.r2) < 1e-9
    assert_same_table(streamed.table, full.table)
    if full.overall is not None:
        assert_same_table(streamed.overall, full.overall)


def assert_same_table(a: pd.DataFrame, b: pd.DataFrame) -> None:
    assert list(a.columns) == list(b.columns)
    assert len(a) == len(b) > 0
    for column in b.columns:
        x, y = a[column], b[column]
        if pd.api.types.is_numeric_dtype(y) and pd.api.types.is_numeric_dtype(x):
            np.testing.assert_allclose(
                x.to_numpy(float), y.to_numpy(float), rtol=0, atol=1e-9, err_msg=column
            )
        else:
            assert x.fillna("").tolist() == y.fillna("").tolist(), column


CASES = [
    ("nps", "rwa", False),
    ("nps", "shapley", True),
    ("renew", "rwa", True),
    ("renew", "shapley", False),
]


@pytest.mark.parametrize(("outcome", "method", "by_role"), CASES)
def test_streamed_drivers_equal_the_respondent_path_on_generated_data(
    tmp_path: Path, outcome: str, method: str, by_role: bool
) -> None:
    export = write_export(tmp_path / "export.csv", 900, seed=21)
    config = load_config(write_config(tmp_path))
    options = {"outcome": outcome, "method": method, "by_role": by_role}
    streamed = api.drivers_files([export], config, bootstrap=150, **options)
    full = api.drivers(api.load_exports([export]), config, bootstrap=150, **options)
    assert_same_analysis(streamed, full)
    assert streamed.dropped > 0  # rows with a missing pillar or outcome


def test_streamed_drivers_keep_the_warnings(tmp_path: Path) -> None:
    """Low R², an outcome item inside a pillar, and a role with too few cases."""
    export = write_export(tmp_path / "export.csv", 700, seed=22)
    frame = pd.read_csv(export, dtype=str, keep_default_na=False)
    ceo = np.flatnonzero(frame["Role"] == "CEO")
    frame = frame.drop(index=ceo[3:])  # three decision makers: too few for a model
    frame.to_csv(export, index=False)
    path = write_config(tmp_path)
    path.write_text(path.read_text().replace("{item: Q7,", "{item: Q6,"))
    config = load_config(path)
    warnings = {}
    for outcome in ("nps", "renew"):
        options = {"outcome": outcome, "by_role": True, "bootstrap": 100}
        streamed = api.drivers_files([export], config, **options)
        full = api.drivers(api.load_exports([export]), config, **options)
        assert_same_analysis(streamed, full)
        warned = full.table["warning"].fillna("")
        assert warned.str.contains("role decision_maker: only").any()
        warnings[outcome] = full.warnings
    assert any("R² =" in w for w in warnings["nps"])  # random answers
    assert any("also an item of" in w for w in warnings["renew"])


def test_streamed_drivers_over_many_batches_and_two_processes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import b2bcx.io.batches as batches
    import b2bcx.scoring.engine as engine

    monkeypatch.setattr(engine, "PARALLEL_BYTES", 0)
    monkeypatch.setattr(batches, "BLOCK_BYTES", 20_000)
    export = write_export(tmp_path / "export.csv", 3000, seed=23)
    export.write_text(export.read_text().replace('"1,000"', "1000"))  # no quotes
    config = load_config(write_config(tmp_path))
    full = api.drivers(api.load_exports([export]), config, by_role=True, bootstrap=80)
    for workers in (1, 2):
        monkeypatch.setattr(engine, "WORKERS", workers)
        streamed = api.drivers_files([export], config, by_role=True, bootstrap=80)
        assert_same_analysis(streamed, full)


def test_the_respondent_path_is_taken_when_the_pass_does_not_apply(
    tmp_path: Path,
) -> None:
    export = write_export(tmp_path / "export.csv", 300, seed=24, bad=True)
    config = load_config(write_config(tmp_path))
    said: list[str] = []
    assert api.drivers_files([export], config, notice=said.append) is None
    assert said and "bad values" in said[0]


# -- the command line: the pass and the respondent path print the same ---------


def run(args: list[str]) -> tuple[str, str]:
    cwd = Path.cwd()
    os.chdir(ROOT)
    try:
        done = CliRunner().invoke(app, args, env={"COLUMNS": "200"})
    finally:
        os.chdir(cwd)
    assert done.exit_code == 0, done.output
    return done.stdout, done.stderr


def both_paths(
    args: list[str], monkeypatch: pytest.MonkeyPatch
) -> tuple[tuple[str, str], tuple[str, str]]:
    """The command's output by the pass (the respondent path forbidden), then by
    the respondent path (the pass refused)."""
    import b2bcx.api.key_drivers as key_drivers
    import b2bcx.api.streamed as streamed

    with monkeypatch.context() as patch:
        patch.setattr(key_drivers, "drivers", _not_called)
        by_pass = run(args)
    with monkeypatch.context() as patch:
        patch.setattr(streamed, "streamable", lambda *a, **k: None)
        by_rows = run(args)
    return by_pass, by_rows


def _not_called(*args: object, **kwargs: object) -> None:
    raise AssertionError("the respondent path ran")


COMMANDS = [
    ["--bootstrap", "200"],
    ["--by", "role", "--outcome", "loyalty", "--bootstrap", "200"],
    ["--method", "shapley", "--by", "role", "--bootstrap", "100"],
    ["--method", "shapley", "--outcome", "loyalty", "--bootstrap", "100"],
]


@pytest.mark.parametrize("options", COMMANDS, ids=" ".join)
def test_drivers_command_prints_the_same_by_either_path_on_the_example(
    monkeypatch: pytest.MonkeyPatch, options: list[str]
) -> None:
    args = ["drivers", EXAMPLE, "-c", CONFIG, *options]
    (csv_pass, _), (csv_rows, _) = both_paths([*args, "-f", "csv"], monkeypatch)
    assert_same_table(read(csv_pass), read(csv_rows))
    (shown_pass, said_pass), (shown_rows, said_rows) = both_paths(args, monkeypatch)
    assert shown_pass == shown_rows  # the table as printed, warnings included
    assert said_pass == said_rows


@pytest.mark.parametrize("options", COMMANDS[1:3], ids=" ".join)
def test_drivers_command_prints_the_same_by_either_path_on_generated_data(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, options: list[str]
) -> None:
    export = write_export(tmp_path / "export.csv", 900, seed=25)
    config = write_config(tmp_path)
    options = [o.replace("loyalty", "renew") for o in options]
    args = ["drivers", str(export), "-c", str(config), *options]
    (csv_pass, _), (csv_rows, _) = both_paths([*args, "-f", "csv"], monkeypatch)
    assert_same_table(read(csv_pass), read(csv_rows))
    (shown_pass, _), (shown_rows, _) = both_paths(args, monkeypatch)
    assert shown_pass == shown_rows


def read(text: str) -> pd.DataFrame:
    return pd.read_csv(StringIO(text), keep_default_na=False, na_values=[""])


def test_drivers_command_takes_engine_and_scheduler(tmp_path: Path) -> None:
    export = write_export(tmp_path / "export.csv", 400, seed=26)
    config = write_config(tmp_path)
    args = ["drivers", str(export), "-c", str(config), "--by", "role", "-f", "csv"]
    embedded, _ = run([*args, "--bootstrap", "50"])
    on_dask, _ = run([*args, "--bootstrap", "50", "--engine", "dask"])
    assert_same_table(read(on_dask), read(embedded))
    unknown = CliRunner().invoke(app, [*args, "--engine", "spark"])
    assert unknown.exit_code == 2
    gone = CliRunner().invoke(app, [*args, "--engine", "duckdb"])  # benchmarks/ only
    assert gone.exit_code == 2 and "embedded" in gone.output


def test_dask_drops_repeated_ids_before_the_drivers_pass(tmp_path: Path) -> None:
    from tests.test_moments import write_repeats

    first = write_repeats(tmp_path / "a.csv", 600, seed=11)
    second = write_repeats(tmp_path / "b.csv", 400, seed=12)
    config = load_config(write_config(tmp_path))
    options = {"by_role": True, "bootstrap": 100}
    full = api.drivers(api.load_exports([first, second]), config, **options)
    assert api.drivers_files([first, second], config, **options) is None  # 2nd read
    on_dask = api.drivers_files([first, second], config, engine="dask", **options)
    assert_same_analysis(on_dask, full)


def test_the_bootstrap_sums_each_symmetric_cross_product_once() -> None:
    """Six drivers and an outcome: the 36 columns of ``[n, Σx, triangle]``
    rebuild all 57 of ``[n, Σx, Σxxᵀ]``, the triangle in numpy.triu_indices
    order as the pass keeps it."""
    from b2bcx.stats.drivers import _spread, account_sums, cross_products

    rng = np.random.default_rng(5)
    x = rng.normal(size=(40, 3, 7))
    products = np.einsum("kri,krj->kij", x, x).reshape(40, 49)
    stacked = np.concatenate([np.full((40, 1), 3.0), x.sum(axis=1), products], axis=1)
    spread = _spread(7)
    assert len(np.unique(spread)) == 1 + 7 + 28 and len(spread) == 57
    i, j = np.triu_indices(7)
    triangle = products.reshape(40, 7, 7)[:, i, j]
    short = np.concatenate([stacked[:, :8], triangle], axis=1)
    assert np.array_equal(short[:, spread], stacked)
    rows = x.reshape(120, 7)
    parts = cross_products(rows, np.repeat(np.arange(40), 3), np.zeros(7))
    sums = account_sums({"everyone": parts})
    assert sums.triangle.shape == (40, 1, 28)
    np.testing.assert_allclose(sums.triangle[:, 0], triangle, rtol=1e-12, atol=1e-12)
