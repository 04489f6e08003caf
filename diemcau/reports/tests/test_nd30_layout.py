"""The ND 30 layout of every document, read back from the .docx with python-docx."""

import datetime as dt
import io
import unicodedata

import pytest
from docx import Document
from docx.oxml.ns import qn
from docx.shared import Pt

from diemcau.lib.nd30 import (
    Heading,
    OfficialDocument,
    Signature,
    Table,
    layout,
    number_line,
    place_date,
)


def build(**heading):
    values = {"agency": "Sở Khoa học và Công nghệ", "parent": "UBND tỉnh Cao Bằng", "agency_abbr": "SKHCN",
              "doc_type": "báo cáo", "place": "Cao Bằng", "date": dt.date(2027, 1, 5), "number": 7,
              "excerpt": "Kết quả rà soát hệ thống hội nghị trực tuyến"}
    values.update(heading)
    doc = OfficialDocument(Heading(**values))
    doc.paragraph("Thực hiện chỉ đạo của Ủy ban nhân dân tỉnh, Sở báo cáo như sau:")
    doc.section("Tình hình chung")
    doc.subsection("Hiện trạng")
    doc.point("Điểm cầu cấp xã")
    doc.table(Table(headers=["TT", "Nội dung"], rows=[["1", "Điểm cầu"]], widths_mm=[15, 150]))
    doc.closing(recipients=["UBND tỉnh (để b/c)", "Các sở, ban, ngành"], archive="SKHCN",
                signature=Signature(authority="KT. Giám đốc", position="Phó Giám đốc", name="Nguyễn Văn An"))
    return Document(io.BytesIO(doc.to_bytes()))


def runs_of(paragraph):
    return [r for r in paragraph.runs if r.text.strip()]


def test_it_sets_a4_and_the_decree_margins():
    doc = build()
    section = doc.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    margins = layout()["margins_mm"]
    for side in ("top", "bottom", "left", "right"):
        value = getattr(section, f"{side}_margin")
        assert margins[side]["min"] <= round(value.mm, 1) <= margins[side]["max"], side


