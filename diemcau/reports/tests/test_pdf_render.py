"""LibreOffice turns the .docx into a PDF; its pages, rendered by pdftoppm, show the header where
the decree puts it and the page number from page 2 only (pixels, not just a file)."""

import datetime as dt
import subprocess
import tempfile
from pathlib import Path

from PIL import Image

from diemcau.lib import pdf
from diemcau.lib.nd30 import Heading, OfficialDocument, Signature

DPI = 50


def pages(pdf_bytes: bytes, *, first: int = 1, last: int = 2) -> list[Image.Image]:
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "d.pdf"
        source.write_bytes(pdf_bytes)
        subprocess.run(["pdftoppm", "-r", str(DPI), "-gray", "-png", "-f", str(first), "-l", str(last),
                        str(source), str(Path(tmp) / "p")], check=True, timeout=60)
        return [Image.open(p).convert("L") for p in sorted(Path(tmp).glob("p-*.png"))]


def dark(image: Image.Image, x_mm: tuple, y_mm: tuple) -> int:
    """How many dark pixels inside the box (millimetres from the top-left corner)."""
    px = DPI / 25.4
    box = image.crop((int(x_mm[0] * px), int(y_mm[0] * px), int(x_mm[1] * px), int(y_mm[1] * px)))
    return sum(box.histogram()[:128])


def long_document(**heading) -> bytes:
    doc = OfficialDocument(Heading(agency="Sở Khoa học và Công nghệ", parent="UBND tỉnh Cao Bằng",
                                   agency_abbr="SKHCN", doc_type="báo cáo", place="Cao Bằng",
                                   date=dt.date(2027, 2, 3), number=4, excerpt="Kết quả rà soát", **heading))
    doc.section("Tình hình chung")
    for _ in range(30):
        doc.paragraph("Toàn tỉnh có 104 điểm cầu của 70 đơn vị; phần lớn hoạt động ổn định, một số điểm cầu "
                      "cần chuẩn hóa cấu hình và củng cố đường truyền.")
    doc.closing(recipients=["UBND tỉnh"], archive="SKHCN",
                signature=Signature(authority="KT. Giám đốc", position="Phó Giám đốc", name="Nguyễn Văn An"))
    return doc.to_bytes()


def test_it_converts_to_a_pdf_with_the_header_top_left_and_top_right():
    data = pdf.docx_to_pdf(long_document())
    assert data.startswith(b"%PDF")
    first, second = pages(data)
    # A4 portrait.
    assert abs(first.width / DPI * 25.4 - 210) < 2 and abs(first.height / DPI * 25.4 - 297) < 2
    # The agency block top-left, the national title and motto top-right, both within the top 40 mm.
    assert dark(first, (22, 95), (18, 40)) > 150
    assert dark(first, (105, 200), (18, 40)) > 250
    # Nothing between them in the middle gutter, and the left margin stays empty.
    assert dark(first, (0, 18), (0, 297)) == 0
    # No page number on the first page; page 2 has one at the top centre and nothing else up there.
    assert dark(first, (0, 210), (0, 17)) == 0
    assert dark(second, (95, 115), (5, 19)) > 5
    assert dark(second, (0, 90), (5, 19)) == 0 and dark(second, (120, 210), (5, 19)) == 0


def test_two_conversions_at_once_both_succeed():
    from concurrent.futures import ThreadPoolExecutor

    source = long_document()
    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(lambda _: pdf.docx_to_pdf(source), range(2)))
    assert all(r.startswith(b"%PDF") for r in results)


def test_a_missing_office_is_told_not_hidden(settings):
    settings.SOFFICE_PATH = "/nonexistent/soffice"
    assert not pdf.available()
    try:
        pdf.docx_to_pdf(b"x")
    except pdf.ConversionError as exc:
        assert "not installed" in str(exc)
    else:
        raise AssertionError("expected a ConversionError")
