"""SPSS and xlsx exports through the moments pass.

The reference is the respondent path (``api.score`` on the export read whole),
itself checked against outside references elsewhere: the streamed tables must
equal it to 1e-9, row accounting included.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pyreadstat
import pytest
from tests.test_moments import EXAMPLES, assert_same_tables, write_config, write_export

from b2bcx import api
from b2bcx.config.models import load_config
from b2bcx.io import batches

CODES = {
    "Strongly disagree": 1.0,
    "Disagree": 2.0,
    "Neither agree nor disagree": 3.0,
    "Agree": 4.0,
    "strongly agree ": 5.0,
    "Don't know": 9.0,
}
ROLE_CODES = {"CEO": 1.0, "Buyer": 2.0, " user": 3.0, "End User": 4.0, "Janitor": 5.0}


def write_xlsx(frame: pd.DataFrame, path: Path, title: bool = False) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    if title:
        sheet.append(["Customer survey, exported 2026-09-30"])
    sheet.append(list(frame.columns))
    for row in frame.itertuples(index=False):
        sheet.append([None if v == "" else v for v in row])
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"  # text that looks like a formula stays text
    book.save(path)
    return path


def as_text(csv: Path) -> pd.DataFrame:
    return pd.read_csv(csv, dtype=str, keep_default_na=False)


def write_coded_sav(csv: Path, path: Path) -> Path:
    """The generated export with answers and roles as labelled codes."""
    frame = as_text(csv)
    labels: dict[str, dict[float, str]] = {}
    for q in [f"Q{k}" for k in range(1, 8)]:
        frame[q] = frame[q].map(CODES).astype("float64")
        labels[q] = {code: text.strip() for text, code in CODES.items()}
    frame["Role"] = frame["Role"].map(ROLE_CODES).astype("float64")
    labels["Role"] = {code: text.strip() for text, code in ROLE_CODES.items()}
    frame["NPS"] = pd.to_numeric(frame["NPS"]).astype("float64")
    pyreadstat.write_sav(frame, str(path), variable_value_labels=labels)
    return path


def no_careful_read(monkeypatch: pytest.MonkeyPatch) -> None:
    """The respondent path's reader fails: a result can only come from the pass."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the export was read whole")

    import b2bcx.io.reader as reader

    monkeypatch.setattr(reader, "read_export", refuse)
    monkeypatch.setattr(reader, "read_exports", refuse)


def streamed_and_full(
    path: Path, config_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[object, object]:
    config = load_config(config_path)
    full = api.score(api.load_exports([path]), config)
    with monkeypatch.context() as patch:
        no_careful_read(patch)
        streamed = api.score_files([path], config)
    assert streamed is not None  # the pass ran: no fallback
    return streamed, full


def test_the_example_as_xlsx_and_sav_streams_like_the_respondent_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    frame = as_text(EXAMPLES / "acme_2026q3.csv")
    xlsx = write_xlsx(frame, tmp_path / "acme.xlsx")
    sav = tmp_path / "acme.sav"
    pyreadstat.write_sav(frame, str(sav))
    for path in (xlsx, sav):
        assert batches.stream_source(path) is not None
        streamed, full = streamed_and_full(path, EXAMPLES / "acme.yaml", monkeypatch)
        assert_same_tables(streamed, full)
        assert len(full.rows) == len(frame)  # type: ignore[attr-defined]


@pytest.mark.parametrize("method", ["role_weighted", "waterfall"])
def test_generated_xlsx_streams_like_the_respondent_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, method: str
) -> None:
    csv = write_export(tmp_path / "export.csv", 600, seed=5)
    xlsx = write_xlsx(as_text(csv), tmp_path / "export.xlsx")
    streamed, full = streamed_and_full(
        xlsx, write_config(tmp_path, method), monkeypatch
    )
    assert_same_tables(streamed, full)


@pytest.mark.parametrize("method", ["role_weighted", "mean"])
def test_coded_sav_streams_like_the_respondent_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, method: str
) -> None:
    """Codes read through their value labels (roles by label, "Don't know" as
    missing), several chunks."""
    monkeypatch.setattr(batches, "SPSS_ROWS", 150)
    csv = write_export(tmp_path / "export.csv", 700, seed=6)
    sav = write_coded_sav(csv, tmp_path / "export.sav")
    streamed, full = streamed_and_full(sav, write_config(tmp_path, method), monkeypatch)
    assert_same_tables(streamed, full)
    by_role = full.by_role  # type: ignore[attr-defined]
    assert len(by_role) > 0
    assert not np.isnan(full.accounts.select_dtypes("number").to_numpy()).all()  # type: ignore[attr-defined]


def test_a_workbook_with_a_title_row_takes_the_respondent_path(
    tmp_path: Path,
) -> None:
    csv = write_export(tmp_path / "export.csv", 60, seed=7)
    xlsx = write_xlsx(as_text(csv), tmp_path / "export.xlsx", title=True)
    assert batches.stream_source(xlsx) is None
    config = load_config(write_config(tmp_path))
    assert api.score_files([xlsx], config) is None


def test_ambiguous_amounts_are_warned_about_in_account_order_over_many_batches(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(batches, "BLOCK_BYTES", 20_000)
    csv = write_export(tmp_path / "export.csv", 700, seed=6)
    config = load_config(write_config(tmp_path))
    streamed = api.score_files([csv], config)
    assert streamed is not None
    full = api.score(api.load_exports([csv]), config)
    assert any("thousands group" in p.problem for p in full.problems)
    assert streamed.problems == full.problems
