"""`b2bcx report -o REPORT.html`: one offline page, checked as text and in Chromium.

The browser checks run Debian's `chromium` headless with the network off (every
host resolves to nothing): no console error, no request, every chart drawn, the
key numbers on the page; screenshots at 390 px (a phone) and 1280 px are kept in
``$B2BCX_ARTIFACTS`` (else the pytest base temp folder, ``artifacts/``). Without
Chromium the browser checks are skipped, except in CI (``CI`` set), where they fail.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from html import escape
from pathlib import Path

import pandas as pd
import pytest
from tests.conftest import EXAMPLES, respondent, small_config, write_yaml
from tests.test_report import run

from b2bcx.api.workbook import report_inputs
from b2bcx.cli.report import load_sources
from b2bcx.deck.content import signed
from b2bcx.html import build_html
from b2bcx.results import AnalysisOptions, ReportInputs

pytest.importorskip("matplotlib")

Q3 = EXAMPLES / "acme_2026q3.csv"
Q2 = EXAMPLES / "acme_2026q2.csv"
CONFIG = EXAMPLES / "acme.yaml"
CRM = EXAMPLES / "crm_accounts.csv"
BOOTSTRAP = 20
HOSTILE = [
    "<script>alert('x')</script>",
    '"><img src=x onerror=alert(1)>',
    '=HYPERLINK("http://evil.example")',
    "</blockquote><h1>owned</h1>",
]
CHROMIUM_FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--hide-scrollbars",
    "--enable-logging=stderr",
    "--v=0",
    # the network is off: any request the page made would fail and be logged
    "--host-resolver-rules=MAP * ~NOTFOUND",
    "--proxy-server=127.0.0.1:9",
]


@pytest.fixture(scope="module")
def page(tmp_path_factory) -> tuple[Path, ReportInputs]:
    """The example written by `b2bcx report -o acme.html`, and its inputs via the library."""
    target = tmp_path_factory.mktemp("html") / "acme.html"
    result = run(
        Q3,
        "-c",
        CONFIG,
        "--baseline",
        Q2,
        "--accounts",
        CRM,
        "-o",
        target,
        "--bootstrap",
        BOOTSTRAP,
    )
    assert result.exit_code == 0, result.output
    sources = load_sources([Q3], CONFIG, None, [Q2], CRM)
    inputs = report_inputs(sources, options=AnalysisOptions(bootstrap=BOOTSTRAP))
    return target, inputs


@pytest.fixture(scope="module")
def document(page) -> str:
    return page[0].read_text(encoding="utf-8")


def test_the_same_inputs_give_the_same_bytes(page):
    target, inputs = page
    assert build_html(inputs).encode("utf-8") == target.read_bytes()


def test_the_page_loads_nothing(document):
    assert document.startswith("<!DOCTYPE html>")
    lowered = document.lower()
    for needle in ("<script", "<link", "<iframe", "<img", "@import", "javascript:"):
        assert needle not in lowered, needle
    resources = re.findall(r'(?:src|href|xlink:href)="([^"]*)"', document)
    assert resources, "the page should link its own sections"
    assert all(r.startswith("#") for r in resources), {
        r for r in resources if not r.startswith("#")
    }
    assert not re.search(r"url\((?!#)", document)


def test_every_chart_is_an_svg_with_marks(page, document):
    _, inputs = page
    charts = re.findall(r'<svg [^>]*class="chart".*?</svg>', document, flags=re.S)
    # one per account, the portfolio's pillars, the tiers, the drivers
    assert len(charts) == len(inputs.score.accounts) + 3
    for chart in charts:
        assert "<title>" in chart
        assert len(re.findall(r"<path ", chart)) >= 5


def test_ids_are_unique(document):
    ids = re.findall(r'\bid="([^"]+)"', document)
    assert len(ids) == len(set(ids))


def test_summary_says_the_key_numbers(page, document):
    _, inputs = page
    result = inputs.score
    portfolio = result.portfolio
    assert f"{portfolio['index']:.1f}" in document
    assert signed(portfolio["nps"], 0) in document
    risky = (
        result.accounts["flags"].map(len).gt(0)
    )  # a flagged account is at least listed
    assert risky.any()
    heading = re.search(r"<h3>At risk: (\d+)</h3>", document)
    assert heading is not None
    from b2bcx.report.summary import at_risk, blind_spots

    assert int(heading.group(1)) == len(at_risk(result))
    blind = re.search(r"<h3>Blind spots: (\d+)</h3>", document)
    assert blind is not None and int(blind.group(1)) == len(blind_spots(result))
    assert f"Not heard: {len(result.not_heard)} listed accounts" in document
    assert "expected by chance" in document
    for account in result.accounts["account"]:
        assert f"({account})</h3>" in document or f">{account}</h3>" in document


def test_few_nps_answers_read_too_few_to_tell(page, document):
    _, inputs = page
    few = inputs.score.accounts[inputs.score.accounts["nps_n"].between(1, 2)]
    assert not few.empty, "the example has accounts with one or two NPS answers"
    assert (
        "answer: too few to tell" in document or "answers: too few to tell" in document
    )


def hostile_program(folder: Path) -> tuple[Path, Path]:
    config = small_config(columns={**small_config()["columns"], "comment": "Comment"})
    config_path = write_yaml(folder / "program.yaml", config)
    rows = [
        respondent("r1", "<b>ACC-1</b>", "DM", [5, 4, 4, 5], nps=9),
        respondent("r2", "<b>ACC-1</b>", "User", [2, 3, 3, 2], nps=3),
        respondent("r3", "ACC-2&co", "Influencer", [4, 4, 5, 5], nps=10),
        respondent("r4", "ACC-2&co", "DM", [1, 2, 2, 1], nps=2),
    ]
    for row, comment in zip(rows, HOSTILE, strict=True):
        row["Comment"] = comment
    export = folder / "export.csv"
    pd.DataFrame(rows).to_csv(export, index=False)
    return export, config_path


def test_respondent_text_is_escaped(tmp_path):
    export, config = hostile_program(tmp_path)
    sources = load_sources([export], config, None, None, None)
    html = build_html(report_inputs(sources, options=AnalysisOptions(bootstrap=0)))
    assert "<script" not in html.lower()
    assert "<img" not in html.lower()
    assert "<h1>owned" not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html
    assert "&lt;b&gt;ACC-1&lt;/b&gt;" in html
    assert "ACC-2&amp;co" in html


def test_report_refuses_other_extensions(tmp_path):
    result = run(Q3, "-c", CONFIG, "-o", tmp_path / "report.pdf")
    assert result.exit_code == 2
    assert ".html" in result.output
    assert not (tmp_path / "report.pdf").exists()


# --- in a real browser -------------------------------------------------------


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    if os.environ.get("CI"):
        pytest.fail("CI must run the browser checks: chromium is not installed")
    pytest.skip("chromium is not installed (CI installs it)")


def artifacts(tmp_path_factory) -> Path:
    folder = os.environ.get("B2BCX_ARTIFACTS")
    path = Path(folder) if folder else tmp_path_factory.getbasetemp() / "artifacts"
    path.mkdir(parents=True, exist_ok=True)
    return path


def browse(target: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run headless Chromium on the page with a fresh profile and the network off."""
    with tempfile.TemporaryDirectory() as profile:
        return subprocess.run(
            [
                chromium(),
                *CHROMIUM_FLAGS,
                f"--user-data-dir={profile}",
                *args,
                target.resolve().as_uri(),
            ],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )


def console_problems(stderr: str) -> list[str]:
    """Console messages and failed loads in Chromium's log (dbus noise is not the page's)."""
    markers = ("CONSOLE", "Failed to load resource", "net::ERR_", "Uncaught")
    return [line for line in stderr.splitlines() if any(m in line for m in markers)]


@pytest.mark.xdist_group("chromium")
def test_the_page_renders_in_chromium(page, tmp_path_factory):
    target, inputs = page
    shown = browse(target, "--dump-dom")
    assert shown.returncode == 0, shown.stderr[-2000:]
    assert console_problems(shown.stderr) == []
    dom = shown.stdout
    charts = re.findall(r'<svg [^>]*class="chart".*?</svg>', dom, flags=re.S)
    assert len(charts) == len(inputs.score.accounts) + 3
    assert all("<rect" in c or "<path" in c for c in charts)
    assert f"{inputs.score.portfolio['index']:.1f}" in dom
    folder = artifacts(tmp_path_factory)
    for width in (390, 1280):
        shot = folder / f"html_report_{width}.png"
        shot.unlink(missing_ok=True)
        taken = browse(target, f"--window-size={width},2400", f"--screenshot={shot}")
        assert taken.returncode == 0, taken.stderr[-2000:]
        assert console_problems(taken.stderr) == []
        assert shot.stat().st_size > 10_000  # a drawn page, not a blank one


