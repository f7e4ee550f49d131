"""Exports in the shapes survey platforms and SPSS really write (fixtures in
tests/real_layouts.py): each is read and scored the same way."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from tests.real_layouts import (
    CONFIG,
    IMPORTANCE,
    SPSS_CONFIG,
    VINTAGES,
    csv_text,
    icpsr_frame,
    qualtrics_2016_rows,
    write_icpsr_sav,
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


# -- SPSS: codes stay numbers, labels travel with them -------------------------------
def _accounts(path: Path, config: dict | None = None) -> pd.DataFrame:
    result = api.score(read_export(path), parse_config(config or SPSS_CONFIG))
    return api.account_output(result).set_index("account")


def test_spss_codes_stay_numbers_and_labels_travel_with_them(tmp_path: Path) -> None:
    export = read_export(write_icpsr_sav(tmp_path / "icpsr.sav"))
    assert export.frame["Q20"].tolist()[:5] == ["5", "2", "4", "3", "4"]
    assert export.frame["Q18"].isna().tolist()[7]  # 9 "Refused" is user-missing
    assert export.value_labels["Q20"] == {
        "1": "Not at all Important",
        "3": "Somewhat Important",
        "5": "Very Important",
        "9": "Refused",
    }
    assert export.value_labels["STORE"]["3"] == "East Store"


def test_a_stores_file_scored_alone_equals_that_store_in_the_whole_file(
    tmp_path: Path,
) -> None:
    """Store East answers only labelled codes (1, 3, 5): every answer has a label
    in its own file, but not in the whole file. Both read the same."""
    whole = icpsr_frame()
    east = whole[whole["STORE"] == 3.0].reset_index(drop=True)
    whole_path = write_icpsr_sav(tmp_path / "whole.sav", whole)
    east_path = write_icpsr_sav(tmp_path / "east.sav", east)
    assert set(east[["Q18", "Q19", "Q20"]].stack()) <= set(IMPORTANCE)
    everyone, alone = _accounts(whole_path), _accounts(east_path)
    assert list(alone.index) == ["East Store"]
    # What the reading decides must agree; intervals and shrinkage pool over every
    # account of the file (docs/method.md#variance-fallback), so they may not.
    read = ["n", "roles", "coverage", "index", "integrity", "empathy", "role_gap"]
    pd.testing.assert_series_equal(
        alone.loc["East Store", read],
        everyone.loc["East Store", read],
        check_names=False,
    )
    # by hand: East's manager (Q18 5, Q19 3, Q20 1) scores 100, 50 and 0 on imp5
    table = api.score(read_export(east_path), parse_config(SPSS_CONFIG)).respondents
    manager = table[table["respondent"] == "109"].iloc[0]
    assert (manager["integrity"], manager["empathy"]) == (75.0, 0.0)


def test_the_label_scale_and_a_numeric_scale_give_the_same_scores(
    tmp_path: Path,
) -> None:
    path = write_icpsr_sav(tmp_path / "icpsr.sav")
    numeric = {**SPSS_CONFIG, "scales": {"imp5": {"min": 1, "max": 5}}}
    pd.testing.assert_frame_equal(_accounts(path), _accounts(path, numeric))


def test_labels_coding_the_scale_backwards_are_followed_for_every_code(
    tmp_path: Path,
) -> None:
    """1 = "Very Important" ... 5 = "Not at all Important": the unlabelled codes 2
    and 4 follow the labelled ones (2 -> 4, 4 -> 2)."""
    frame = icpsr_frame()
    backwards = frame.copy()
    for item in ("Q18", "Q19", "Q20"):
        backwards[item] = backwards[item].where(
            backwards[item] == 9.0, 6.0 - backwards[item]
        )
    codes = {6.0 - code: label for code, label in IMPORTANCE.items()} | {9.0: "Refused"}
    forward = _accounts(write_icpsr_sav(tmp_path / "forward.sav", frame))
    reverse = _accounts(write_icpsr_sav(tmp_path / "backward.sav", backwards, codes))
    pd.testing.assert_frame_equal(forward, reverse)


def test_codes_that_labels_cannot_place_are_invalid_answers(tmp_path: Path) -> None:
    codes = {
        1.0: "Very Important",
        2.0: "Somewhat Important",
        5.0: "Not at all Important",
    }
    path = write_icpsr_sav(tmp_path / "odd.sav", codes=codes)
    checked = api.check(read_export(path), parse_config(SPSS_CONFIG))
    bad = {p.value for p in checked.problems if p.severity == "error"}
    assert bad and all("without a value label" in str(v) for v in bad)


# -- rows lost or blocked without a word ----------------------------------------------
def test_two_rows_sharing_a_respondent_id_are_a_warning_naming_both(
    tmp_path: Path,
) -> None:
    rows = qualtrics_2016_rows()
    twin = list(rows[7])  # respondent R_004, another person: other account, answers
    twin[rows[0].index("Q1")] = "Delta"
    twin[rows[0].index("Q3_1")] = "1"
    path = tmp_path / "twins.csv"
    path.write_text(csv_text([*rows, twin]), encoding="utf-8")
    _, problems = api.validate(read_export(path), parse_config(CONFIG))
    warnings = [p for p in problems if "respondent id" in p.problem]
    assert len(warnings) == 1 and warnings[0].severity == "warning"
    # dedupe: latest keeps the later row (19); the earlier one (8) is dropped
    assert warnings[0].row == 8 and warnings[0].value == "R_004"
    assert "also answered in row 19, which is kept" in warnings[0].problem
    assert "answers differ" in warnings[0].problem


def test_an_unnamed_row_index_column_is_no_warning_and_strict_passes(
    tmp_path: Path,
) -> None:
    from tests.conftest import write_yaml
    from typer.testing import CliRunner

    from b2bcx.cli import app

    path = tmp_path / "with_index.csv"
    frame = pd.read_csv(write_vintage(tmp_path, "current"), skiprows=[1, 2], dtype=str)
    frame.to_csv(path)  # pandas writes its row index as an unnamed first column
    export = read_export(path)
    assert export.data_columns[0] == "column_1" and export.warnings == []
    config = write_yaml(tmp_path / "program.yaml", CONFIG)
    out = tmp_path / "report.xlsx"
    result = CliRunner().invoke(
        app, ["report", str(path), "-c", str(config), "-o", str(out), "--strict",
              "--bootstrap", "0"]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert out.exists()


def test_an_unnamed_column_of_other_data_is_still_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "unnamed.csv"
    path.write_text("Account,,Q1\nA,x,1\nB,y,2\nC,z,3\n", encoding="utf-8")
    export = read_export(path)
    assert [w.column for w in export.warnings] == ["column_2"]
