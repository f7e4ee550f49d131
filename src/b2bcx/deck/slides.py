"""python-pptx slides: the title, portfolio and account slides, with native charts.

Shapes are placed in fractions of the slide, so a company template of any size
(``--template``) keeps its masters, layouts, fonts and theme colours. Charts are
chart objects (their data sit in an embedded sheet), so account managers can
restyle and edit them in PowerPoint.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

import xlsxwriter
from lxml import etree
from pptx.chart.data import CategoryChartData
from pptx.chart.xlsx import CategoryWorkbookWriter
from pptx.dml.color import RGBColor
from pptx.enum.chart import XL_CHART_TYPE, XL_LABEL_POSITION, XL_LEGEND_POSITION
from pptx.enum.shapes import PP_PLACEHOLDER
from pptx.oxml.ns import qn
from pptx.presentation import Presentation
from pptx.slide import Slide, SlideLayout
from pptx.util import Emu, Pt, lazyproperty

from b2bcx.deck.content import (
    SERIES_COLOURS,
    AccountSlide,
    NotHeardSlide,
    PillarChart,
    PortfolioSlide,
    TrendChart,
)
from b2bcx.deck.moved import ChangeSlide

MUTED = RGBColor(0x59, 0x59, 0x59)
TITLE_TYPES = (PP_PLACEHOLDER.TITLE, PP_PLACEHOLDER.CENTER_TITLE)


class Frame:
    """A slide's usable area, in EMU, below the title."""

    def __init__(self, prs: Presentation, top: int) -> None:
        self.width = int(prs.slide_width or 0)
        self.height = int(prs.slide_height or 0)
        self.margin = int(self.width * 0.04)
        self.top = top

    def box(
        self, left: float, top: float, width: float, height: float
    ) -> tuple[Emu, Emu, Emu, Emu]:
        """A rectangle from fractions of the content area (left/width) and the height below the title."""
        inner = self.width - 2 * self.margin
        below = self.height - self.top - self.margin
        return (
            Emu(self.margin + int(inner * left)),
            Emu(self.top + int(below * top)),
            Emu(int(inner * width)),
            Emu(int(below * height)),
        )


def layout_named(
    prs: Presentation, names: Sequence[str], want_types: Sequence[Any]
) -> SlideLayout:
    """A layout by name, else the first with one of the wanted placeholders, else the first."""
    layouts = list(prs.slide_layouts)
    for name in names:
        for layout in layouts:
            if layout.name.strip().lower() == name:
                return layout
    for layout in layouts:
        types = {s.placeholder_format.type for s in layout.shapes if s.is_placeholder}
        if types & set(want_types):
            return layout
    return layouts[0]


def title_layout(prs: Presentation) -> SlideLayout:
    return layout_named(prs, ("title slide",), (PP_PLACEHOLDER.CENTER_TITLE,))


def content_layout(prs: Presentation) -> SlideLayout:
    """The layout of every slide but the title: found once per deck (a deck of
    600 accounts asks for it 600 times)."""
    found: SlideLayout | None = getattr(prs, "_b2bcx_content_layout", None)
    if found is None:
        found = layout_named(prs, ("title only",), (PP_PLACEHOLDER.TITLE,))
        prs._b2bcx_content_layout = found  # type: ignore[attr-defined]
    return found


def set_title(slide: Slide, text: str) -> int:
    """Write the title placeholder (if the layout has one); return its bottom edge in EMU."""
    for shape in slide.placeholders:
        if shape.placeholder_format.type in TITLE_TYPES:
            shape.text_frame.text = text
            return int(shape.top or 0) + int(shape.height or 0)
    return 0


def drop_empty_placeholders(slide: Slide) -> None:
    """Remove placeholders nothing was written into (no "Click to add text" left)."""
    for shape in list(slide.placeholders):
        if shape.has_text_frame and not shape.text_frame.text.strip():
            shape._element.getparent().remove(shape._element)


