"""Words and numbers as a Vietnamese official writes them in a document.

Official documents are written in Vietnamese (Decree 30/2020, Article 8), so
the phrases here are Vietnamese whatever the reader's interface language;
numbers use the Vietnamese format (12.500.000 đồng; 2,5 tỷ).
"""

import unicodedata

from django.utils import formats, translation

VERDICT_VI = {"stable": "ổn định", "unstable": "hoạt động được nhưng không ổn định", "unfit": "không còn phù hợp",
              "": "chưa kết luận"}
MEETS_VI = {"fully": "đáp ứng đầy đủ", "partly": "đáp ứng một phần", "not": "không đáp ứng", "": "chưa đánh giá"}
LIST_VI = {"continue": "Tiếp tục sử dụng", "fix": "Sửa chữa, cấu hình lại, bổ sung phụ kiện, nâng cấp nhẹ",
           "invest": "Cần đầu tư mới"}
FREQUENCY_VI = {"every_meeting": "gần như mọi cuộc họp", "weekly": "khoảng hằng tuần", "monthly": "khoảng hằng tháng",
                "rarely": "vài lần trong năm"}
WORK_VI = {"planned": "chưa thực hiện", "in_progress": "đang thực hiện", "done": "đã hoàn thành",
           "cancelled": "đã hủy"}


def nfc(text) -> str:
    return unicodedata.normalize("NFC", str(text if text is not None else ""))


def number(value, decimals: int | None = None) -> str:
    """12.500.000; 2,5 — Vietnamese grouping and decimal comma."""
    with translation.override("vi"):
        return formats.number_format(value, decimal_pos=decimals, use_l10n=True, force_grouping=True)


def vnd(value) -> str:
    return f"{number(int(value or 0))} đồng"


def vnd_short(value) -> str:
    """2,5 tỷ đồng; 350 triệu đồng — for sentences."""
    value = int(value or 0)
    if value >= 1_000_000_000:
        return f"{number(round(value / 1_000_000_000, 2))} tỷ đồng"
    if value >= 1_000_000:
        return f"{number(round(value / 1_000_000, 1))} triệu đồng"
    return vnd(value)


def percent(part, whole, decimals: int = 1) -> str:
    if not whole:
        return "—"
    return f"{number(round(100 * part / whole, decimals))}%"


def date_vi(value) -> str:
    return value.strftime("%d/%m/%Y") if value else ""
