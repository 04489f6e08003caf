"""One document builder for administrative documents in the Decree 30/2020/NĐ-CP layout.

Every official document of Điểm Cầu (a unit's report, the province's
assessment and plan, a progress report, a guide) is written through
``OfficialDocument``. The layout — paper, margins, fonts and sizes of each
block, the header table, the rules, the date line, page numbers — is read
from ``diemcau/data/nd30.yaml``; nothing here hard-codes a size.

Text is normalised to NFC on the way in, whatever the caller passes.

    doc = OfficialDocument(Heading(agency="Sở Khoa học và Công nghệ", parent="UBND tỉnh Cao Bằng",
                                   agency_abbr="SKHCN", doc_type="báo cáo", place="Cao Bằng",
                                   date=dt.date(2027, 1, 5), excerpt="Kết quả rà soát …"))
    doc.section("Tình hình chung")
    doc.paragraph("…")
    doc.closing(recipients=[…], signature=Signature(authority="KT. GIÁM ĐỐC", position="PHÓ GIÁM ĐỐC",
                                                      name="Nguyễn Văn A"))
    data = doc.to_bytes()
"""

from __future__ import annotations

import datetime as dt
import io
import unicodedata
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import yaml
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

LAYOUT_FILE = Path(__file__).resolve().parent.parent / "data" / "nd30.yaml"
PAPER_MM = {"A4": (210, 297)}
ROMAN = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII", "XIII", "XIV", "XV"]
# Where the metric twin of Times New Roman lives on Debian (fonts-liberation2), to measure text
# for the rules under the agency, the motto and the excerpt.
MEASURE_FONTS = {
    False: ("/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf",
            "/usr/share/fonts/truetype/liberation/LiberationSerif-Regular.ttf"),
    True: ("/usr/share/fonts/truetype/liberation2/LiberationSerif-Bold.ttf",
           "/usr/share/fonts/truetype/liberation/LiberationSerif-Bold.ttf"),
}
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@cache
def layout() -> dict:
    """The decree's layout values (``diemcau/data/nd30.yaml``)."""
    return yaml.safe_load(LAYOUT_FILE.read_text(encoding="utf-8"))


def pick(value, default=None):
    """A layout value: the ``use`` of a range, else its minimum, else the plain value."""
    if isinstance(value, dict):
        for key in ("use", "min"):
            if key in value:
                return value[key]
        if "size" in value:
            return pick(value["size"], default)
        return default
    return default if value is None else value


def nfc(text) -> str:
    return unicodedata.normalize("NFC", str(text if text is not None else ""))


def vn_upper(text: str) -> str:
    return nfc(text).upper()


def type_abbr(doc_type: str) -> str:
    """Appendix III abbreviation of a document type: "báo cáo" → "BC"."""
    return layout()["type_abbr"][nfc(doc_type).lower()]


def place_date(place: str, date: dt.date) -> str:
    """"Cao Bằng, ngày 05 tháng 01 năm 2027": day below 10 and months 1 and 2 padded (Phụ lục I)."""
    day = f"{date.day:02d}"
    month = f"{date.month:02d}" if date.month <= 2 else str(date.month)
    return nfc(layout()["header"]["place_date"]["pattern"].format(place=place, day=day, month=month, year=date.year))


def number_line(number: int | None, doc_type: str, agency_abbr: str) -> str:
    """"Số: 05/BC-SKHCN"; a draft has no number yet and leaves the space for it."""
    pattern = layout()["header"]["number"]["pattern"]
    shown = f"{number:02d}" if number is not None else "\u00a0" * 6
    return nfc(pattern.format(number=shown, type_abbr=type_abbr(doc_type), agency_abbr=agency_abbr))


@cache
def _font(bold: bool, size: float):
    from PIL import ImageFont

    for path in MEASURE_FONTS[bold]:
        if Path(path).exists():
            return ImageFont.truetype(path, size=int(size * 20))  # twentieths of a point
    return None


