"""The official documents: each kind's content, built from the database as it is now.

``build(doc, issued=None)`` returns the .docx (and its Excel annex when the
document has one) through the one builder (``diemcau.lib.nd30``). A draft
has no number or date; an issued document carries its number, date and
signer. Content is in Vietnamese, as the decree requires of official documents.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings

from diemcau.lib.nd30 import Heading, OfficialDocument, Signature
from diemcau.reports.choices import DocKind
from diemcau.reports.text import nfc

# The parts people write, per kind: (key, label shown above the text box).
PARTS = {
    DocKind.UNIT_REPORT: [("opening", "Mở đầu (căn cứ, mục đích)"), ("assessment", "Đánh giá chung của đơn vị"),
                          ("proposals", "Kiến nghị, đề xuất"), ("recipients", "Nơi nhận (mỗi dòng một nơi)")],
    DocKind.ASSESSMENT: [("opening", "Mở đầu (căn cứ, mục đích)"), ("conclusion", "Đánh giá chung"),
                         ("proposals", "Kiến nghị"), ("recipients", "Nơi nhận (mỗi dòng một nơi)")],
    DocKind.PLAN: [("opening", "Mục đích, yêu cầu"), ("architecture", "Kiến trúc vận hành chung (bổ sung)"),
                   ("support", "Cơ chế hỗ trợ kỹ thuật (trực, đầu mối liên hệ)"),
                   ("implementation", "Tổ chức thực hiện"), ("recipients", "Nơi nhận (mỗi dòng một nơi)")],
    DocKind.PROGRESS: [("opening", "Mở đầu"), ("assessment", "Đánh giá, kiến nghị"),
                       ("recipients", "Nơi nhận (mỗi dòng một nơi)")],
    DocKind.GUIDE: [("recipients", "Nơi nhận (mỗi dòng một nơi)")],
}
DEFAULT_TEXTS = {
    DocKind.UNIT_REPORT: {
        "opening": "Thực hiện chỉ đạo của Ủy ban nhân dân tỉnh về việc rà soát, đánh giá hiện trạng và nâng cao "
                   "chất lượng hệ thống hội nghị trực tuyến, đơn vị báo cáo kết quả rà soát các điểm cầu như sau:",
        "assessment": "", "proposals": "",
        "recipients": "Sở Khoa học và Công nghệ\nLãnh đạo đơn vị",
    },
    DocKind.ASSESSMENT: {
        "opening": "Trên cơ sở báo cáo của các đơn vị và kết quả kiểm tra thực tế, Sở Khoa học và Công nghệ báo cáo "
                   "đánh giá tổng thể hệ thống hội nghị trực tuyến của tỉnh như sau:",
        "conclusion": "", "proposals": "",
        "recipients": "Ủy ban nhân dân tỉnh (để báo cáo)\nCác sở, ban, ngành\nỦy ban nhân dân các xã, phường",
    },
    DocKind.PLAN: {
        "opening": "Bảo đảm hệ thống hội nghị trực tuyến của tỉnh vận hành ổn định, thống nhất; tận dụng tối đa "
                   "thiết bị, hạ tầng hiện có; chỉ đầu tư mới ở nơi không còn giải pháp nào rẻ hơn.",
        "architecture": "", "support": "", "implementation": "",
        "recipients": "Ủy ban nhân dân tỉnh (để báo cáo)\nCác sở, ban, ngành\nỦy ban nhân dân các xã, phường\n"
                      "VNPT Cao Bằng, Viettel Cao Bằng",
    },
    DocKind.PROGRESS: {
        "opening": "Sở Khoa học và Công nghệ báo cáo tiến độ thực hiện lộ trình nâng cao chất lượng hệ thống hội "
                   "nghị trực tuyến như sau:",
        "assessment": "",
        "recipients": "Ủy ban nhân dân tỉnh (để báo cáo)\nCác đơn vị thực hiện",
    },
    DocKind.GUIDE: {"recipients": "Các sở, ban, ngành\nỦy ban nhân dân các xã, phường\nCán bộ đầu mối kỹ thuật"},
}


@dataclass
class Built:
    docx: bytes
    annex: bytes | None = None
    facts: dict = field(default_factory=dict)


def editable_parts(kind: str) -> list[tuple[str, str]]:
    return PARTS.get(kind, [])


def default_texts(kind: str) -> dict:
    return dict(DEFAULT_TEXTS.get(kind, {}))


def default_excerpt(kind: str, campaign, organization) -> str:
    title = campaign.title if campaign else ""
    year = campaign.deadline.year if campaign else ""
    return {
        DocKind.UNIT_REPORT: f"Kết quả rà soát, đánh giá hiện trạng các điểm cầu hội nghị trực tuyến năm {year}",
        DocKind.ASSESSMENT: "Đánh giá tổng thể hệ thống hội nghị trực tuyến của tỉnh",
        DocKind.PLAN: "Phương án tổng thể nâng cao chất lượng hệ thống hội nghị trực tuyến của tỉnh",
        DocKind.PROGRESS: "Tiến độ thực hiện lộ trình nâng cao chất lượng hệ thống hội nghị trực tuyến",
    }.get(kind, title)


def province() -> str:
    return getattr(settings, "PROVINCE_NAME", "Cao Bằng")


def agency_names(org) -> tuple[str, str, str]:
    """(parent, agency, place) as the header and the date line write them."""
    name = nfc(org.name)
    kind = org.kind.code
    if name.startswith("UBND "):
        name = "Ủy ban nhân dân " + name[5:]
    if kind in ("commune", "ward"):
        local = name.split(" xã ", 1)[-1].split(" phường ", 1)[-1]
        return "", name, local
    if kind == "operator":
        return "", name, province()
    return f"UBND tỉnh {province()}", name, province()


def heading(doc, issued=None) -> Heading:
    from diemcau.reports.services import agency_abbr

    parent, agency, place = agency_names(doc.organization)
    return Heading(agency=agency, parent=parent, agency_abbr=agency_abbr(doc.organization),
                   doc_type=doc.doc_type, place=place, date=issued.issued_on if issued else None,
                   number=issued.number if issued else None, excerpt=doc.excerpt,
                   title=TITLES.get(doc.kind, ""))


TITLES = {DocKind.PROGRESS: "báo cáo", DocKind.PLAN: "kế hoạch", DocKind.GUIDE: "hướng dẫn"}


def texts_of(doc, issued=None) -> dict:
    return dict(issued.texts if issued is not None else doc.texts)


def written(builder: OfficialDocument, text: str, *, placeholder: str = ""):
    """A written part: one paragraph per line; a visible gap in a draft when nothing is written yet."""
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    if not lines and placeholder:
        builder.paragraph(placeholder, italic=True)
    for line in lines:
        builder.bullet(line[1:].strip()) if line.startswith("-") else builder.paragraph(line)


def close(builder: OfficialDocument, doc, texts: dict, issued=None):
    from diemcau.reports.services import agency_abbr

    recipients = [r.strip(" -;") for r in (texts.get("recipients") or "").splitlines() if r.strip(" -;")]
    if issued is not None:
        signature = Signature(authority=issued.signer_authority, position=issued.signer_position,
                              name=issued.signer_name)
    else:
        signature = Signature(authority="", position="(Chức vụ người ký)", name="(Họ và tên)")
    builder.closing(recipients=recipients, archive=agency_abbr(doc.organization), signature=signature)


def build(doc, issued=None) -> Built:
    from diemcau.reports.documents import guide, progress, province_docs, unit

    makers = {DocKind.UNIT_REPORT: unit.build, DocKind.ASSESSMENT: province_docs.build_assessment,
              DocKind.PLAN: province_docs.build_plan, DocKind.PROGRESS: progress.build, DocKind.GUIDE: guide.build}
    return makers[doc.kind](doc, issued)
