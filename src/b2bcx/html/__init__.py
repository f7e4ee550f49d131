"""The HTML report: one offline, self-contained file anyone opens in a browser.

Takes the results a workbook shows (:class:`b2bcx.results.ReportInputs`) and
writes one HTML document: inline CSS, charts as inline SVG (the ``plot`` extra,
matplotlib, imported only here), no script and nothing fetched. Identical inputs
give identical bytes.
"""

from b2bcx.html.writer import build_html, write_html_report

__all__ = ["build_html", "write_html_report"]