def text_width_mm(text: str, size_pt: float, *, bold: bool = False) -> float:
    """Width of ``text`` set in Times New Roman (measured on Liberation Serif, its metric twin)."""
    font = _font(bold, size_pt)
    if font is None:  # no font to measure: the average width of a serif capital and lower-case mix
        return len(text) * size_pt * 0.5 * 0.3528
    return font.getlength(nfc(text)) / 20 * 0.3528


@dataclass
class Heading:
    """What the header and title of one document say."""

    agency: str
    agency_abbr: str
    doc_type: str  # "báo cáo", "kế hoạch", "hướng dẫn" …
    place: str
    date: dt.date | None
    excerpt: str
    parent: str = ""
    number: int | None = None
    title: str = ""  # the type as printed, when it differs from doc_type (e.g. "BÁO CÁO TIẾN ĐỘ")


@dataclass
class Signature:
    """Quyền hạn, chức vụ, họ tên of the signer (no title or rank before the name)."""

    position: str
    name: str
    authority: str = ""  # "KT. GIÁM ĐỐC", "TM. ỦY BAN NHÂN DÂN" … or empty when the head signs


@dataclass
class Table:
    headers: list[str]
    rows: list[list]
    widths_mm: list[float] = field(default_factory=list)
    numeric: set = field(default_factory=set)  # columns aligned right


