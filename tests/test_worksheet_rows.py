"""Table rows written straight into the sheet XML (b2bcx.io.worksheet_rows) give the
same cells as openpyxl's own writer, and a workbook openpyxl reads back unchanged."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from typing import Any

import numpy as np
import openpyxl
import pandas as pd
import pytest
from openpyxl import Workbook
from openpyxl.styles import Alignment

from b2bcx.io.cell_xml import CUT_MARK
from b2bcx.io.worksheet import workbook_bytes, write_frame, write_workbook

TRICKY = [
    "plain",
    "a & b < c > d",
    "  leading and trailing  ",
    "line\nbreak\ttab",
    "carriage\rreturn",
    "=HYPERLINK(1)",
    "+1",
    "",
    "Zürich — 東京",
    "quotes \"double\" 'single'",
    "x" * 40_000,  # longer than a cell holds: cut, with a mark that says so
]


def tricky_table(rows: int = 40) -> pd.DataFrame:
    rng = np.random.default_rng(3)
    text = [TRICKY[i % len(TRICKY)] for i in range(rows)]
    number = rng.normal(50, 20, rows)
    number[::7] = np.nan
    number[3] = np.inf
    return pd.DataFrame(
        {
            "account": [f"A{i}" for i in range(rows)],
            "text": text,
            "index": number,
            "n": rng.integers(0, 10**12, rows),
            "flag": [bool(i % 3) if i % 5 else None for i in range(rows)],
            "rate": rng.random(rows),
            "blank": [None] * rows,
        }
    )


def workbook_of(table: pd.DataFrame, defer: bool) -> bytes:
    workbook = Workbook()
    ws = workbook.active
    assert ws is not None
    ws.title = "Table"
    ws.cell(row=1, column=1, value="A title above the table")
    styles = {"text": (Alignment(horizontal="left", indent=1), None)}
    write_frame(ws, table, start_row=3, table_name="T", styles=styles, defer=defer)
    ws.cell(row=len(table) + 6, column=2, value="a note below")
    return workbook_bytes(workbook)


def cells_with_styles(content: bytes) -> str:
    """The sheet XML with each style id replaced by its ``<xf>`` and empty rows dropped."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        styles = archive.read("xl/styles.xml").decode()
        sheet = archive.read("xl/worksheets/sheet1.xml").decode()
    cell_xfs = re.search(r"<cellXfs[^>]*>(.*)</cellXfs>", styles, re.S)
    assert cell_xfs
    xfs = re.findall(r"<xf\b.*?(?:/>|</xf>)", cell_xfs.group(1), re.S)
    sheet = re.sub(r' s="(\d+)"', lambda m: f' s="{xfs[int(m.group(1))]}"', sheet)
    return re.sub(r'<row r="\d+"></row>', "", sheet)


def test_deferred_rows_are_the_cells_openpyxl_writes() -> None:
    table = tricky_table()
    deferred, cells = workbook_of(table, True), workbook_of(table, False)
    assert cells_with_styles(deferred) == cells_with_styles(cells)


def test_deferred_rows_read_back_with_values_styles_and_safe_text() -> None:
    table = tricky_table()
    sheet = openpyxl.load_workbook(io.BytesIO(workbook_of(table, True)))["Table"]
    assert sheet.max_row == len(table) + 6
    assert sheet.cell(row=len(table) + 6, column=2).value == "a note below"
    for offset, record in enumerate(table.to_dict("records")):
        row = 4 + offset
        text = sheet.cell(row=row, column=2)
        expected = record["text"] or None
        if expected and len(expected) > 32_767:
            expected = expected[: 32_767 - len(CUT_MARK)] + CUT_MARK
        assert text.value == expected and text.alignment.indent == 1
        assert text.quotePrefix == (expected in ("=HYPERLINK(1)", "+1"))
        assert sheet.cell(row=row, column=4).value == record["n"]
        flag = sheet.cell(row=row, column=5).value
        assert flag == record["flag"]
        index = sheet.cell(row=row, column=3).value
        if np.isfinite(record["index"]):
            assert index == pytest.approx(record["index"], rel=1e-15)
        else:
            assert index is None
    assert sheet.tables["T"].ref == f"A3:G{len(table) + 3}"


def test_a_second_write_into_deferred_rows_is_refused() -> None:
    workbook = Workbook()
    ws = workbook.active
    assert ws is not None
    write_frame(ws, tricky_table(5), defer=True)
    ws.cell(row=4, column=1, value="overwrites a deferred row")
    with pytest.raises(RuntimeError, match="written twice"):
        workbook_bytes(workbook)


def test_rows_made_in_pieces_are_the_rows_made_at_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A block longer than a piece (here 7 rows, numbers, blanks, inf and text
    mixed) gives the same sheet as openpyxl's cells, piece by piece."""
    from b2bcx.io import worksheet_rows

    table = tricky_table(60)
    cells = workbook_of(table, False)
    monkeypatch.setattr(worksheet_rows, "ROWS_PER_CHUNK", 7)
    assert cells_with_styles(workbook_of(table, True)) == cells_with_styles(cells)


def test_an_illegal_character_in_deferred_text_still_raises_on_saving() -> None:
    """write_frame replaces control characters; rows deferred by another caller
    that hold one are refused as openpyxl refuses them."""
    from openpyxl.styles.cell_style import StyleArray
    from openpyxl.utils.exceptions import IllegalCharacterError

    from b2bcx.io.worksheet_rows import defer_rows

    workbook = Workbook()
    ws = workbook.active
    assert ws is not None
    defer_rows(ws, [["fine", "bell\x07"], [1.5, 2.5]], 2, [StyleArray()] * 2)
    with pytest.raises(IllegalCharacterError):
        workbook_bytes(workbook)


def test_overlapped_writing_keeps_order_and_passes_errors_on() -> None:
    from b2bcx.io.worksheet import write_overlapped

    written = io.BytesIO()
    write_overlapped(written, (bytes([i]) * 3 for i in range(50)))
    assert written.getvalue() == b"".join(bytes([i]) * 3 for i in range(50))

    def failing() -> Iterator[bytes]:
        yield b"first"
        raise ValueError("made no more")

    target = io.BytesIO()
    with pytest.raises(ValueError, match="made no more"):
        write_overlapped(target, failing())
    assert target.getvalue() == b"first"

    class Full(io.BytesIO):
        def write(self, data: Any) -> int:
            raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        write_overlapped(Full(), iter([b"a", b"b"]))


def test_a_workbook_written_into_its_file_is_the_bytes_made_in_memory(
    tmp_path: Any,
) -> None:
    from datetime import UTC, datetime

    def book() -> Workbook:
        workbook = Workbook()
        ws = workbook.active
        assert ws is not None
        write_frame(ws, tricky_table(12_000), table_name="T", defer=True)  # 3 pieces
        return workbook

    stamp = datetime(2026, 10, 1, 9, 30, tzinfo=UTC)
    write_workbook(tmp_path / "book.xlsx", book(), stamp)
    assert (tmp_path / "book.xlsx").read_bytes() == workbook_bytes(book(), stamp)
