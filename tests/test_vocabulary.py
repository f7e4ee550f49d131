"""One output vocabulary: every view says the same about every account.

The shipped example is run as a user runs it (`score -f json`, `report`, `deck`,
with its baseline and CRM list), once with the example's thresholds and once with
other thresholds in the config. For every account the deck's "At risk because" and
"Blind spot because" lines are the workbook's cells, the terminal's codes and the
JSON's ids are the same flags, and the counts on the deck's title and portfolio
slides are the Summary's. Architecture tests keep every view reading the one
definition of each account column (:mod:`b2bcx.scoring.columns`) and each flag
(:data:`b2bcx.scoring.risk.FLAGS`).
"""

from __future__ import annotations

import ast
import html
import json
import re
from decimal import ROUND_HALF_UP, Decimal
from functools import cached_property
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from tests.conftest import EXAMPLES, ROOT
from typer.testing import CliRunner

from b2bcx import api
from b2bcx.api.load import load_exports, load_master
from b2bcx.cli import app
from b2bcx.cli.render.score import account_columns
from b2bcx.config.models import Flags, load_config
from b2bcx.scoring.columns import ACCOUNT_COLUMNS, COLUMNS, NPS, as_text
from b2bcx.scoring.risk import FLAGS, reason_ids, reasons_text

pptx = pytest.importorskip("pptx")

Q3, Q2 = EXAMPLES / "acme_2026q3.csv", EXAMPLES / "acme_2026q2.csv"
CONFIG, CRM = EXAMPLES / "acme.yaml", EXAMPLES / "crm_accounts.csv"
OTHER_THRESHOLDS = {
    "low_score": 0.25,
    "role_gap": 10,
    "low_coverage": 0.8,
    "low_reliability": 0.85,
    "low_agreement": 0.8,
}
"""Thresholds unlike the example's (the default 0.1, 20, 0.5, 0.7 and the default 0.7)."""
AT_RISK, BLIND = COLUMNS["at_risk"], COLUMNS["blind_spots"]


def config_with(thresholds: dict[str, float], folder: Path) -> Path:
    """The example's config with other `flags:` values (the rest as shipped)."""
    text = CONFIG.read_text(encoding="utf-8")
    block = "flags:\n" + "".join(f"  {k}: {v}\n" for k, v in thresholds.items())
    text, count = re.subn(r"(?m)^flags:\n(?:  .*\n)+", block, text)
    assert count == 1
    path = folder / "acme.yaml"
    path.write_text(text, encoding="utf-8")
    return path


class Views:
    """The example run through every view with one config."""

    def __init__(self, config: Path, folder: Path) -> None:
        common = [str(Q3), "-c", str(config), "-b", str(Q2), "--accounts", str(CRM)]
        runner = CliRunner()
        done = runner.invoke(app, ["score", *common, "-f", "json"])
        assert done.exit_code == 0, done.output
        self.json = {r["account"]: r for r in json.loads(done.stdout)}
        workbook, deck = folder / "report.xlsx", folder / "deck.pptx"
        for command, target in (("report", workbook), ("deck", deck)):
            done = runner.invoke(app, [command, *common, "-o", str(target)])
            assert done.exit_code == 0, done.output
        self.book = openpyxl.load_workbook(workbook, read_only=True)
        self.deck = pptx.Presentation(str(deck))
        loaded = load_config(config)
        self.config = loaded
        self.result = api.score(
            load_exports([Q3]),
            loaded,
            baseline=load_exports([Q2]),
            master=load_master(loaded, CRM),
        )
        self.table = api.account_output(self.result)
        self.common, self.folder = common, folder

    @cached_property
    def html(self) -> str:
        """The HTML page of the same run (made when a test first reads it)."""
        page = self.folder / "report.html"
        done = CliRunner().invoke(app, ["report", *self.common, "-o", str(page)])
        assert done.exit_code == 0, done.output
        return page.read_text(encoding="utf-8")

    def workbook_cells(self, header: str) -> dict[str, tuple[object, str]]:
        """One column of the Accounts sheet: account id -> (value, number format)."""
        rows = self.book["Accounts"].iter_rows()
        heads = [c.value for c in next(rows)]
        at = heads.index(header)
        return {str(r[0].value): (r[at].value, r[at].number_format) for r in rows}

    def workbook_rows(self) -> dict[str, dict[str, object]]:
        """The Accounts sheet, by account id, keyed by header."""
        rows = self.book["Accounts"].iter_rows(values_only=True)
        header = next(rows)
        return {str(r[0]): dict(zip(header, r, strict=True)) for r in rows if r[0]}

    def slide_lines(self) -> dict[str, list[str]]:
        """Each account slide's text lines, by the account id the slide is named by."""
        out = {}
        for slide in list(self.deck.slides)[2:]:
            if not slide.name:
                continue
            text = "\n".join(
                s.text_frame.text for s in slide.shapes if s.has_text_frame
            )
            out[slide.name] = text.splitlines()
        return out

    def summary(self) -> dict[str, object]:
        """The Summary sheet's figures: measure -> value."""
        return {
            str(r[0]): r[1]
            for r in self.book["Summary"].iter_rows(values_only=True)
            if r and r[0]
        }

    def slide_text(self, number: int) -> str:
        slide = list(self.deck.slides)[number]
        return "\n".join(s.text_frame.text for s in slide.shapes if s.has_text_frame)