def add_lines(
    slide: Slide,
    box: tuple[Emu, Emu, Emu, Emu],
    lines: Sequence[str],
    size: int = 14,
    heading: str = "",
    italic: bool = False,
    then: Sequence[str] = (),
    then_size: int = 12,
) -> None:
    """A text box of literal lines (one paragraph each); a bold heading first if
    given; ``then`` lines follow in the same box at ``then_size``."""
    frame = slide.shapes.add_textbox(*box).text_frame
    frame.word_wrap = True
    first = True
    if heading:
        run = frame.paragraphs[0].add_run()
        run.text = heading
        run.font.bold, run.font.size = True, Pt(size)
        first = False
    sized = [(text, size) for text in lines] + [(text, then_size) for text in then]
    for text, points in sized:
        for line in text.split("\n"):
            paragraph = frame.paragraphs[0] if first else frame.add_paragraph()
            first = False
            _space_before(paragraph, points * 0.35)
            run = paragraph.add_run()
            run.text = line  # a run's text is literal: never a field, never a link
            _run_font(run, points, italic)


def _space_before(paragraph: Any, points: float) -> None:
    """``paragraph.space_before = Pt(points)``, written straight into the new
    paragraph's empty properties (python-pptx's setter searches the XML for where
    each element goes: a third of a 5,000-slide deck's text time)."""
    properties = paragraph._p.get_or_add_pPr()
    before = etree.SubElement(properties, qn("a:spcBef"))
    etree.SubElement(before, qn("a:spcPts")).set("val", str(Pt(points).centipoints))


def _run_font(run: Any, points: float, italic: bool) -> None:
    """``run.font.size, run.font.italic = Pt(points), italic`` as the attributes
    python-pptx writes (``sz`` in hundredths of a point, ``i``)."""
    properties = run._r.get_or_add_rPr()
    properties.set("sz", str(Pt(points).centipoints))
    properties.set("i", "1" if italic else "0")


