"""`b2bcx deck`: decks read back with python-pptx, split by manager, safety, atomicity."""

from __future__ import annotations

import math
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest
from tests.conftest import EXAMPLES
from typer.testing import CliRunner

pptx = pytest.importorskip("pptx")

from b2bcx import api  # noqa: E402
from b2bcx.api.deck import deck_inputs  # noqa: E402
from b2bcx.api.load import load_exports, load_master  # noqa: E402
from b2bcx.cli import app  # noqa: E402
from b2bcx.cli.report import load_sources  # noqa: E402
from b2bcx.config.models import (  # noqa: E402
    SIX_PILLARS,
    load_config,
)
from b2bcx.deck import DeckOptions, write_decks  # noqa: E402
from b2bcx.deck.content import (  # noqa: E402
    change_line,
    chart_label,
    index_line,
    nps_line,
    reliability_line,
    safe_text,
)
from b2bcx.errors import OutputError  # noqa: E402
from b2bcx.results import DeckInputs  # noqa: E402

Q3 = EXAMPLES / "acme_2026q3.csv"
Q2 = EXAMPLES / "acme_2026q2.csv"
CONFIG = EXAMPLES / "acme.yaml"
CRM = EXAMPLES / "crm_accounts.csv"
WHEN = datetime(2026, 10, 1, 6, 0, tzinfo=UTC)
PILLARS = list(SIX_PILLARS)
runner = CliRunner()


def run(*args: object):
    return runner.invoke(app, ["deck", *(str(a) for a in args)])


@pytest.fixture(scope="module")
def inputs() -> DeckInputs:
    sources = load_sources([Q3], CONFIG, None, [Q2], CRM)
    return deck_inputs(sources, run_time=WHEN)


@pytest.fixture(scope="module")
def scored():
    """`b2bcx score` on the example, this quarter and last, computed independently."""
    config = load_config(CONFIG)
    master = load_master(config, CRM)
    now = api.score(
        load_exports([Q3]), config, baseline=load_exports([Q2]), master=master
    )
    before = api.score(load_exports([Q2]), config, master=master)
    return now, before