@pytest.fixture(scope="module", params=["example", "other thresholds"])
def views(request, tmp_path_factory) -> Views:
    folder = tmp_path_factory.mktemp(request.param.replace(" ", "-"))
    config = (
        CONFIG if request.param == "example" else config_with(OTHER_THRESHOLDS, folder)
    )
    return Views(config, folder)


def line_of(lines: list[str], label: str | None) -> str:
    found = [x.split(": ", 1)[1] for x in lines if x.startswith(f"{label}: ")]
    assert len(found) <= 1
    return found[0] if found else ""


def test_every_slide_says_why_as_the_workbook_does(views: Views):
    workbook = views.workbook_rows()
    slides = views.slide_lines()
    heard = [a for a, row in views.json.items() if row["n"]]
    assert set(slides) == set(heard)  # one slide per account heard
    for account in heard:
        row, lines = workbook[account], slides[account]
        assert line_of(lines, AT_RISK.deck) == (row[AT_RISK.header] or ""), account
        assert line_of(lines, BLIND.deck) == (row[BLIND.header] or ""), account
        assert not any(x.startswith("Risks:") for x in lines), account


def test_json_workbook_and_terminal_carry_the_same_flags(views: Views):
    workbook = views.workbook_rows()
    assert set(workbook) == set(views.json)
    codes = {f.code: f.id for f in FLAGS}
    columns = {c.header: c for c in account_columns(views.result, views.table)}
    terminal = {
        name: {
            str(a): [codes[c] for c in cell.plain.split()]
            for a, cell in zip(
                views.table["account"],
                columns[str(COLUMNS[name].terminal)].cells,
                strict=True,
            )
        }
        for name in ("at_risk", "blind_spots")
    }
    for account, row in views.json.items():
        for name in ("at_risk", "blind_spots", "flags"):
            header = COLUMNS[name].header
            assert reasons_text(row[name]) == (workbook[account][header] or ""), (
                account,
                name,
            )
        assert terminal["at_risk"][account] == reason_ids(row["at_risk"]), account
        assert terminal["blind_spots"][account] == reason_ids(row["blind_spots"])


def test_the_thresholds_are_the_configs(views: Views):
    """A flag is set exactly where the config's threshold says, in every view's data."""
    flags = views.config.flags
    rows = views.json.values()
    scored = [r for r in rows if r["n"]]
    for row in scored:
        ids = reason_ids(row["flags"])
        reliability = row.get("reliability")
        if reliability is not None:
            assert ("low_reliability" in ids) == (
                reliability < flags.low_reliability
            ), row["account"]
        assert ("low_coverage" in ids) == (row["coverage"] < flags.low_coverage)
        gap = row.get("role_gap")
        if gap is not None and abs(gap - flags.role_gap) > 1e-9:
            assert ("role_gap" in ids) == (gap > flags.role_gap), row["account"]
    # low score: at or below the flags.low_score quantile of the ranked scores
    basis = [r["index_eb"] for r in scored if r.get("index_eb") is not None]
    cut = float(np.quantile(np.round(basis, 9), flags.low_score))
    for row in scored:
        score = row.get("index_eb")
        if score is not None and abs(score - cut) > 1e-6:
            low = "low_score" in reason_ids(row["at_risk"])
            assert low == (score < cut), row["account"]
    summary = " ".join(str(v) for v in views.summary())
    assert f"among the lowest {flags.low_score:.0%}" in summary