class OfficialDocument:
    """A .docx in the ND 30 layout: header, title, numbered sections, tables, closing blocks."""

    def __init__(self, heading: Heading, *, author: str = ""):
        self.layout = layout()
        self.heading = heading
        self.doc = Document()
        self._counters = [0, 0, 0]
        self._setup_page()
        self._setup_styles()
        self._page_numbers()
        self._header_table()
        self._title()
        props = self.doc.core_properties
        props.title = nfc(heading.excerpt)[:250]
        props.author = nfc(author or heading.agency)[:250]
        props.language = "vi-VN"
        props.created = dt.datetime.combine(heading.date or dt.date.today(), dt.time(8, 0))
        props.modified = props.created
        props.last_modified_by = props.author
        props.revision = 1

    # Page and styles ---------------------------------------------------------------------

    @property
    def text_width_mm(self) -> float:
        width = PAPER_MM[self.layout["paper"]["size"]][0]
        margins = self.layout["margins_mm"]
        return width - pick(margins["left"]) - pick(margins["right"])

    def _setup_page(self):
        section = self.doc.sections[0]
        width, height = PAPER_MM[self.layout["paper"]["size"]]
        section.orientation = WD_ORIENT.PORTRAIT
        section.page_width, section.page_height = Mm(width), Mm(height)
        margins = self.layout["margins_mm"]
        section.top_margin = Mm(pick(margins["top"]))
        section.bottom_margin = Mm(pick(margins["bottom"]))
        section.left_margin = Mm(pick(margins["left"]))
        section.right_margin = Mm(pick(margins["right"]))
        section.header_distance = Mm(10)
        section.footer_distance = Mm(10)

    def _setup_styles(self):
        family = self.layout["font"]["family"]
        body = self.layout["body"]
        normal = self.doc.styles["Normal"]
        normal.font.name = family
        normal.font.size = Pt(pick(body["size"]))
        _set_fonts(normal.element.get_or_add_rPr(), family)
        # The document's language, so spelling and hyphenation are Vietnamese.
        lang = OxmlElement("w:lang")
        lang.set(qn("w:val"), "vi-VN")
        lang.set(qn("w:eastAsia"), "vi-VN")
        normal.element.get_or_add_rPr().append(lang)
        fmt = normal.paragraph_format
        fmt.space_before = Pt(0)
        fmt.space_after = Pt(0)
        fmt.line_spacing_rule = WD_LINE_SPACING.SINGLE
        # The document defaults too, so tables and headers use the same font.
        defaults = self.doc.styles.element.find(qn("w:docDefaults"))
        if defaults is not None:
            rpr = defaults.find(qn("w:rPrDefault") + "/" + qn("w:rPr"))
            if rpr is not None:
                _set_fonts(rpr, family)

    def _page_numbers(self):
        """Top centre from page 2: a different first-page header, and a PAGE field in the others."""
        section = self.doc.sections[0]
        section.different_first_page_header_footer = True
        size = pick(self.layout["page_numbers"]["size"])
        header = section.header
        paragraph = header.paragraphs[0]
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run = paragraph.add_run()
        run.font.size = Pt(size)
        _field(run, "PAGE")
        first = section.first_page_header.paragraphs[0]
        first.text = ""

    # Header and title --------------------------------------------------------------------

    def _header_table(self):
        h = self.heading
        head = self.layout["header"]
        title = head["national_title"]
        # The right column holds the national title on one line; the table reaches a little into
        # the left margin, as Word templates of the decree do, to leave the agency room.
        outdent = 10
        right_w = text_width_mm(title["text"], pick(title["size"]), bold=True) + 5 - outdent / 2
        left_w = self.text_width_mm - right_w
        table = self.doc.add_table(rows=2, cols=2)
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        table.autofit = False
        _no_borders(table)
        _table_indent(table, -outdent)
        widths = (left_w + outdent / 2, right_w + outdent / 2)
        for row in table.rows:
            for cell, width in zip(row.cells, widths, strict=True):
                cell.width = Mm(width)
        _fixed_layout(table, widths)
        left, right = table.cell(0, 0), table.cell(0, 1)
        first = True
        if h.parent:
            self._line(left.paragraphs[0], vn_upper(h.parent), pick(head["parent_agency"]["size"]),
                       bold=head["parent_agency"].get("bold", False))
            first = False
        agency_size = pick(head["agency"]["size"])
        p = left.paragraphs[0] if first else left.add_paragraph()
        self._line(p, vn_upper(h.agency), agency_size, bold=head["agency"].get("bold", True))
        agency_w = min(text_width_mm(vn_upper(h.agency).split("\n")[-1], agency_size, bold=True), widths[0] - 4)
        self._rule(left.add_paragraph(), widths[0], agency_w * 0.4)
        self._line(right.paragraphs[0], nfc(title["text"]), pick(title["size"]), bold=title.get("bold", True))
        motto = head["motto"]
        motto_size = pick(motto["size"])
        self._line(right.add_paragraph(), nfc(motto["text"]), motto_size, bold=motto.get("bold", True))
        self._rule(right.add_paragraph(), widths[1], text_width_mm(motto["text"], motto_size, bold=True))
        number = table.cell(1, 0).paragraphs[0]
        self._line(number, number_line(h.number, h.doc_type, h.agency_abbr), pick(head["number"]["size"]))
        date = table.cell(1, 1).paragraphs[0]
        date_style = head["place_date"]
        if h.date is not None:
            text = place_date(h.place, h.date)
        else:  # a draft: the date is filled in when the document is issued
            text = nfc(f"{h.place}, ngày      tháng      năm")
        self._line(date, text, pick(date_style["size"]), italic=date_style.get("italic", True))
        for cell in (table.cell(1, 0), table.cell(1, 1)):
            cell.paragraphs[0].paragraph_format.space_before = Pt(6)

    def _title(self):
        h = self.heading
        title = self.layout["title"]
        spacer = self.doc.add_paragraph()
        spacer.paragraph_format.space_after = Pt(6)
        p = self.doc.add_paragraph()
        p.paragraph_format.space_before = Pt(12)
        self._line(p, vn_upper(h.title or h.doc_type), pick(title["type"]["size"]), bold=True)
        excerpt_size = pick(title["excerpt"]["size"])
        p = self.doc.add_paragraph()
        self._line(p, nfc(h.excerpt), excerpt_size, bold=True)
        longest = min(text_width_mm(nfc(h.excerpt), excerpt_size, bold=True), self.text_width_mm)
        self._rule(self.doc.add_paragraph(), self.text_width_mm, longest * 0.35)
        gap = self.doc.add_paragraph()
        gap.paragraph_format.space_after = Pt(6)

    def _line(self, paragraph, text, size, *, bold=False, italic=False, align=WD_ALIGN_PARAGRAPH.CENTER):
        paragraph.alignment = align
        fmt = paragraph.paragraph_format
        fmt.first_line_indent = Mm(0)
        fmt.space_after = Pt(0)
        run = paragraph.add_run(nfc(text))
        run.font.size = Pt(size)
        run.bold = bold
        run.italic = italic
        return run

    def _rule(self, paragraph, column_mm: float, length_mm: float):
        """A centred solid line ``length_mm`` long: the bottom border of an empty, tiny paragraph."""
        side = max((column_mm - length_mm) / 2, 0)
        fmt = paragraph.paragraph_format
        fmt.left_indent = Mm(side)
        fmt.right_indent = Mm(side)
        fmt.first_line_indent = Mm(0)
        fmt.space_before = Pt(1)
        fmt.space_after = Pt(0)
        fmt.line_spacing = Pt(3)
        fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        run = paragraph.add_run("")
        run.font.size = Pt(1)
        ppr = paragraph._p.get_or_add_pPr()
        borders = OxmlElement("w:pBdr")
        bottom = OxmlElement("w:bottom")
        bottom.set(qn("w:val"), "single")
        bottom.set(qn("w:sz"), "6")  # eighths of a point: 0.75 pt
        bottom.set(qn("w:space"), "1")
        bottom.set(qn("w:color"), "000000")
        borders.append(bottom)
        ppr.append(borders)
        paragraph._rule_length_mm = length_mm

    # Body ---------------------------------------------------------------------------------

    def _body_format(self, paragraph, *, indent=True):
        body = self.layout["body"]
        fmt = paragraph.paragraph_format
        fmt.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
        fmt.first_line_indent = Mm(pick(body["first_line_indent_mm"])) if indent else Mm(0)
        fmt.space_before = Pt(pick(body["paragraph_spacing_pt"]))
        fmt.space_after = Pt(0)
        spacing = pick(body["line_spacing"])
        fmt.line_spacing = 1.0 if spacing in (None, "single") else float(spacing)
        return paragraph

    def paragraph(self, text: str = "", *, bold: bool = False, italic: bool = False, indent: bool = True):
        """A body paragraph: justified, first-line indent, the body size."""
        p = self._body_format(self.doc.add_paragraph(), indent=indent)
        if text:
            run = p.add_run(nfc(text))
            run.bold, run.italic = bold, italic
            run.font.size = Pt(pick(self.layout["body"]["size"]))
        return p

    def rich(self, parts: list[tuple[str, str]]):
        """A body paragraph of runs: ``[("b", "Bold lead: "), ("", "plain text")]`` (b, i, bi)."""
        p = self._body_format(self.doc.add_paragraph())
        for style, text in parts:
            run = p.add_run(nfc(text))
            run.bold, run.italic = "b" in style, "i" in style
        return p

    def bullet(self, text: str):
        """A dash item, as administrative documents list things."""
        return self.paragraph("- " + nfc(text))

    def section(self, text: str):
        """``I. TEXT``: bold capitals, numbered in Roman figures."""
        self._counters = [self._counters[0] + 1, 0, 0]
        label = ROMAN[self._counters[0] - 1] if self._counters[0] <= len(ROMAN) else str(self._counters[0])
        return self._heading(self.paragraph(f"{label}. {vn_upper(text)}", bold=True))

    @staticmethod
    def _heading(paragraph):
        # A heading never ends a page: it stays with what follows (a paragraph or a table's first row).
        paragraph.paragraph_format.keep_with_next = True
        return paragraph

    def subsection(self, text: str):
        """``1. Text``: bold, numbered within its section."""
        self._counters[1] += 1
        self._counters[2] = 0
        return self._heading(self.paragraph(f"{self._counters[1]}. {nfc(text)}", bold=True))

    def point(self, text: str):
        """``a) Text``: italic, lettered within its subsection."""
        self._counters[2] += 1
        letter = "abcdefghiklmnopqrstuvxy"[(self._counters[2] - 1) % 23]
        return self._heading(self.paragraph(f"{letter}) {nfc(text)}", italic=True))

    def table(self, table: Table, *, size: float | None = None, caption: str = ""):
        """A bordered table: header row bold and repeated on every page, numbers aligned right."""
        size = size or pick(self.layout["body"]["size"]) - 1
        if caption:
            p = self._heading(self.paragraph(caption, italic=True, indent=False))
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        else:  # a little air between the text above and the grid
            spacer = self.doc.add_paragraph()
            spacer.paragraph_format.line_spacing = Pt(4)
            spacer.paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
            spacer.paragraph_format.keep_with_next = True
        t = self.doc.add_table(rows=1, cols=len(table.headers))
        t.style = "Table Grid"
        t.alignment = WD_TABLE_ALIGNMENT.CENTER
        widths = table.widths_mm or [self.text_width_mm / len(table.headers)] * len(table.headers)
        scale = self.text_width_mm / sum(widths)
        widths = [w * scale for w in widths]
        _fixed_layout(t, widths)
        header = t.rows[0]
        _repeat_header(header)
        for cell, text, width in zip(header.cells, table.headers, widths, strict=True):
            cell.width = Mm(width)
            self._cell(cell, text, size, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
        for row in table.rows:
            added = t.add_row()
            _cant_split(added)
            cells = added.cells
            for index, (cell, value, width) in enumerate(zip(cells, row, widths, strict=True)):
                cell.width = Mm(width)
                align = WD_ALIGN_PARAGRAPH.RIGHT if index in table.numeric else WD_ALIGN_PARAGRAPH.LEFT
                self._cell(cell, value, size, align=align)
        self.doc.add_paragraph().paragraph_format.space_after = Pt(0)
        return t

    def _cell(self, cell, value, size, *, bold=False, align=WD_ALIGN_PARAGRAPH.LEFT):
        p = cell.paragraphs[0]
        p.alignment = align
        p.paragraph_format.first_line_indent = Mm(0)
        p.paragraph_format.space_before = Pt(2)
        p.paragraph_format.space_after = Pt(2)
        run = p.add_run(nfc(value))
        run.font.size = Pt(size)
        run.bold = bold

    def image(self, png: bytes, *, width_mm: float | None = None, caption: str = ""):
        """A chart or picture, centred, as wide as the text unless told."""
        p = self.doc.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        p.paragraph_format.space_before = Pt(6)
        p.add_run().add_picture(io.BytesIO(png), width=Mm(min(width_mm or self.text_width_mm, self.text_width_mm)))
        if caption:
            c = self.doc.add_paragraph()
            self._line(c, caption, pick(self.layout["body"]["size"]) - 1, italic=True)
        return p

    def page_break(self):
        self.doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)

    def appendix(self, title: str, subtitle: str = ""):
        """A Phụ lục on a new page: caps bold centred title, its link to the document in italic."""
        self.page_break()
        p = self.doc.add_paragraph()
        self._line(p, "PHỤ LỤC", pick(self.layout["title"]["type"]["size"]), bold=True)
        p = self.doc.add_paragraph()
        self._line(p, vn_upper(title), pick(self.layout["title"]["type"]["size"]), bold=True)
        if subtitle:
            p = self.doc.add_paragraph()
            self._line(p, subtitle, pick(self.layout["body"]["size"]), italic=True)
        self.doc.add_paragraph()

    # Closing: Nơi nhận and the signature ---------------------------------------------------

    def closing(self, *, recipients: list[str], archive: str, signature: Signature):
        """Nơi nhận on the left (12 pt label, 11 pt entries), the signature block on the right."""
        rec = self.layout["recipients"]
        sig = self.layout["signature"]
        self.doc.add_paragraph()
        table = self.doc.add_table(rows=1, cols=2)
        table.autofit = False
        _no_borders(table)
        widths = (self.text_width_mm * 0.45, self.text_width_mm * 0.55)
        _fixed_layout(table, widths)
        left, right = table.cell(0, 0), table.cell(0, 1)
        left.width, right.width = Mm(widths[0]), Mm(widths[1])
        label = rec["label"]
        self._line(left.paragraphs[0], label["text"], label["size"], bold=label.get("bold", True),
                   italic=label.get("italic", True), align=WD_ALIGN_PARAGRAPH.LEFT)
        entries = rec["entries"]
        items = [f"{entries['prefix']}{nfc(r)}{entries['end']}" for r in recipients]
        items.append(nfc(entries["last"].format(unit_abbr=archive)))
        for item in items:
            self._line(left.add_paragraph(), item, entries["size"], align=WD_ALIGN_PARAGRAPH.LEFT)
        size = pick(sig["authority"]["size"])
        first = True
        for line in (signature.authority, signature.position):
            if not line:
                continue
            p = right.paragraphs[0] if first else right.add_paragraph()
            self._line(p, vn_upper(line), size, bold=True)
            first = False
        for _ in range(4):  # room for the signature and the seal
            right.add_paragraph()
        self._line(right.add_paragraph(), nfc(signature.name), pick(sig["name"]["size"]), bold=True)

    def to_bytes(self) -> bytes:
        out = io.BytesIO()
        self.doc.save(out)
        return out.getvalue()