@pytest.mark.xdist_group("chromium")
def test_the_page_prints(page, tmp_path_factory):
    target, _ = page
    pdf = artifacts(tmp_path_factory) / "html_report.pdf"
    pdf.unlink(missing_ok=True)
    printed = browse(target, f"--print-to-pdf={pdf}", "--no-pdf-header-footer")
    assert printed.returncode == 0, printed.stderr[-2000:]
    assert pdf.read_bytes()[:5] == b"%PDF-"
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf.read_bytes()))
    assert pages > len(page[1].score.accounts)  # one page per account at least


def test_both_changes_read_alike_in_the_movers_table(page, document):
    """ "Change" and "Change, same roles" are one kind of number: both signed, with a
    true minus sign (the second read -42.2 and 36.7 beside −39.2 and +36.7)."""
    _, inputs = page
    from b2bcx.report.summary import movers

    frame = movers(inputs.score)
    section = document.split("<h3>Biggest changes since", 1)[1].split("<h3>", 1)[0]
    for column in ("delta_lfl", "delta_eb"):  # every column of kind "signed"
        assert column in frame and frame[column].notna().any()
        for value in frame[column].dropna():
            assert f">{signed(value)}</td>" in section, (column, signed(value))


def test_the_blind_spot_note_names_every_reason(document):
    """One list of reasons for every view (the page's own list left out a reason)."""
    from b2bcx.scoring.risk import BLIND_SPOT_LABELS

    section = document.split("<h3>Blind spots:", 1)[1].split("<table", 1)[0]
    for label in BLIND_SPOT_LABELS.values():
        assert escape(label) in section, label


def test_rankings_are_named_by_their_column_header(document):
    """The page said "ranked on index_eb" and "Rankings use index_eb": a column id an
    account manager meets nowhere else on the page, where the tables say "Shrunk CX
    index" (the Method section defines the id and keeps it)."""
    assert "Shrunk CX index" in document
    assert "ranked on the shrunk CX index (index_eb)" in document
    assert "ordered on the change of the shrunk CX index (index_eb)" in document
    assert "Rankings use the shrunk CX index (index_eb)" in document
    prose = document.split('id="method"', 1)[0]  # the Method section defines index_eb
    for bare in ("on index_eb", "of index_eb", "use index_eb"):
        assert bare not in prose, bare


def test_number_headers_may_wrap(document):
    """A number column's header kept to one line (its cells' nowrap applied to it), so
    at 800 px "Shrunk CX index" held its width and squeezed "At risk because" to a word
    a line, "decision-" / "maker"."""
    style = document.split("<style>", 1)[1].split("</style>", 1)[0]
    assert "th.num{white-space:normal}" in style
    assert re.search(r"(?<![.\w])th\{[^}]*vertical-align:bottom", style)