def test_other_thresholds_flag_other_accounts(tmp_path):
    """The second run is a real test: its thresholds change who is flagged."""
    assert Flags(**OTHER_THRESHOLDS) != load_config(CONFIG).flags
    config = load_config(config_with(OTHER_THRESHOLDS, tmp_path))
    assert config.flags.low_reliability == OTHER_THRESHOLDS["low_reliability"]
    master = load_master(config, CRM)
    other = api.account_output(api.score(load_exports([Q3]), config, master=master))
    example = load_config(CONFIG)
    usual = api.account_output(
        api.score(load_exports([Q3]), example, master=load_master(example, CRM))
    )
    assert list(other["blind_spots"]) != list(usual["blind_spots"])
    assert list(other["at_risk"]) != list(usual["at_risk"])
    assert list(other["flags"]) != list(usual["flags"])


def test_the_deck_counts_what_the_summary_counts(views: Views):
    summary = views.summary()
    table = views.table
    heard = table[table["n"] > 0]
    risky = int((heard["at_risk"] != "").sum())
    blind = int((table["blind_spots"] != "").sum())
    assert summary["Accounts at risk"] == f"{risky} of {len(heard)}"
    assert summary["Blind spots"] == f"{blind} of {len(table)}"
    not_heard = summary.get("Listed accounts not heard", 0)
    assert summary["Accounts heard"] == len(heard)
    title = views.slide_text(0)
    assert f"{len(table)} accounts, {not_heard} not heard" in title
    portfolio = views.slide_text(1)
    assert f"{risky} accounts at risk" in portfolio
    assert f"{blind} blind spots" in portfolio
    assert f"{summary['Accounts with an index']:,} accounts scored" in portfolio


def excel_text(value: float, number_format: str) -> str:
    """What Excel shows for ``value`` in a format of plain sections such as
    ``+0;-0;0``: the section by the value's sign (positive; negative, its minus
    sign left to the format; zero), the absolute value rounded half away from
    zero to the section's decimals."""
    sections = number_format.split(";")
    section = sections[0 if value > 0 else 1 if value < 0 else 2]
    prefix = section[: section.index("0")]
    places = len(section.split(".")[1]) if "." in section else 0
    shown = Decimal(repr(abs(value))).quantize(
        Decimal(1).scaleb(-places), ROUND_HALF_UP
    )
    return f"{prefix}{shown}"


def after_label(line: str, label: str) -> str:
    """``+35`` from ``NPS +35 (95% CI ...) · 9 answers``, in plain minus signs."""
    assert line.startswith(f"{label} "), line
    return line[len(label) + 1 :].split(" ")[0].replace("−", "-")


def test_every_view_prints_an_account_nps_the_same(views: Views):
    """For every account the workbook's NPS cell (its number format, as Excel shows
    it), the terminal's NPS, the deck's and the HTML page's NPS line read the same:
    a whole number with its sign (+35, -12, 0), from the one definition of ``nps``.
    Before, the workbook showed 38.0, the terminal 35 and the deck +35."""
    nps = COLUMNS["nps"]
    assert (nps.kind, nps.excel, nps.digits) == ("nps", NPS, 0)
    cells = views.workbook_cells(nps.header)
    columns = {c.header: c for c in account_columns(views.result, views.table)}
    terminal = dict(
        zip(
            map(str, views.table["account"]),
            columns[str(nps.terminal)].cells,
            strict=True,
        )
    )
    slides = views.slide_lines()
    sections = {
        title.rsplit("(", 1)[-1].rstrip(")"): body
        for title, body in re.findall(
            r'<article class="account"[^>]*><h3>(.*?)</h3>(.*?)</article>',
            html.unescape(views.html),
            re.S,
        )
    }
    signs = set()
    for account, row in views.json.items():
        value, number_format = cells[account]
        if row.get("nps") is None:
            assert value is None and terminal[account] == "", account
            continue
        assert number_format == nps.excel, account
        assert value == pytest.approx(row["nps"], abs=1e-9), account
        text = excel_text(float(value), number_format)
        assert terminal[account] == text == as_text("nps", value), account
        line = next(x for x in slides[account] if x.startswith(f"{nps.deck} "))
        assert after_label(line, str(nps.deck)) == text, (account, line)
        html_line = re.search(rf"<li>({nps.deck} [^<]*)</li>", sections[account])
        assert html_line, account
        assert after_label(html_line.group(1), str(nps.deck)) == text, account
        signs.add(text[0] if text != "0" else "0")
    assert signs == {"+", "-", "0"}  # the example has each kind of NPS