def test_it_uses_times_new_roman_everywhere():
    doc = build()
    normal = doc.styles["Normal"]
    assert normal.font.name == "Times New Roman"
    fonts = normal.element.rPr.find(qn("w:rFonts"))
    assert {fonts.get(qn(a)) for a in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia")} == {"Times New Roman"}
    assert normal.font.size == Pt(14)


def test_it_draws_the_header_table_with_agency_left_and_national_title_right():
    doc = build()
    table = doc.tables[0]
    left, right = table.cell(0, 0), table.cell(0, 1)
    parent, agency = left.paragraphs[0], left.paragraphs[1]
    assert parent.text == "UBND TỈNH CAO BẰNG" and not runs_of(parent)[0].bold
    assert runs_of(parent)[0].font.size == Pt(13)
    assert agency.text == "SỞ KHOA HỌC VÀ CÔNG NGHỆ" and runs_of(agency)[0].bold
    assert runs_of(agency)[0].font.size == Pt(13)
    # The rule under the agency: a bottom border, 1/3 to 1/2 of the text long, centred.
    rule = left.paragraphs[2]
    assert rule._p.pPr.find(qn("w:pBdr")).find(qn("w:bottom")).get(qn("w:val")) == "single"
    assert rule.paragraph_format.left_indent == rule.paragraph_format.right_indent
    title, motto, motto_rule = right.paragraphs[:3]
    assert title.text == "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
    assert runs_of(title)[0].bold and runs_of(title)[0].font.size == Pt(13)
    assert motto.text == "Độc lập - Tự do - Hạnh phúc"
    assert runs_of(motto)[0].bold and runs_of(motto)[0].font.size == Pt(14)
    assert motto_rule._p.pPr.find(qn("w:pBdr")) is not None
    # No border on the header table.
    borders = table._tbl.tblPr.find(qn("w:tblBorders"))
    assert all(b.get(qn("w:val")) == "nil" for b in borders)
    number, date = table.cell(1, 0).paragraphs[0], table.cell(1, 1).paragraphs[0]
    assert number.text == "Số: 07/BC-SKHCN" and runs_of(number)[0].font.size == Pt(13)
    assert date.text == "Cao Bằng, ngày 05 tháng 01 năm 2027"
    assert runs_of(date)[0].italic and runs_of(date)[0].font.size == Pt(14)


def test_the_rules_are_as_long_as_the_decree_says():
    doc = build()
    table = doc.tables[0]
    agency_rule = table.cell(0, 0).paragraphs[2]
    # Motto rule as long as the motto (within 1 mm), agency rule 1/3–1/2 of the agency.
    from diemcau.lib.nd30 import text_width_mm

    def rule_length(paragraph, cell_mm):
        fmt = paragraph.paragraph_format
        return cell_mm - fmt.left_indent.mm - fmt.right_indent.mm

    widths = [int(c.get(qn("w:w"))) / 56.6929 for c in table._tbl.tblGrid.findall(qn("w:gridCol"))]
    motto = rule_length(table.cell(0, 1).paragraphs[2], widths[1])
    assert abs(motto - text_width_mm("Độc lập - Tự do - Hạnh phúc", 14, bold=True)) < 1
    agency = rule_length(agency_rule, widths[0])
    full = text_width_mm("SỞ KHOA HỌC VÀ CÔNG NGHỆ", 13, bold=True)
    assert full / 3 <= agency <= full / 2


@pytest.mark.parametrize(("date", "expected"), [
    (dt.date(2027, 1, 5), "Cao Bằng, ngày 05 tháng 01 năm 2027"),
    (dt.date(2027, 2, 9), "Cao Bằng, ngày 09 tháng 02 năm 2027"),
    (dt.date(2027, 3, 9), "Cao Bằng, ngày 09 tháng 3 năm 2027"),
    (dt.date(2026, 12, 25), "Cao Bằng, ngày 25 tháng 12 năm 2026"),
    (dt.date(2026, 10, 1), "Cao Bằng, ngày 01 tháng 10 năm 2026"),
])
def test_it_pads_one_digit_days_and_months_one_and_two(date, expected):
    assert place_date("Cao Bằng", date) == expected
    doc = build(date=date)
    assert doc.tables[0].cell(1, 1).paragraphs[0].text == expected


def test_a_draft_leaves_the_number_and_date_blank():
    doc = build(number=None, date=None)
    number = doc.tables[0].cell(1, 0).paragraphs[0].text
    assert number.startswith("Số: ") and number.endswith("/BC-SKHCN") and not any(ch.isdigit() for ch in number)
    assert "ngày" in doc.tables[0].cell(1, 1).paragraphs[0].text
    assert number_line(12, "kế hoạch", "SKHCN") == "Số: 12/KH-SKHCN"


def test_it_centres_the_type_and_excerpt_in_bold():
    doc = build()
    paragraphs = [p for p in doc.paragraphs if p.text.strip()]
    kind, excerpt = paragraphs[0], paragraphs[1]
    assert kind.text == "BÁO CÁO" and kind.alignment == 1 and runs_of(kind)[0].bold
    assert runs_of(kind)[0].font.size == Pt(14)
    assert excerpt.text == "Kết quả rà soát hệ thống hội nghị trực tuyến" and excerpt.alignment == 1
    assert runs_of(excerpt)[0].bold


def test_the_body_is_justified_with_a_first_line_indent_and_numbered_sections():
    doc = build()
    texts = {p.text: p for p in doc.paragraphs}
    body = texts["Thực hiện chỉ đạo của Ủy ban nhân dân tỉnh, Sở báo cáo như sau:"]
    assert body.alignment == 3  # justify
    assert round(body.paragraph_format.first_line_indent.mm, 1) == 12.7
    assert body.paragraph_format.space_before >= Pt(6)
    assert "I. TÌNH HÌNH CHUNG" in texts and runs_of(texts["I. TÌNH HÌNH CHUNG"])[0].bold
    assert "1. Hiện trạng" in texts
    assert "a) Điểm cầu cấp xã" in texts and runs_of(texts["a) Điểm cầu cấp xã"])[0].italic
    grid = doc.tables[1]
    assert [c.text for c in grid.rows[0].cells] == ["TT", "Nội dung"]
    assert grid.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None


def test_page_numbers_start_on_page_two_at_the_top_centre():
    doc = build()
    section = doc.sections[0]
    assert section.different_first_page_header_footer
    assert not section.first_page_header.paragraphs[0].text.strip()
    header = section.header.paragraphs[0]
    assert header.alignment == 1
    instructions = [e.text for e in header._p.iter(qn("w:instrText"))]
    assert instructions == [" PAGE "]
    assert header.runs[0].font.size == Pt(13)


def test_it_writes_the_noi_nhan_block_and_the_signature():
    doc = build()
    closing = doc.tables[-1]
    left, right = closing.cell(0, 0), closing.cell(0, 1)
    label = left.paragraphs[0]
    assert label.text == "Nơi nhận:"
    assert runs_of(label)[0].bold and runs_of(label)[0].italic and runs_of(label)[0].font.size == Pt(12)
    entries = [p.text for p in left.paragraphs[1:]]
    assert entries == ["- UBND tỉnh (để b/c);", "- Các sở, ban, ngành;", "- Lưu: VT, SKHCN."]
    assert all(runs_of(p)[0].font.size == Pt(11) for p in left.paragraphs[1:])
    lines = [p.text for p in right.paragraphs if p.text.strip()]
    assert lines == ["KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC", "Nguyễn Văn An"]
    assert all(runs_of(p)[0].bold for p in right.paragraphs if p.text.strip())


def test_it_stores_every_text_in_nfc():
    decomposed = unicodedata.normalize("NFD", "Hội nghị trực tuyến")
    doc = build(excerpt=decomposed)
    texts = [p.text for p in doc.paragraphs] + [c.text for t in doc.tables for r in t.rows for c in r.cells]
    assert all(unicodedata.is_normalized("NFC", t) for t in texts)
    assert any(t == unicodedata.normalize("NFC", decomposed) for t in texts)
