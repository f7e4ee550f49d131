"""Tables written a piece at a time (b2bcx.io.writers): the same text as the whole
table turned into text at once, and Parquet read back as written."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from b2bcx.io import writers
from b2bcx.io.formulas import defuse_frame
from b2bcx.io.writers import csv_pieces, json_pieces, json_records, write_table


def tricky(rows: int = 23) -> pd.DataFrame:
    rng = np.random.default_rng(7)
    text = ["plain", "=SUM(A1)", "line\nbreak", 'quote "x"', "Zürich, 東京", None, "@x"]
    values = rng.normal(50, 20, rows)
    values[::5] = np.nan
    values[4] = np.inf
    return pd.DataFrame(
        {
            "account": [f"A{i:03d}" for i in range(rows)],
            "name": [text[i % len(text)] for i in range(rows)],
            "index": values,
            "n": rng.integers(0, 9, rows),
            "flags": [["low_score"] if i % 4 else [] for i in range(rows)],
            "ok": [bool(i % 2) for i in range(rows)],
        }
    )


@pytest.mark.parametrize("rows", [1, 4, 23, 1000])
def test_csv_pieces_are_the_whole_tables_text(rows: int) -> None:
    table = tricky()
    whole = defuse_frame(table).to_csv(index=False, lineterminator="\n")
    assert "".join(csv_pieces(table, rows)) == whole


@pytest.mark.parametrize("rows", [1, 4, 23, 1000])
def test_json_pieces_are_the_whole_lists_text(rows: int) -> None:
    table = tricky()
    records = json_records(table)
    whole = json.dumps(
        writers._finite(records), indent=2, ensure_ascii=False, default=str,
        allow_nan=False,
    ) + "\n"  # fmt: skip
    text = "".join(json_pieces(table, rows))
    assert text == whole
    assert json.loads(text)[4]["index"] is None  # infinite: null


def test_empty_tables_and_plain_data() -> None:
    empty = tricky().iloc[:0]
    assert "".join(csv_pieces(empty, 3)) == "account,name,index,n,flags,ok\n"
    assert "".join(json_pieces(empty, 3)) == "[]\n"
    assert json.loads("".join(json_pieces({"a": tricky(6)}))) == {
        "a": json_records(tricky(6))
    }


def test_parquet_is_written_a_row_group_at_a_time_and_reads_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pyarrow.parquet as pq

    monkeypatch.setattr(writers, "ROWS_PER_PIECE", 5)
    table = tricky()
    path = write_table(table, tmp_path / "t.parquet")
    assert pq.ParquetFile(path).metadata.num_row_groups == 5
    back = pd.read_parquet(path)
    pd.testing.assert_frame_equal(
        back.drop(columns="flags"), table.drop(columns="flags"), check_dtype=False
    )
    assert back["flags"].tolist() == [str(f) for f in table["flags"]]