@pytest.fixture(scope="module")
def deck_file(inputs, tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("deck") / "acme.pptx"
    write_decks(inputs, target)
    return target


@pytest.fixture(scope="module")
def deck(deck_file):
    return pptx.Presentation(str(deck_file))


def test_every_chart_has_its_own_parts(deck_file, scored):
    import zipfile

    with zipfile.ZipFile(deck_file) as package:
        names = package.namelist()
    assert len(names) == len(set(names))
    charts = [n for n in names if n.startswith("ppt/charts/chart")]
    sheets = [n for n in names if n.startswith("ppt/embeddings/")]
    # the portfolio's, the waterfall of why it moved, one per account
    assert len(charts) == len(sheets) == 2 + len(scored[0].accounts)


MOVED = "Why the portfolio moved"  # the slide a deck with a baseline adds


def is_moved(slide) -> bool:
    return slide.shapes.title is not None and slide.shapes.title.text == MOVED


def account_slides(presentation) -> list:
    """The account slides: each is named by its account id (the slides on why the
    portfolio moved and on the accounts not heard are not)."""
    return [s for s in list(presentation.slides)[2:] if s.name and not is_moved(s)]


def chart_of(slide):
    charts = [s for s in slide.shapes if s.has_chart]
    assert len(charts) == 1
    return charts[0].chart


def series_values(chart) -> dict[str, list[float | None]]:
    return {s.name: list(s.values) for s in chart.plots[0].series}


def same_numbers(got: list, want: list) -> bool:
    def plain(v):
        return None if v is None or (isinstance(v, float) and math.isnan(v)) else v

    got, want = [plain(v) for v in got], [plain(v) for v in want]
    return all(
        (g is None and w is None)
        or (g is not None and w is not None and abs(g - w) < 1e-9)
        for g, w in zip(got, want, strict=True)
    )


def slide_text(slide) -> str:
    """The slide's text boxes, then its tables' cells."""
    texts = [s.text_frame.text for s in slide.shapes if s.has_text_frame]
    for shape in slide.shapes:
        if shape.has_table:
            texts += [c.text for row in shape.table.rows for c in row.cells]
    return "\n".join(texts)


# -- the deck read back -------------------------------------------------------------


def test_a_title_slide_a_portfolio_slide_then_one_slide_per_account(deck, scored):
    now, _ = scored
    slides = list(deck.slides)
    # why it moved (a baseline), the accounts, the CRM accounts not heard
    assert len(slides) == 3 + len(now.accounts) + 1
    assert is_moved(slides[2]) and slides[-1].shapes.title.text.startswith("Not heard")
    assert slides[0].shapes.title.text == "Account review 2026-Q3"
    assert slides[1].shapes.title.text == "Portfolio 2026-Q3"
    ids = [s.name for s in account_slides(deck)]
    assert sorted(ids) == sorted(now.accounts["account"])
    # "Name (ID)": the example names its accounts
    assert all(
        s.shapes.title.text.endswith(f"({s.name})") for s in account_slides(deck)
    )


def test_accounts_come_largest_revenue_first(deck, scored):
    now, _ = scored
    revenue = now.accounts.set_index("account")["ARR"]
    shown = [revenue[s.name] for s in account_slides(deck)]
    assert shown == sorted(shown, reverse=True)


def test_every_account_chart_holds_the_score_tables_numbers(deck, scored):
    now, before = scored
    accounts = now.accounts.set_index("account")
    previous = before.accounts.set_index("account")
    portfolio = [now.segments.iloc[0][p] for p in PILLARS]
    unheard_before: list[str] = []
    for slide in account_slides(deck):
        chart = chart_of(slide)
        values = series_values(chart)
        assert list(chart.plots[0].categories) == [
            "Integrity",
            "Resolution",
            "Expectations",
            "Time and Effort",
            "Personalisation",
            "Empathy",
        ]
        assert same_numbers(
            values["This account"], [accounts.loc[slide.name, p] for p in PILLARS]
        )
        assert same_numbers(values["Portfolio"], portfolio)
        last = (
            [previous.loc[slide.name, p] for p in PILLARS]
            if slide.name in previous.index
            else []
        )
        if any(pd.notna(v) for v in last):
            assert same_numbers(values["Last quarter (2026-Q2)"], last), slide.name
        else:  # not heard last quarter: no empty series, no legend entry without bars
            assert "Last quarter (2026-Q2)" not in values, slide.name
            unheard_before.append(slide.name)
    assert unheard_before  # the example plants accounts that entered this quarter


def test_the_portfolio_chart_holds_both_quarters_portfolio(deck, scored):
    now, before = scored
    values = series_values(chart_of(list(deck.slides)[1]))
    assert same_numbers(values["Portfolio"], [now.segments.iloc[0][p] for p in PILLARS])
    assert same_numbers(
        values["Portfolio 2026-Q2"], [before.segments.iloc[0][p] for p in PILLARS]
    )


def test_charts_are_native_charts_not_pictures(deck):
    slides = list(deck.slides)
    for slide in [slides[1], *account_slides(deck)]:  # the portfolio and accounts
        assert not [
            s for s in slide.shapes if s.shape_type == 13
        ]  # MSO_SHAPE_TYPE.PICTURE
        assert chart_of(slide).chart_type is not None
    assert not [s for s in slides if any(x.shape_type == 13 for x in s.shapes)]


def test_an_account_slide_says_index_change_nps_people_priority(deck, scored):
    now, _ = scored
    row = now.accounts.set_index("account").loc["ACC-0003"]
    slide = next(s for s in account_slides(deck) if s.name == "ACC-0003")
    text = slide_text(slide)
    assert (
        f"CX index {row['index']:.1f} (95% CI {row['ci_low']:.1f}–{row['ci_high']:.1f})"
        in text
    )
    assert "Change vs 2026-Q2: +34.2 points, unlikely to be chance" in text
    assert "NPS +60" in text
    assert "Answered: " in text and "decision maker" in text
    assert "Phase ongoing: priority pillar Resolution" in text
    assert "Tier B" in text


def test_every_account_slide_has_reliability_and_an_nps_interval(deck, scored):
    now, _ = scored
    accounts = now.accounts.set_index("account")
    for slide in account_slides(deck):
        row = accounts.loc[slide.name]
        text = slide_text(slide)
        assert f"Reliability {row['reliability']:.2f}" in text
        assert f"shrunk CX index {row['index_eb']:.1f}" in text
        if math.isnan(row["nps_ci_low"]):
            assert math.isnan(row["nps"]) and "NPS: no answers" in text
            continue
        if row["nps_n"] < 3:
            assert "too few to tell" in text and "(95% CI" not in text.split("NPS")[-1]
            continue
        interval = f"(95% CI {row['nps_ci_low']:+.0f} to {row['nps_ci_high']:+.0f})"
        assert interval.replace("-", "−") in text


def test_who_did_not_answer_is_on_the_slide(deck):
    slide = next(s for s in account_slides(deck) if s.name == "ACC-0001")
    text = slide_text(slide)
    assert "Not heard: decision maker, influencer" in text
    assert "single contact" in text and "no decision maker" in text


def test_at_most_three_comments_per_account(deck, scored):
    now, _ = scored
    comment = now.respondents.set_index("account")["Comment"].dropna()
    for slide in account_slides(deck):
        quoted = [p for p in slide_text(slide).splitlines() if p.startswith("“")]
        assert len(quoted) == min(3, int((comment.index == slide.name).sum()))


# -- text from respondents stays text ------------------------------------------------

HOSTILE = [
    '=HYPERLINK("http://evil.example/x","click")',
    '{ DATE \\@ "yyyy" } and { HYPERLINK "http://evil.example" }',
    "see https://evil.example/\x07now\x1b[31m",
]


@pytest.fixture(scope="module")
def hostile_deck(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile")
    frame = pd.read_csv(Q3, dtype=str, keep_default_na=False)
    rows = frame.index[frame["AccountId"] == "ACC-0016"]
    frame.loc[rows, "Comment"] = ""
    frame.loc[rows[: len(HOSTILE)], "Comment"] = HOSTILE
    export = folder / "export.csv"
    frame.to_csv(export, index=False)
    target = folder / "deck.pptx"
    result = run(export, "-c", CONFIG, "-o", target, "--accounts-only", "ACC-0016")
    assert result.exit_code == 0, result.output
    return target


def test_comments_stay_literal_text_never_a_field_or_a_link(hostile_deck):
    import zipfile

    with zipfile.ZipFile(hostile_deck) as package:
        xml = package.read("ppt/slides/slide3.xml").decode()
    assert "<a:fld" not in xml and "hlinkClick" not in xml
    text = slide_text(account_slides(pptx.Presentation(str(hostile_deck)))[0])
    assert '=HYPERLINK("http://evil.example/x","click")' in text
    assert '{ DATE \\@ "yyyy" }' in text
    # control characters never reach the slide (reading replaces them with U+FFFD)
    assert "see https://evil.example/\ufffdnow\ufffd[31m" in text
    assert "\x07" not in text and "\x1b" not in text


def test_safe_text_drops_control_characters_and_line_breaks():
    assert safe_text("a\x00b\r\nc\td\x1f\x7f\x85e") == "ab c de"
    assert safe_text("x" * 10, limit=5) == "xxxx…"
    assert safe_text(float("nan")) == ""


def test_chart_names_never_start_a_formula():
    assert not chart_label("=SUM(A1)").startswith("=")
    assert chart_label("Integrity") == "Integrity"


# -- sentences with and without the small-sample columns ------------------------------


def test_change_that_cannot_be_tested_says_not_testable():
    row = pd.Series(
        {"index": 60.0, "index_baseline": 55.0, "delta": 5.0, "significant": None}
    )
    assert (
        change_line(row, "2026-Q2")
        == "Change vs 2026-Q2: +5.0 points, not testable (no interval)"
    )
    new = pd.Series(
        {"index": 60.0, "index_baseline": float("nan"), "delta": float("nan")}
    )
    assert change_line(new, "2026-Q2") == "Change vs 2026-Q2: not surveyed then"


def test_change_uses_the_false_discovery_verdict_when_present():
    row = pd.Series(
        {
            "index": 60.0,
            "index_baseline": 50.0,
            "delta": 10.0,
            "significant": True,
            "p_change": 0.03,
            "q_change": 0.2,
            "significant_fdr": False,
        }
    )
    assert change_line(row, None) == (
        "Change vs last quarter: +10.0 points, could be chance (large on its own, "
        "not among all the accounts compared)\np = 0.030; q = 0.200"
    )
    both = row.copy()
    both[["p_change", "q_change", "significant_fdr"]] = [0.0001, 0.004, True]
    assert change_line(both, None).endswith(
        "points, unlikely to be chance\np < 0.001; q = 0.004"
    )
    untestable = row.copy()
    untestable[["p_change", "significant"]] = [float("nan"), None]
    assert change_line(untestable, None).endswith("not testable (no interval)")


def test_reliability_and_nps_interval_are_shown_when_computed():
    row = pd.Series(
        {
            "index": 48.6,
            "ci_low": 27.9,
            "ci_high": 69.3,
            "reliability": 0.45,
            "index_eb": 58.21,
            "nps": -100.0,
            "nps_ci_low": -100.0,
            "nps_ci_high": -12.4,
            "nps_n": 1,
            "flags": "single_contact;low_reliability",
        }
    )
    assert index_line(row) == "CX index 48.6 (95% CI 27.9–69.3)"
    assert reliability_line(row) == "Reliability 0.45 (low) · shrunk CX index 58.2"
    assert reliability_line(pd.Series({"index": 50.0})) == ""
    assert nps_line(row) == "NPS −100 · 1 answer: too few to tell"
    three = row.copy()
    three["nps_n"] = 3
    assert nps_line(three) == "NPS −100 (95% CI −100 to −12) · 3 answers"
    assert index_line(pd.Series({"index": 50.0})) == "CX index 50.0"


# -- the command ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def by_manager(tmp_path_factory):
    folder = tmp_path_factory.mktemp("managers") / "decks"
    result = run(
        Q3,
        "-c",
        CONFIG,
        "--baseline",
        Q2,
        "--accounts",
        CRM,
        "--by",
        "manager",
        "-o",
        folder,
    )
    assert result.exit_code == 0, result.output
    return folder, result


def test_by_manager_writes_one_deck_per_manager_with_their_accounts(by_manager, scored):
    folder, _ = by_manager
    now, _ = scored
    managers = now.accounts.groupby("AccountManager")["account"].apply(set)
    decks = sorted(folder.glob("*.pptx"))
    assert len(decks) == len(managers)
    for manager, accounts in managers.items():
        path = folder / f"{manager.lower().replace(' ', '-')}.pptx"
        slides = list(pptx.Presentation(str(path)).slides)
        assert {s.name for s in slides[2:] if s.name and not is_moved(s)} == accounts
        assert manager in slides[0].placeholders[1].text_frame.text
    assert not list(folder.glob(".*"))  # no temporary file left


def test_one_summary_line_on_stderr(by_manager):
    _, result = by_manager
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("deck: 148 accounts")


def test_quiet_prints_nothing(tmp_path):
    result = runner.invoke(
        app,
        [
            "--quiet",
            "deck",
            str(Q3),
            "-c",
            str(CONFIG),
            "-o",
            str(tmp_path / "d.pptx"),
            "--accounts-only",
            "ACC-0001",
        ],
    )
    assert result.exit_code == 0 and result.stderr == ""
    assert (tmp_path / "d.pptx").exists()


def test_accounts_only_keeps_the_given_order(tmp_path):
    target = tmp_path / "two.pptx"
    result = run(
        Q3, "-c", CONFIG, "-o", target, "--accounts-only", "ACC-0003, ACC-0001"
    )
    assert result.exit_code == 0, result.output
    slides = list(pptx.Presentation(str(target)).slides)
    assert [s.name for s in slides[2:] if s.name and not is_moved(s)] == [
        "ACC-0003",
        "ACC-0001",
    ]


def test_an_unknown_account_id_is_a_usage_error_and_writes_nothing(tmp_path):
    result = run(
        Q3, "-c", CONFIG, "-o", tmp_path / "x.pptx", "--accounts-only", "ACC-0001,NOPE"
    )
    assert result.exit_code == 2
    assert "NOPE" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_by_manager_needs_a_folder(tmp_path):
    result = run(Q3, "-c", CONFIG, "--by", "manager", "-o", tmp_path / "x.pptx")
    assert result.exit_code == 2
    assert "folder" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_an_unknown_manager_column_is_a_usage_error(tmp_path):
    result = run(
        Q3, "-c", CONFIG, "--by", "manager", "--manager-column", "Boss", "-o", tmp_path
    )
    assert result.exit_code == 2 and "Boss" in result.stderr


def test_strict_fails_on_warnings_before_writing(tmp_path):
    crm = pd.read_csv(CRM, dtype=str)
    short = tmp_path / "crm.csv"
    crm[crm["AccountId"] != "ACC-0001"].to_csv(short, index=False)  # a warning
    target = tmp_path / "deck.pptx"
    result = run(Q3, "-c", CONFIG, "--accounts", short, "--strict", "-o", target)
    assert result.exit_code == 1 and "--strict" in result.stderr
    assert not target.exists()
    assert run(Q3, "-c", CONFIG, "--accounts", short, "-o", target).exit_code == 0
    assert target.exists()


def test_help_does_not_import_python_pptx():
    code = "import sys, b2bcx.cli; print('pptx' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "False"


# -- template and atomic writing --------------------------------------------------------


def test_a_template_gives_its_masters_and_size_and_loses_its_own_slides(
    inputs, tmp_path
):
    from pptx.util import Inches, Pt

    company = pptx.Presentation()
    company.slide_width, company.slide_height = Inches(10), Inches(5.625)
    sample = company.slides.add_slide(company.slide_layouts[0])
    sample.shapes.title.text = "Sample slide"
    marker = sample.shapes.add_textbox(Inches(0.2), Inches(5.2), Inches(3), Inches(0.3))
    marker.text_frame.text = "ACME CONFIDENTIAL"
    marker.text_frame.paragraphs[0].runs[0].font.size = Pt(8)
    company.slide_master.shapes._spTree.append(marker._element)  # onto the master
    template = tmp_path / "company.pptx"
    company.save(str(template))
    target = tmp_path / "deck.pptx"
    write_decks(
        inputs,
        target,
        DeckOptions(template=template, accounts_only=("ACC-0001", "ACC-0002")),
    )
    deck = pptx.Presentation(str(target))
    assert (deck.slide_width, deck.slide_height) == (Inches(10), Inches(5.625))
    slides = list(deck.slides)
    assert len(slides) == 4 + (inputs.change is not None) and "Sample slide" not in [
        s.shapes.title.text for s in slides
    ]
    master_text = [
        s.text_frame.text for s in deck.slide_master.shapes if s.has_text_frame
    ]
    assert "ACME CONFIDENTIAL" in master_text
    for slide in slides[1:]:  # every shape inside the slide
        for shape in slide.shapes:
            assert shape.left + shape.width <= deck.slide_width
            assert shape.top + shape.height <= deck.slide_height


def test_a_template_that_is_not_a_presentation_is_a_data_error(tmp_path):
    template = tmp_path / "broken.pptx"
    template.write_bytes(b"not a zip")
    result = run(Q3, "-c", CONFIG, "--template", template, "-o", tmp_path / "d.pptx")
    assert result.exit_code == 1 and "broken.pptx" in result.stderr
    assert not (tmp_path / "d.pptx").exists()


def test_a_failed_save_leaves_no_partial_deck_and_keeps_the_previous(
    inputs, tmp_path, monkeypatch
):
    target = tmp_path / "deck.pptx"
    target.write_bytes(b"last quarter's deck")

    def broken_write(path, content):
        Path(path).write_bytes(content[:10])  # half a deck, then the disk is full
        raise OSError("disk full")

    monkeypatch.setattr("b2bcx.deck.writer.write_bytes", broken_write)
    with pytest.raises(OutputError, match="disk full"):
        write_decks(inputs, target, DeckOptions(accounts_only=("ACC-0001",)))
    assert target.read_bytes() == b"last quarter's deck"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["deck.pptx"]


def test_a_run_killed_while_building_writes_nothing(inputs, tmp_path, monkeypatch):
    from b2bcx.deck import slides

    def killed(prs, content):
        raise KeyboardInterrupt

    monkeypatch.setattr("b2bcx.deck.writer.add_account_slide", killed)
    assert slides.add_account_slide is not killed
    with pytest.raises(KeyboardInterrupt):
        write_decks(inputs, tmp_path / "decks", DeckOptions(by_column="AccountManager"))
    assert not (tmp_path / "decks").exists() or not list((tmp_path / "decks").iterdir())


def test_without_python_pptx_the_command_says_how_to_install_it(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "pptx", None)  # import pptx raises ImportError
    result = run(Q3, "-c", CONFIG, "-o", tmp_path / "d.pptx")
    assert result.exit_code == 2
    assert "pip install 'b2bcx[deck]'" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_the_title_names_the_account_when_a_name_is_known(inputs):
    from b2bcx.deck.content import account_title

    config = inputs.score.config
    assert account_title(pd.Series({"account": "A1", "name": "Acme SAS"}), config) == (
        "Acme SAS (A1)"
    )
    assert account_title(pd.Series({"account": "A1", "name": float("nan")})) == "A1"
    assert account_title(pd.Series({"account": "A1", "name": "A1\x07"})) == "A1"


STALL_AT_FSYNC = """
import os, pathlib, sys, time
marker = pathlib.Path(sys.argv.pop(1))
def stall(fd):
    marker.write_text("the deck is written to its temporary file")
    time.sleep(120)
os.fsync = stall
from b2bcx.cli import main
sys.argv[0] = "b2bcx"
main()
"""


def test_a_run_killed_before_the_move_keeps_the_old_deck(tmp_path):
    """The run stops after writing the temporary deck, before moving it into place;
    killed then, the previous deck is untouched and no partial deck has its name."""
    import os
    import signal
    import time

    target = tmp_path / "deck.pptx"
    target.write_bytes(b"last quarter's deck")
    marker = tmp_path / "writing"
    command = [sys.executable, "-c", STALL_AT_FSYNC, str(marker), "--quiet", "deck"]
    command += [str(Q3), "-c", str(CONFIG), "-o", str(target)]
    command += ["--accounts-only", "ACC-0001,ACC-0002"]
    process = subprocess.Popen(command, env=dict(os.environ), stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while not marker.exists() and process.poll() is None:
        assert time.monotonic() < deadline, "the run never reached its write"
        time.sleep(0.01)
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=60)
    assert process.returncode == -signal.SIGKILL
    assert target.read_bytes() == b"last quarter's deck"
    (temporary,) = [p for p in tmp_path.iterdir() if p.name.startswith(".deck.pptx.")]
    assert len(pptx.Presentation(str(temporary)).slides) == 4  # complete, not moved


def test_the_portfolio_slide_counts_risks_and_blind_spots_as_the_summary_does(
    deck, scored
):
    """One account table behind every view: the slide's counts are the terminal's and
    the Summary sheet's ("45 accounts at risk; 45 blind spots" on the example)."""
    from b2bcx import api

    table = api.account_output(scored[0])
    risky = int(table["at_risk"].astype(bool).sum())
    blind = int(table["blind_spots"].astype(bool).sum())
    text = slide_text(list(deck.slides)[1])
    assert f"{risky} accounts at risk" in text
    assert f"{blind} blind spots" in text


def test_every_account_of_a_managers_book_is_in_their_deck(tmp_path):
    """Accounts the CRM gives a manager but no one answered for are listed on a slide
    of their own and counted on the title slide; --accounts-only takes them too."""
    crm = pd.read_csv(EXAMPLES / "crm_accounts.csv", dtype=str)
    out = tmp_path / "decks"
    args = [
        "deck",
        str(Q3),
        "-c",
        str(CONFIG),
        "--accounts",
        str(EXAMPLES / "crm_accounts.csv"),
    ]
    done = CliRunner().invoke(app, [*args, "--by", "manager", "-o", str(out)])
    assert done.exit_code == 0, done.output
    for manager, book in crm.groupby("AccountManager"):
        slug = manager.lower().replace(" ", "-")
        slides = list(pptx.Presentation(str(out / f"{slug}.pptx")).slides)
        title = "\n".join(
            s.text_frame.text for s in slides[0].shapes if s.has_text_frame
        )
        assert f"{len(book)} accounts" in title, manager
        text = "\n".join(slide_text(s) for s in slides)
        for account in book["AccountId"]:
            assert account in text, (manager, account)
    only = tmp_path / "one.pptx"
    done = CliRunner().invoke(
        app, [*args, "--accounts-only", "ACC-0033", "-o", str(only)]
    )
    assert done.exit_code == 0, done.output
    assert "Brackline Trading" in "\n".join(
        slide_text(s) for s in pptx.Presentation(str(only)).slides
    )


def test_low_reliability_on_a_slide_follows_the_configs_threshold():
    """The slide says "(low)" exactly when the account carries the flag, whatever
    `flags.low_reliability` is (no threshold of the deck's own)."""
    from b2bcx.deck.content import reliability_line

    row = pd.Series({"reliability": 0.6, "index_eb": 50.0, "flags": []})
    assert "(low)" not in reliability_line(row)  # e.g. flags.low_reliability: 0.5
    row = pd.Series(
        {"reliability": 0.6, "index_eb": 50.0, "flags": ["low_reliability"]}
    )
    assert "(low)" in reliability_line(row)


def test_no_two_boxes_of_an_account_slide_overlap(deck):
    """Text boxes and charts never sit on one another (a long change line once
    pushed the figures over the people's lines: two boxes, one region)."""
    for slide in account_slides(deck):
        boxes = [
            (s.left, s.top, s.left + s.width, s.top + s.height)
            for s in slide.shapes
            if not s.is_placeholder
        ]
        for i, a in enumerate(boxes):
            for b in boxes[i + 1 :]:
                apart = a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1]
                assert apart, (slide.name, a, b)


def _text_height(shape) -> float:
    """The height, in points, the shape's text needs at its width: each
    paragraph's characters at half an em each, wrapped, 1.2 lines per em plus the
    paragraph's space before (a generous estimate of a sans-serif face)."""
    import math

    width = shape.width / 12700  # EMU per point
    needed = 0.0
    for paragraph in shape.text_frame.paragraphs:
        size = max((r.font.size.pt for r in paragraph.runs if r.font.size), default=12)
        chars = max(1, len(paragraph.text))
        lines = math.ceil(chars * 0.5 * size / width)
        before = paragraph.space_before.pt if paragraph.space_before else 0
        needed += lines * 1.2 * size + before
    return needed


def test_the_text_of_an_account_slide_fits_its_boxes(deck):
    """No box's text runs out of its box onto another (a long change line once
    pushed the figures over the people's lines)."""
    for slide in account_slides(deck):
        for shape in slide.shapes:
            if shape.has_text_frame and not shape.is_placeholder and shape.text:
                assert _text_height(shape) <= shape.height / 12700, (
                    slide.name,
                    shape.text[:80],
                )


def test_decks_built_on_every_core_are_the_same_bytes(inputs, tmp_path):
    """Manager decks built by one process per core (as for large books) equal
    the decks built in this process, byte for byte, in the same order."""
    from b2bcx.deck.writer import built_decks, deck_paths, planned

    options = DeckOptions(by_column="AccountManager")
    plans = planned(inputs, tmp_path / "decks", options)
    assert len(plans) > 1
    here = list(built_decks(inputs, plans, options, parallel_from=10**9))
    told: list[int] = []
    spread = list(
        built_decks(inputs, plans, options, lambda: told.append(1), parallel_from=1)
    )
    assert spread == here
    assert len(told) == sum(len(plan.accounts) for plan in plans)
    assert len(deck_paths(tmp_path / "decks", plans, "AccountManager")) == len(here)


def test_the_portfolio_line_counts_every_risk_reason(inputs):
    """The example has accounts at risk for each of the three reasons; the line named
    only the two most common ("42 decision-maker detractor, 15 low score") and left the
    11 significant falls out."""
    from b2bcx.deck.portfolio import flagged_line
    from b2bcx.scoring import tables
    from b2bcx.scoring.risk import RISK_LABELS

    table = tables.account_output(inputs.score)
    line = flagged_line(inputs.score)
    for reason, label in RISK_LABELS.items():
        count = int(
            table["at_risk"].map(lambda c, r=reason: r in str(c).split(";")).sum()
        )
        assert count > 0, reason
        assert f"{count} {label}" in line, (reason, line)


def test_every_chart_names_its_unit_and_the_waterfall_ticks_read_alike(deck):
    """The deck's charts had no axis title (the workbook's and the page's name the
    unit), and the waterfall's ticks read 64.2, 64, 63.8."""
    from b2bcx.deck.slides import INDEX_AXIS, PILLAR_AXIS

    charts = [s.chart for slide in deck.slides for s in slide.shapes if s.has_chart]
    assert charts
    titles = set()
    for chart in charts:
        axis = chart.value_axis
        assert axis.has_title
        titles.add(axis.axis_title.text_frame.text)
    assert titles == {PILLAR_AXIS, INDEX_AXIS}
    waterfall = [s.chart for s in deck.slides[2].shapes if s.has_chart]
    assert is_moved(deck.slides[2]) and len(waterfall) == 1
    ticks = waterfall[0].value_axis.tick_labels
    assert ticks.number_format == "0.0" and not ticks.number_format_is_linked


def test_the_shrunk_index_has_one_name_in_every_view(deck):
    """The workbook's header and the terminal's title say "Shrunk CX index"; the deck
    and the HTML page said "adjusted index" and "Lowest adjusted CX index"."""
    from b2bcx.scoring.columns import COLUMNS

    shrunk = COLUMNS["index_eb"]
    assert shrunk.deck is not None and shrunk.deck.lower() == shrunk.header.lower()
    text = " ".join(slide_text(s) for s in deck.slides)
    assert "adjusted" not in text
    assert f"Lowest {shrunk.deck}" in text


def test_a_managers_portfolio_slide_counts_the_book_as_the_title_does(by_manager):
    """Priya Raman's title slide said "30 accounts, 1 not heard" and her portfolio
    slide "29 accounts in this deck": the deck holds 30, one on the not-heard slide."""
    import re

    folder, _ = by_manager
    checked = 0
    for path in sorted(folder.glob("*.pptx")):
        slides = list(pptx.Presentation(str(path)).slides)
        title = slides[0].placeholders[1].text_frame.text
        book = re.search(r"(\d+) accounts?(?:, (\d+) not heard)?", title)
        assert book is not None, title
        silent = int(book.group(2) or 0)
        line = re.search(
            r": (\d+) accounts heard, mean CX index", slide_text(slides[1])
        )
        assert line is not None, slide_text(slides[1])
        assert int(line.group(1)) + silent == int(book.group(1)), path.name
        checked += silent > 0
    assert checked  # a manager with an account not heard