def test_the_portfolio_nps_reads_the_same_in_every_view(views: Views):
    """The Summary's account NPS (its format), the terminal's portfolio line and the
    deck's portfolio slide: +22 (95% CI +12 to +32)."""
    figures = {
        str(r[0].value): r
        for r in views.book["Summary"].iter_rows()
        if r and r[0].value and len(r) > 3
    }
    row = figures["Account NPS (-100..100)"]
    assert {c.number_format for c in row[1:4]} == {NPS}
    value, low, high = (excel_text(float(c.value), NPS) for c in row[1:4])
    assert value == as_text("nps", views.result.portfolio["nps"])
    said = f"Account NPS {value} (95% CI {low} to {high})"
    assert said in views.slide_text(1).replace("−", "-")
    from b2bcx.cli.render.score import _portfolio_line

    assert f"account NPS {value} (95% CI {low} to {high})" in _portfolio_line(
        views.result
    )


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (35.4, "+35"),
        (-12.0, "-12"),
        (0.0, "0"),
        (-100.0, "-100"),
        (100.0, "+100"),
        (99.5, "+100"),
        (-0.5, "-1"),
        (0.3, "+0"),
        (-0.3, "-0"),
        (1e-12, "0"),
        (float("nan"), ""),
    ],
)
def test_an_nps_reads_as_excel_shows_its_format(value: float, text: str):
    """The NPS's text is what Excel shows under its format ``+0;-0;0``: the sign
    comes from the value (Excel picks the section so, -0.3 reads "-0"), last-bit
    noise around zero reads 0."""
    assert as_text("nps", value) == text
    if text and abs(value) > 1e-9:
        assert excel_text(value, NPS) == text


def test_every_nps_column_is_of_kind_nps():
    """The NPS and its bounds are kind ``nps``; its answer count and standard error
    are not."""
    kinds = {c.id: c.kind for c in ACCOUNT_COLUMNS if "nps" in c.id}
    assert kinds == {
        "nps": "nps",
        "nps_ci_low": "nps",
        "nps_ci_high": "nps",
        "nps_n": "count",
    }


# -- one definition per column and per flag -------------------------------------------

VIEWS = [
    *sorted((ROOT / "src" / "b2bcx" / "report").glob("*.py")),
    *sorted((ROOT / "src" / "b2bcx" / "deck").glob("*.py")),
    *sorted((ROOT / "src" / "b2bcx" / "html").glob("*.py")),
    *sorted((ROOT / "src" / "b2bcx" / "cli" / "render").glob("*.py")),
]


