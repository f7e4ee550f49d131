"""The workbook and a deck as people see them: rendered by LibreOffice to PDF, and the
pages to PNG by pdftoppm, kept in ``$B2BCX_ARTIFACTS`` (``make test``: out/test-artifacts).

Checked on the rendered pages, not on cell properties: the Summary opens the workbook
on a landscape page with the report's title, the wide Accounts sheet repeats its id
and name columns on every page, and every slide of the deck is a page with its title.
Without LibreOffice these tests are skipped, except in CI (``CI`` set), where
``.ci/run`` installs it and they must run.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from tests.conftest import EXAMPLES
from typer.testing import CliRunner

from b2bcx.cli import app

Q3, Q2 = EXAMPLES / "acme_2026q3.csv", EXAMPLES / "acme_2026q2.csv"
CONFIG, CRM = EXAMPLES / "acme.yaml", EXAMPLES / "crm_accounts.csv"
OFFICE = shutil.which("soffice") or shutil.which("libreoffice")
POPPLER = shutil.which("pdftoppm") and shutil.which("pdftotext")

if not (OFFICE and POPPLER):
    if os.environ.get("CI"):
        raise RuntimeError("CI renders the workbook and the deck: install libreoffice")
    pytest.skip("LibreOffice or poppler is not installed", allow_module_level=True)

pytestmark = pytest.mark.xdist_group("office")  # one LibreOffice at a time


def artifacts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = os.environ.get("B2BCX_ARTIFACTS")
    path = Path(folder) if folder else tmp_path_factory.getbasetemp() / "artifacts"
    path.mkdir(parents=True, exist_ok=True)
    return path


def to_pdf(document: Path) -> Path:
    """LibreOffice, headless, with a profile of its own (two runs never share one)."""
    with tempfile.TemporaryDirectory() as profile:
        done = subprocess.run(
            [
                str(OFFICE),
                f"-env:UserInstallation=file://{profile}",
                "--headless",
                "--convert-to",
                "pdf",
                "--outdir",
                str(document.parent),
                str(document),
            ],
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
    pdf = document.with_suffix(".pdf")
    assert done.returncode == 0 and pdf.exists(), done.stderr
    return pdf


def pages(pdf: Path) -> list[str]:
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return text.split("\f")[:-1] if text.endswith("\f") else text.split("\f")


def snapshot(pdf: Path, folder: Path, stem: str, last: int) -> list[Path]:
    subprocess.run(
        ["pdftoppm", "-f", "1", "-l", str(last), "-r", "60", "-png", str(pdf),
         str(folder / stem)],
        check=True,
    )  # fmt: skip
    return sorted(folder.glob(f"{stem}-*.png"))


def run(*args: object) -> None:
    done = CliRunner().invoke(app, [str(a) for a in args])
    assert done.exit_code == 0, done.output


def test_the_workbook_prints_for_people(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("workbook")
    book = folder / "report.xlsx"
    run("report", Q3, "-c", CONFIG, "-b", Q2, "--accounts", CRM, "-o", book,
        "--no-respondents", "--bootstrap", "20")  # fmt: skip
    pdf = to_pdf(book)
    text = pages(pdf)
    assert "B2B CX report" in text[0]  # the Summary opens it
    accounts = [p for p in text if "ACC-0" in p and "Accounts" not in p[:0]]
    wide = [p for p in text if "Kestrelline" in p or "Harbourholm" in p]
    assert len(accounts) > 3 and wide  # names printed beside ids on the pages
    kept = artifacts(tmp_path_factory)
    shutil.copy(pdf, kept / "workbook.pdf")
    assert snapshot(pdf, kept, "workbook", 3)


def test_every_slide_of_a_deck_is_a_page(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("deck")
    deck = folder / "deck.pptx"
    run("deck", Q3, "-c", CONFIG, "-b", Q2, "--accounts", CRM, "-o", deck,
        "--accounts-only", "ACC-0151,ACC-0014")  # fmt: skip
    pdf = to_pdf(deck)
    text = pages(pdf)
    assert len(text) == 5  # title, portfolio, why it moved, two accounts
    assert "Why the portfolio moved" in text[2]
    assert "ACC-0151" in text[3] + text[4]
    kept = artifacts(tmp_path_factory)
    shutil.copy(pdf, kept / "deck.pdf")
    assert len(snapshot(pdf, kept, "deck", 5)) == 5
