"""Exports in the shapes survey platforms and SPSS really write (fixtures in
tests/real_layouts.py): each is read and scored the same way."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from tests.real_layouts import (
    CONFIG,
    VINTAGES,
    csv_text,
    qualtrics_2016_rows,
    write_vintage,
)

from b2bcx import api
from b2bcx.config.models import parse_config
from b2bcx.io import read_export


# -- Qualtrics vintages --------------------------------------------------------
def test_the_2016_import_id_row_is_header_not_a_response(tmp_path: Path) -> None:
    export = read_export(write_vintage(tmp_path, "2016"))
    assert export.layout == "qualtrics"
    assert len(export.frame) == 15
    assert export.frame["_row"].tolist()[0] == 4
    assert export.aliases["QID3_1"] == "Q3_1"
    assert export.aliases["ResponseId"] == "ResponseID"
    assert export.questions["Q4"].startswith("How likely")
    assert (
        not export.frame.apply(lambda c: c.astype(str).str.contains("ImportId"))
        .any()
        .any()
    )


@pytest.mark.parametrize("vintage", sorted(VINTAGES))
def test_every_qualtrics_vintage_gives_the_same_account_table(
    tmp_path: Path, vintage: str
) -> None:
    config = parse_config(CONFIG)
    reference = api.score(read_export(write_vintage(tmp_path, "current")), config)
    result = api.score(read_export(write_vintage(tmp_path, vintage)), config)
    assert len(result.respondents) == 15
    assert result.accounts["account"].tolist() == [
        "Acme",
        "Borealis",
        "Cobalt",
        "Delta",
    ]
    pd.testing.assert_frame_equal(
        api.account_output(result), api.account_output(reference)
    )


def test_an_import_id_row_among_the_responses_is_skipped_with_a_warning(
    tmp_path: Path,
) -> None:
    rows = qualtrics_2016_rows()
    path = tmp_path / "pasted.csv"
    path.write_text(csv_text(rows[:10] + rows[2:3] + rows[10:]), encoding="utf-8")
    export = read_export(path)
    assert len(export.frame) == 15
    skipped = [w for w in export.warnings if "ImportId" in w.problem]
    assert [w.row for w in skipped] == [11]
    assert not export.frame["Q1"].str.contains("ImportId").any()