def strings_and_numbers(path: Path) -> tuple[set[str], set[float]]:
    """The string constants (docstrings left out) and the float constants of a module."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docs = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.FunctionDef | ast.ClassDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    strings, numbers = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and id(node) not in docs:
            if isinstance(node.value, str):
                strings.add(node.value)
            elif isinstance(node.value, float):
                numbers.add(node.value)
    return strings, numbers


def compared_numbers(path: Path) -> set[float]:
    """The numbers a module compares something with (``x < 0.7``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {
        float(side.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Compare)
        for side in [node.left, *node.comparators]
        if isinstance(side, ast.Constant)
        and isinstance(side.value, int | float)
        and not isinstance(side.value, bool)
    }


THRESHOLD_WORDS = re.compile(
    r"(reliab|coverage|agreement|rwg|role gap)[^.;]{0,40}?\b(0\.70?|0\.50?|20)\b"
    r"|lowest \d+ ?%",
    re.I,
)
"""A threshold written into a sentence: "reliability below 0.7", "the lowest 10%"
(:data:`b2bcx.scoring.risk.LOW_SCORE_SHARE`)."""


def test_no_view_keeps_its_own_copy_of_a_threshold():
    """Flag thresholds are read from the config: no view module compares a value with
    a number the config's `flags:` default to (0.5, 0.7, 20), nor writes one beside
    the flag's words ("reliability below 0.7", "the lowest 10%")."""
    defaults = {float(v) for v in Flags().model_dump().values()}
    for path in VIEWS:
        found = compared_numbers(path) & defaults
        assert not found, (path.name, found)
        strings, _ = strings_and_numbers(path)
        said = [s for s in strings if THRESHOLD_WORDS.search(s)]
        assert not said, (path.name, said)


PLAIN_WORDS = {"Account", "Name", "Respondents", "CX index", "NPS", "Change", "Tier"}
"""Headers that are also the plain name of a sheet, a chart or a measure."""
PLAIN_TERMINAL = {"at risk", "blind spots"}
"""Terminal headers that are also words of sentences ("revenue at risk")."""


def test_no_view_keeps_its_own_copy_of_an_account_header():
    """An account column's header (workbook) or its terminal header is written only
    in :mod:`b2bcx.scoring.columns`; views read it from there."""
    headers = {c.header for c in ACCOUNT_COLUMNS} - PLAIN_WORDS
    headers |= (
        {c.terminal for c in ACCOUNT_COLUMNS if c.terminal and c.terminal != c.id}
        - PLAIN_TERMINAL
        - PLAIN_WORDS
    )
    assert {"At risk because", "Δ", "index ±95%", "Reliability"} <= headers
    for path in VIEWS:
        strings, _ = strings_and_numbers(path)
        assert not strings & headers, (path.name, strings & headers)


def test_every_column_of_the_account_table_is_defined_once(views: Views):
    """JSON, CSV and the workbook carry only defined columns: the fixed ones of
    :mod:`b2bcx.scoring.columns`, and those the config names."""
    config = views.config
    named = {
        *config.pillars,
        *config.composites,
        *config.outcomes,
        *config.columns.segments,
        *(config.accounts.segments if config.accounts else []),
        config.columns.phase,
        config.columns.revenue,
        config.accounts.revenue if config.accounts else None,
    }
    for name in views.table.columns:
        assert name in COLUMNS or name in named, name
    assert len({c.id for c in ACCOUNT_COLUMNS}) == len(ACCOUNT_COLUMNS)
    for column in ACCOUNT_COLUMNS:
        assert column.header and column.description, column.id
        assert (column.terminal is None) == (column.priority is None), column.id
        if column.kind in {"score", "signed", "share", "statistic", "p", "count"}:
            assert column.excel and column.digits is not None, column.id


def test_a_blind_spot_is_never_said_to_be_a_risk():
    """The deck's lines keep risks and blind spots apart, in the workbook's words."""
    import pandas as pd

    from b2bcx.deck.content import reason_lines

    row = pd.Series({"at_risk": "", "blind_spots": "single_contact;low_coverage"})
    assert reason_lines(row) == ["Blind spot because: single contact, low coverage"]
    row = pd.Series(
        {"at_risk": "decision_maker_detractor;low_score", "blind_spots": ""}
    )
    assert reason_lines(row) == ["At risk because: decision-maker detractor, low score"]


def test_no_account_is_low_when_the_ranked_scores_do_not_differ():
    """τ² = 0 shrinks every account to the portfolio mean: ranked on index_eb,
    none is lower than another, so none is at risk for a low score (before,
    every account was, all tied at the cut)."""
    from b2bcx.scoring.risk import risk_and_blind_spots

    tied = pd.DataFrame(
        {"flags": [[]] * 5, "index": [40.0, 55, 61, 70, 90], "index_eb": [61.6] * 5}
    )
    found = risk_and_blind_spots(tied, 0.1)
    assert not any("low_score" in reasons for reasons in found["at_risk"])
    spread = tied.assign(index_eb=[50.0, 55, 61, 70, 90])
    found = risk_and_blind_spots(spread, 0.1)
    assert ["low_score" in r for r in found["at_risk"]] == [True] + [False] * 4
