"""The DuckDB engine prototype (benchmarks/duckdb_engine.py), registered for the
test: it still equals the embedded engine, hands back to it whatever must name a
row, and plugs into the engine registry like any engine (issue 22).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from tests.test_moments import (
    EXAMPLES,
    assert_same_tables,
    census,
    write_config,
    write_export,
    write_repeats,
)

from b2bcx import api
from b2bcx.config.models import load_config
from b2bcx.errors import UsageError
from b2bcx.scoring import engines
from b2bcx.scoring.moments import plan


def placed(export: Path, config: Any) -> Any:
    from b2bcx.api.streamed import streamable
    from b2bcx.scoring.engine import layouts

    return layouts(streamable([export], config)[0], plan(config))[0]  # type: ignore[index]


@pytest.mark.parametrize(
    ("method", "missing"),
    [
        ("role_weighted", "renormalize"),
        ("mean", "renormalize"),
        ("waterfall", "exclude"),
    ],
)
def test_duckdb_engine_equals_the_embedded_engine(
    tmp_path: Path, method: str, missing: str, duckdb_prototype: Any
) -> None:
    first = write_export(tmp_path / "a.csv", 700, seed=19)
    second = write_export(tmp_path / "b.csv", 300, seed=20, prefix="S")
    frame = pd.read_csv(first, dtype=str, keep_default_na=False)
    account = frame["Account"].str.strip()
    for column in ("Region", "Revenue"):  # one value per account: no row to name
        frame[column] = frame.groupby(account)[column].transform("first")
    frame.to_csv(first, index=False)
    config = load_config(write_config(tmp_path, method, missing))
    p = plan(config)
    # DuckDB runs the pass itself
    assert duckdb_prototype.run_duckdb(placed(first, config), p) is not None
    on_duckdb = api.score_files([first], config, engine="duckdb")
    assert on_duckdb is not None
    assert_same_tables(on_duckdb, api.score_files([first], config))
    assert_same_tables(on_duckdb, api.score(api.load_exports([first]), config))
    # conflicting regions need their rows named: the embedded engine runs the pass
    both = api.score_files([first, second], config, engine="duckdb")
    assert both is not None
    assert_same_tables(both, api.score_files([first, second], config))


def test_duckdb_engine_on_the_example(duckdb_prototype: Any) -> None:
    export = EXAMPLES / "acme_2026q3.csv"
    config = load_config(EXAMPLES / "acme.yaml")
    assert duckdb_prototype.run_duckdb(placed(export, config), plan(config))
    notices: list[str] = []
    on_duckdb = api.score_files(
        [export], config, engine="duckdb", notice=notices.append
    )
    embedded = api.score_files([export], config)
    assert on_duckdb is not None and embedded is not None and notices == []
    assert_same_tables(on_duckdb, embedded)
    a = embedded.accounts.set_index("account").sort_index()
    b = on_duckdb.accounts.set_index("account").sort_index()
    assert a["rwg_j"].notna().sum() > 50  # agreement too (tests/test_agreement.py)
    np.testing.assert_allclose(b["rwg_j"], a["rwg_j"], atol=1e-9, rtol=0)
    assert on_duckdb.icc1 == pytest.approx(embedded.icc1, abs=1e-9)


def test_duckdb_engine_leaves_what_needs_row_numbers_to_the_embedded_engine(
    tmp_path: Path, duckdb_prototype: Any
) -> None:
    config = load_config(write_config(tmp_path))
    p = plan(config)
    bad = write_export(tmp_path / "bad.csv", 300, seed=21, bad=True)
    repeated = write_repeats(tmp_path / "repeated.csv", 300, seed=22, times=False)
    for export in (bad, repeated):
        assert duckdb_prototype.run_duckdb(placed(export, config), p) is None
    said: list[str] = []
    assert api.score_files([bad], config, engine="duckdb", notice=said.append) is None
    assert said[0] == (
        "rows the duckdb engine cannot number: the embedded engine runs the pass"
    )
    assert census([bad], config)  # which the embedded engine names


def test_drivers_on_an_engine_that_does_not_number_rows_run_embedded(
    tmp_path: Path, duckdb_prototype: Any
) -> None:
    """The drivers' bootstrap follows row order: the default engine runs their pass."""
    export = write_export(tmp_path / "export.csv", 400, seed=26)
    config = load_config(write_config(tmp_path))
    options: dict[str, Any] = {"by_role": True, "bootstrap": 50}
    said: list[str] = []
    in_duckdb = api.drivers_files(
        [export], config, engine="duckdb", notice=said.append, **options
    )
    embedded = api.drivers_files([export], config, **options)
    assert in_duckdb is not None and embedded is not None
    pd.testing.assert_frame_equal(in_duckdb.table, embedded.table, rtol=0, atol=1e-12)
    assert said == ["key drivers need row order: the embedded engine runs the pass"]


def test_control_characters_never_reach_duckdb_outputs(
    tmp_path: Path, duckdb_prototype: Any
) -> None:
    from tests.test_attack_inputs import BAD, _export_with_controls

    export = _export_with_controls(tmp_path, "csv")
    config = load_config(BAD / "good.yaml")
    said: list[str] = []
    scored = api.score_files([export], config, engine="duckdb", notice=said.append)
    # handed to the respondent path, whose reader replaces them with a warning
    assert scored is None and said
    whole = api.score(api.load_exports([export]), config)
    ids = " ".join(whole.accounts["account"])
    assert "\x1b" not in ids and "\ufffd[31m9" in ids


def test_the_prototype_is_registered_only_while_asked_for() -> None:
    assert "duckdb" not in engines.names()
    with pytest.raises(UsageError, match="unknown engine 'duckdb'"):
        engines.get("duckdb")
