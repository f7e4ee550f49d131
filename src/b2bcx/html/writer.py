"""Write the HTML report atomically (one file, UTF-8).

Example
-------
>>> from b2bcx.html import write_html_report
>>> write_html_report(inputs, "acme_report.html")  # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path

from b2bcx.errors import UsageError
from b2bcx.io.writers import atomic_path, check_writable, write_bytes
from b2bcx.results import ReportInputs

HTML_SUFFIXES = (".html", ".htm")


def build_html(inputs: ReportInputs) -> str:
    """The report as one self-contained HTML document (see :func:`b2bcx.html.page.build_html`)."""
    try:
        from b2bcx.html.page import build_html as page
    except ModuleNotFoundError as error:
        if error.name != "matplotlib":
            raise
        raise UsageError(
            "the HTML report draws its charts with matplotlib, which is not installed",
            hint="pip install 'b2bcx[plot]', or write the workbook with -o REPORT.xlsx",
        ) from None
    return page(inputs)


def write_html_report(inputs: ReportInputs, path: str | Path) -> Path:
    """Build the page and write it to ``path`` (``.html``) atomically.

    Written to a temporary file beside ``path`` and moved into place: a failed run
    leaves no partial file and keeps any previous report.
    """
    path = Path(path)
    if path.suffix.lower() not in HTML_SUFFIXES:
        raise UsageError(
            f"cannot write the HTML report to {path.name}: it must end in .html",
            hint="pass -o REPORT.html",
        )
    check_writable(path)
    document = build_html(inputs).encode("utf-8")
    with atomic_path(path) as temporary:
        write_bytes(temporary, document)
    return path