# Low-level XML helpers -------------------------------------------------------------------

def _set_fonts(rpr, family: str):
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attr), family)


def _field(run, instruction: str):
    """A complex field (PAGE) that Word and LibreOffice both update."""
    begin = OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = f" {instruction} "
    separate = OxmlElement("w:fldChar")
    separate.set(qn("w:fldCharType"), "separate")
    shown = OxmlElement("w:t")
    shown.text = "2"
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    for element in (begin, instr, separate, shown, end):
        run._r.append(element)


def _no_borders(table):
    tbl_pr = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        element = OxmlElement(f"w:{edge}")
        element.set(qn("w:val"), "nil")
        borders.append(element)
    tbl_pr.append(borders)


def _table_indent(table, mm: float):
    tbl_pr = table._tbl.tblPr
    ind = OxmlElement("w:tblInd")
    ind.set(qn("w:w"), str(int(mm * 56.6929)))
    ind.set(qn("w:type"), "dxa")
    tbl_pr.append(ind)


def _fixed_layout(table, widths_mm):
    """Column widths that Word and LibreOffice both honour: a fixed layout and the grid."""
    tbl_pr = table._tbl.tblPr
    layout_el = OxmlElement("w:tblLayout")
    layout_el.set(qn("w:type"), "fixed")
    tbl_pr.append(layout_el)
    width = OxmlElement("w:tblW")
    width.set(qn("w:w"), str(int(sum(widths_mm) * 56.6929)))
    width.set(qn("w:type"), "dxa")
    for old in tbl_pr.findall(qn("w:tblW")):
        tbl_pr.remove(old)
    tbl_pr.append(width)
    grid = table._tbl.tblGrid
    for col, w in zip(grid.findall(qn("w:gridCol")), widths_mm, strict=False):
        col.set(qn("w:w"), str(int(w * 56.6929)))


def _cant_split(row):
    """A row is never cut in two across pages."""
    element = OxmlElement("w:cantSplit")
    element.set(qn("w:val"), "true")
    row._tr.get_or_add_trPr().append(element)


def _repeat_header(row):
    tr_pr = row._tr.get_or_add_trPr()
    element = OxmlElement("w:tblHeader")
    element.set(qn("w:val"), "true")
    tr_pr.append(element)
