"""`report` and `deck` on the streaming pass: the same workbook and the same slides
as when the exports are read whole (docs/method.md#streaming)."""

from __future__ import annotations

import math
from pathlib import Path

import openpyxl
import pytest
import yaml

from b2bcx import api
from b2bcx.api.workbook import load_sources, report_inputs
from b2bcx.deck.plan import comments_by_account, roles_by_account
from b2bcx.report.workbook import write_report
from b2bcx.results import AnalysisOptions

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
Q3, Q2 = EXAMPLES / "acme_2026q3.csv", EXAMPLES / "acme_2026q2.csv"
CRM = EXAMPLES / "crm_accounts.csv"


@pytest.fixture(scope="module")
def config(tmp_path_factory) -> Path:
    """The example's config without factor screening (which reads respondents)."""
    data = yaml.safe_load((EXAMPLES / "acme.yaml").read_text(encoding="utf-8"))
    data.pop("factors", None)
    path = tmp_path_factory.mktemp("cfg") / "acme.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def _values(book: openpyxl.Workbook) -> dict[str, list[tuple[object, ...]]]:
    return {
        ws.title: list(ws.iter_rows(values_only=True))
        for ws in book.worksheets
        if ws.title != "Respondents"
    }


def _same(a: object, b: object) -> bool:
    if isinstance(a, float) and isinstance(b, int | float):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
    return a == b


def test_a_streamed_report_equals_the_read_one(config: Path, tmp_path: Path) -> None:
    sources = load_sources([Q3], config, baseline=[Q2], accounts=CRM)
    options = AnalysisOptions(bootstrap=40)
    notices: list[str] = []
    watch = api.commands.Watch(notice=notices.append)
    streamed = report_inputs(sources, options=options, watch=watch)
    read = report_inputs(sources, options=options, include_respondents=True)
    assert streamed.score.respondents.empty  # no respondent table was built
    assert not read.score.respondents.empty
    assert notices == []  # the pass applied: nothing was read twice
    a = _values(openpyxl.load_workbook(write_report(streamed, tmp_path / "s.xlsx")))
    b = _values(openpyxl.load_workbook(write_report(read, tmp_path / "r.xlsx")))
    assert a.keys() == b.keys()
    for sheet in a:
        assert len(a[sheet]) == len(b[sheet]), sheet
        for row_a, row_b in zip(a[sheet], b[sheet], strict=True):
            assert all(_same(x, y) for x, y in zip(row_a, row_b, strict=True)), (
                sheet,
                row_a,
                row_b,
            )
    assert streamed.drivers is not None and streamed.drivers_by_role is not None


def test_deck_lines_from_the_pass_equal_the_read_ones(config: Path) -> None:
    streamed = api.score([Q3], config)
    read = api.score(api.load_exports([Q3]), config)
    assert streamed.respondents.empty
    assert comments_by_account(streamed) == comments_by_account(read)
    assert roles_by_account(streamed) == roles_by_account(read)
    assert streamed.respondent_count == read.respondent_count == 1200


def test_comments_do_not_depend_on_how_the_pass_is_split(tmp_path: Path) -> None:
    """Each account keeps its first comments whatever the batches: the rows in
    reverse order, and cut into many small files, keep the same comments."""
    import pandas as pd

    rows = pd.read_csv(Q3, dtype=str, keep_default_na=False)
    config = EXAMPLES / "acme.yaml"
    whole = api.score([Q3], config).comments
    backwards = tmp_path / "backwards.csv"
    rows.iloc[::-1].to_csv(backwards, index=False)
    parts = []
    for k, start in enumerate(range(0, len(rows), 97)):
        part = tmp_path / f"part{k:02d}.csv"
        rows.iloc[start : start + 97].to_csv(part, index=False)
        parts.append(part)
    for other in (api.score([backwards], config), api.score(parts, config)):
        assert other.respondents.empty
        pd.testing.assert_frame_equal(
            other.comments.reset_index(drop=True), whole.reset_index(drop=True)
        )


def test_a_streamed_report_counts_excluded_rows_without_denying_them(
    config: Path, tmp_path: Path
) -> None:
    """A row without an account is counted per reason; the sheet never also says
    that no row was excluded."""
    import pandas as pd

    rows = pd.read_csv(Q3, dtype=str, keep_default_na=False)
    rows.loc[3, "AccountId"] = ""
    export = tmp_path / "blank_account.csv"
    rows.to_csv(export, index=False)
    inputs = report_inputs(
        load_sources([export], config), options=AnalysisOptions(bootstrap=0)
    )
    assert inputs.score.respondents.empty  # streamed
    book = openpyxl.load_workbook(write_report(inputs, tmp_path / "r.xlsx"))
    texts = [
        str(v) for r in book["Data quality"].iter_rows(values_only=True) for v in r
    ]
    assert "excluded: no account" in texts
    assert any("Counted per reason above" in t for t in texts)
    assert "No row was excluded." not in texts


def test_the_drivers_are_the_same_fitted_beside_the_finish_or_before_it(
    config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Above ``BESIDE_BYTES`` of drivers' sums the key drivers are fitted before the
    finish instead of beside it; the tables do not depend on which."""
    import pandas as pd

    from b2bcx.api import streamed as streamed_module

    sources = load_sources([Q3], config, accounts=CRM)
    options = AnalysisOptions(bootstrap=40)
    beside = report_inputs(sources, options=options)
    monkeypatch.setattr(streamed_module, "BESIDE_BYTES", 0)
    before = report_inputs(sources, options=options)
    assert beside.drivers is not None and before.drivers is not None
    assert beside.drivers_by_role is not None and before.drivers_by_role is not None
    pd.testing.assert_frame_equal(beside.drivers.table, before.drivers.table)
    pd.testing.assert_frame_equal(
        beside.drivers_by_role.table, before.drivers_by_role.table
    )
    pd.testing.assert_frame_equal(beside.score.accounts, before.score.accounts)
