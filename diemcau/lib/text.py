"""Text helpers for Vietnamese: search without diacritics."""

import unicodedata

_EXTRA = str.maketrans({"đ": "d", "Đ": "d"})


def fold(text: str | None) -> str:
    """Lower-case ``text`` and strip Vietnamese diacritics.

    "Thông Nông" and "Thong Nong" fold to the same "thong nong"; "Đ" has no
    Unicode decomposition, so it is mapped by hand.
    """
    if not text:
        return ""
    text = text.translate(_EXTRA)
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return " ".join(stripped.lower().split())