class PlainTextSheet(CategoryWorkbookWriter):
    """The chart's embedded sheet, holding every name as plain text.

    XlsxWriter by default turns text such as ``=1+1``, ``{=1+1}`` or
    ``http://…`` into a formula, an array formula or a link; here every label is
    a string cell, and the sheet carries a fixed creation time (reproducible).
    """

    @contextlib.contextmanager
    def _open_worksheet(self, xlsx_file: Any) -> Iterator[tuple[Any, Any]]:
        options = {
            "in_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        }
        workbook = xlsxwriter.Workbook(xlsx_file, options)
        workbook.set_properties({"created": datetime(1980, 1, 1)})
        worksheet = workbook.add_worksheet()
        yield workbook, worksheet
        workbook.close()


class PlainTextChartData(CategoryChartData):
    """Category chart data whose embedded sheet is a :class:`PlainTextSheet`."""

    @lazyproperty
    def _workbook_writer(self) -> CategoryWorkbookWriter:
        return PlainTextSheet(self)


PILLAR_AXIS = "Pillar score (0–100)"
INDEX_AXIS = "CX index (0–100)"
"""The value axes' titles: the unit of every deck chart, as the workbook's and the HTML
page's charts name theirs."""


def title_value_axis(axis: Any, title: str, size: int = 9) -> None:
    """Give a value axis its title (the unit the bars are measured in)."""
    axis.has_title = True
    axis.axis_title.text_frame.text = title
    for paragraph in axis.axis_title.text_frame.paragraphs:
        for run in paragraph.runs:
            run.font.size = Pt(size)
            run.font.bold = False


def add_pillar_chart(
    slide: Slide, box: tuple[Emu, Emu, Emu, Emu], chart: PillarChart
) -> None:
    """A clustered bar chart of the pillars (0–100), one series per comparison.

    The account in dark blue, the portfolio and last quarter in neutral colours
    (:data:`~b2bcx.deck.content.SERIES_COLOURS`), the same as the HTML report.
    """
    data = PlainTextChartData(number_format="0.0")
    data.categories = chart.categories
    for series in chart.series:
        data.add_series(series.name, series.values)
    shapes: Any = slide.shapes  # python-pptx's hints: add_chart returns a frame
    graphic = shapes.add_chart(XL_CHART_TYPE.COLUMN_CLUSTERED, *box, data)
    plot = graphic.chart
    plot.has_legend = True
    plot.legend.position = XL_LEGEND_POSITION.BOTTOM
    plot.legend.include_in_layout = False
    plot.legend.font.size = Pt(10)
    axis = plot.value_axis
    axis.minimum_scale, axis.maximum_scale, axis.major_unit = 0, 100, 20
    axis.has_major_gridlines = True
    axis.tick_labels.font.size = Pt(10)
    title_value_axis(axis, PILLAR_AXIS)
    plot.category_axis.tick_labels.font.size = Pt(9)
    first = plot.plots[0]
    first.gap_width = 60
    for k, series in enumerate(first.series):
        fill = series.format.fill
        fill.solid()
        fill.fore_color.rgb = RGBColor.from_string(
            SERIES_COLOURS[k % len(SERIES_COLOURS)].lstrip("#")
        )
    labels = first.series[0].data_labels
    labels.number_format, labels.number_format_is_linked = "0", False
    labels.show_value = True
    labels.position = XL_LABEL_POSITION.OUTSIDE_END
    labels.font.size = Pt(9)


def add_title_slide(prs: Presentation, title: str, subtitle: str) -> None:
    slide = prs.slides.add_slide(title_layout(prs))
    set_title(slide, title)
    for shape in slide.placeholders:
        if shape.placeholder_format.type == PP_PLACEHOLDER.SUBTITLE:
            shape.text_frame.text = subtitle
            break
    else:
        frame = Frame(prs, int(prs.slide_height or 0) * 2 // 3)
        add_lines(slide, frame.box(0, 0, 1, 0.5), [subtitle], size=18)
    drop_empty_placeholders(slide)


def add_portfolio_slide(prs: Presentation, content: PortfolioSlide) -> None:
    slide = prs.slides.add_slide(content_layout(prs))
    frame = Frame(
        prs, set_title(slide, content.title) or int(int(prs.slide_height or 0) * 0.16)
    )
    add_lines(slide, frame.box(0, 0, 0.48, 0.6), content.figures, size=13)
    if content.watch:
        add_lines(
            slide,
            frame.box(0, 0.62, 0.48, 0.38),
            content.watch,
            size=11,
            heading=content.watch_heading,
        )
    add_pillar_chart(slide, frame.box(0.51, 0, 0.49, 1), content.chart)
    drop_empty_placeholders(slide)


def add_account_slide(prs: Presentation, content: AccountSlide) -> None:
    """The account's slide; its name (``slide.name``) is the account id."""
    slide = prs.slides.add_slide(content_layout(prs))
    slide._element.cSld.name = content.account
    frame = Frame(
        prs, set_title(slide, content.title) or int(int(prs.slide_height or 0) * 0.16)
    )
    add_lines(slide, frame.box(0, 0, 1, 0.08), [content.subtitle], size=13)
    figures = [f for f in content.figures if f]
    add_lines(  # one box: the people's lines flow after the figures, never over them
        slide,
        frame.box(0, 0.09, 0.47, 0.63),
        figures,
        size=13,
        then=[*content.people, content.priority],
        then_size=11,
    )
    if content.trend is None:
        add_pillar_chart(slide, frame.box(0.5, 0.09, 0.5, 0.63), content.chart)
    else:  # the pillars above, the trend below
        add_pillar_chart(slide, frame.box(0.5, 0.09, 0.5, 0.38), content.chart)
        add_trend_chart(slide, frame.box(0.5, 0.48, 0.5, 0.2), content.trend)
        add_lines(
            slide, frame.box(0.5, 0.68, 0.5, 0.05), [content.trend.caption], size=9
        )
    if content.comments:
        add_lines(
            slide,
            frame.box(0, 0.74, 1, 0.26),
            content.comments,
            size=11,
            heading="In their words",
            italic=True,
        )
    drop_empty_placeholders(slide)


def add_change_slide(prs: Presentation, content: ChangeSlide) -> None:
    """Why the portfolio moved: the lines, a waterfall chart and the migration table."""
    slide = prs.slides.add_slide(content_layout(prs))
    frame = Frame(
        prs, set_title(slide, content.title) or int(int(prs.slide_height or 0) * 0.16)
    )
    add_lines(slide, frame.box(0, 0, 0.47, 0.55), content.lines, size=12)
    add_waterfall_chart(slide, frame.box(0.5, 0, 0.5, 0.55), content)
    rows, columns = len(content.matrix), len(content.matrix[0])
    shapes: Any = slide.shapes
    table = shapes.add_table(rows, columns, *frame.box(0, 0.6, 1, 0.38)).table
    for r, row in enumerate(content.matrix):
        for c, text in enumerate(row):
            cell = table.cell(r, c)
            cell.text = text if r or c else "from \\ to"
            for paragraph in cell.text_frame.paragraphs:
                for run in paragraph.runs:
                    run.font.size = Pt(10)
    drop_empty_placeholders(slide)


def add_waterfall_chart(
    slide: Slide, box: tuple[Emu, Emu, Emu, Emu], content: ChangeSlide
) -> None:
    """A waterfall as stacked columns: an invisible base, the start and end bars in
    grey, rises in green and falls in red (a native, editable chart)."""
    data = PlainTextChartData(number_format="0.00")
    data.categories = content.bars
    for name, values in (
        ("base", content.base),
        ("level", content.level),
        ("rise", content.rise),
        ("fall", content.fall),
    ):
        data.add_series(name, values)
    shapes: Any = slide.shapes
    graphic = shapes.add_chart(XL_CHART_TYPE.COLUMN_STACKED, *box, data)
    plot = graphic.chart
    plot.has_legend = False
    plot.value_axis.minimum_scale = content.floor
    plot.value_axis.tick_labels.font.size = Pt(9)
    # one decimal on every tick: the axis read 64.2, 64, 63.8 (the values' "0.00"
    # linked to ticks 0.2 apart, and Excel drops a trailing zero)
    plot.value_axis.tick_labels.number_format = "0.0"
    plot.value_axis.tick_labels.number_format_is_linked = False
    title_value_axis(plot.value_axis, INDEX_AXIS)
    plot.category_axis.tick_labels.font.size = Pt(9)
    plot.plots[0].gap_width = 50
    colours = (
        None,
        RGBColor(0x7F, 0x7F, 0x7F),
        RGBColor(0x4C, 0x9A, 0x6A),
        RGBColor(0xC0, 0x50, 0x4D),
    )
    for series, colour in zip(plot.plots[0].series, colours, strict=True):
        fill = series.format.fill
        if colour is None:
            fill.background()
            series.format.line.fill.background()
        else:
            fill.solid()
            fill.fore_color.rgb = colour


def add_trend_chart(
    slide: Slide, box: tuple[Emu, Emu, Emu, Emu], chart: TrendChart
) -> None:
    """A line chart of the index by wave: the account and the portfolio (grey)."""
    data = PlainTextChartData(number_format="0.0")
    data.categories = chart.categories
    for series in chart.series:
        data.add_series(series.name, series.values)
    shapes: Any = slide.shapes
    graphic = shapes.add_chart(XL_CHART_TYPE.LINE_MARKERS, *box, data)
    plot = graphic.chart
    plot.has_legend = True
    plot.legend.position = XL_LEGEND_POSITION.RIGHT
    plot.legend.include_in_layout = False
    plot.legend.font.size = Pt(8)
    plot.value_axis.tick_labels.font.size = Pt(8)
    plot.category_axis.tick_labels.font.size = Pt(8)
    lines = plot.plots[0].series
    if len(lines) > 1:
        lines[1].format.line.color.rgb = RGBColor(0x7F, 0x7F, 0x7F)


def add_not_heard_slide(prs: Presentation, content: NotHeardSlide) -> None:
    """The accounts of the deck's book that were not heard, as a table."""
    slide = prs.slides.add_slide(content_layout(prs))
    frame = Frame(
        prs, set_title(slide, content.title) or int(int(prs.slide_height or 0) * 0.16)
    )
    add_lines(slide, frame.box(0, 0, 1, 0.1), [content.note], size=12)
    shown = content.rows[:15]  # a slide's worth; the workbook lists every one
    shapes: Any = slide.shapes
    table = shapes.add_table(
        len(shown), len(shown[0]), *frame.box(0, 0.12, 1, 0.05 * len(shown))
    ).table
    for r, row in enumerate(shown):
        for c, text in enumerate(row):
            cell = table.cell(r, c)
            cell.text = text
            for paragraph in cell.text_frame.paragraphs:
                for run in paragraph.runs:
                    run.font.size = Pt(10)
    if len(content.rows) > len(shown):
        more = len(content.rows) - len(shown)
        add_lines(slide, frame.box(0, 0.92, 1, 0.08),
                  [f"… and {more} more (the workbook's Accounts sheet lists them)"],
                  size=10, italic=True)  # fmt: skip
    drop_empty_placeholders(slide)
