"""Golden files for the CLI on the shipped example (one expected output per command).

Each case runs the command as a user would and compares its CSV/JSON output with
``tests/golden/cli/``: text cells exactly, numbers to 1e-9 (so a change of platform
or BLAS does not fail the build, but any change of result does). A deliberate change
of output is recorded by rerunning with ``B2BCX_REGENERATE=1`` and reviewing the diff.
"""

from __future__ import annotations

import json
import os
from io import StringIO
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from b2bcx.cli import app

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "tests" / "golden" / "cli"
Q3, Q2 = "examples/acme_2026q3.csv", "examples/acme_2026q2.csv"
CONFIG, CRM = "examples/acme.yaml", "examples/crm_accounts.csv"
LEMKE, LEMKE_CONFIG = "examples/lemke_interviews.csv", "examples/lemke_interviews.yaml"

CASES = {
    "score.csv": ["score", Q3, "-c", CONFIG, "--format", "csv"],
    "score_baseline.csv": ["score", Q3, "-c", CONFIG, "-b", Q2, "--format", "csv"],
    "score_accounts.csv": ["score", Q3, "-c", CONFIG, "--accounts", CRM, "-f", "csv"],
    "score_by_segment.csv": [
        "score",
        Q3,
        "-c",
        CONFIG,
        "-b",
        Q2,
        "--by",
        "segment",
        "-f",
        "csv",
    ],
    "score_by_role.csv": ["score", Q3, "-c", CONFIG, "--by", "role", "-f", "csv"],
    "score_by_phase.csv": ["score", Q3, "-c", CONFIG, "--by", "phase", "-f", "csv"],
    "factors.csv": ["factors", LEMKE, "-c", LEMKE_CONFIG, "-f", "csv"],
    "factors_example.csv": ["factors", Q3, "-c", CONFIG, "-f", "csv"],
    "drivers.csv": ["drivers", Q3, "-c", CONFIG, "--bootstrap", "200", "-f", "csv"],
    "drivers_by_role.csv": [
        "drivers",
        Q3,
        "-c",
        CONFIG,
        "--by",
        "role",
        "--outcome",
        "loyalty",
        "--bootstrap",
        "200",
        "-f",
        "csv",
    ],
    "validate.json": ["validate", Q3, "-c", CONFIG, "-f", "json"],
}


def run(args: list[str]) -> str:
    cwd = Path.cwd()
    os.chdir(ROOT)  # the paths in the outputs are as a user types them
    try:
        result = CliRunner().invoke(app, args, env={"COLUMNS": "200"})
    finally:
        os.chdir(cwd)
    assert result.exit_code == 0, result.output
    return result.stdout


def assert_same_table(actual: pd.DataFrame, expected: pd.DataFrame) -> None:
    assert list(actual.columns) == list(expected.columns)
    assert len(actual) == len(expected)
    for column in expected.columns:
        got, want = actual[column], expected[column]
        if pd.api.types.is_numeric_dtype(want) and pd.api.types.is_numeric_dtype(got):
            np.testing.assert_allclose(
                got.to_numpy(float),
                want.to_numpy(float),
                rtol=0,
                atol=1e-9,
                err_msg=column,
            )
        else:
            assert (
                got.fillna("").astype(str).tolist()
                == want.fillna("").astype(str).tolist()
            ), column


def read_table(text: str) -> pd.DataFrame:
    return pd.read_csv(StringIO(text), keep_default_na=False, na_values=[""])


@pytest.mark.parametrize("name", sorted(CASES))
def test_cli_output_matches_its_golden_file(name):
    output = run(CASES[name])
    path = GOLDEN / name
    if os.environ.get("B2BCX_REGENERATE"):
        path.write_text(output, encoding="utf-8")
    expected_text = path.read_text(encoding="utf-8")
    if name.endswith(".json"):
        assert json.loads(output) == json.loads(expected_text)
        return
    assert_same_table(read_table(output), read_table(expected_text))
