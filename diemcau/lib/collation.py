"""Vietnamese alphabetical order, the same in Python and in both databases.

Python's default order puts "Hạ Lang" after "Hưng Đạo" (it compares code
points) and "Nông nghiệp" before "Nội vụ". The Vietnamese alphabet is
a ă â b c d đ e ê g h i k l m n o ô ơ p q r s t u ư v x y: ă, â, đ, ê, ô,
ơ, ư are letters of their own; the five tone marks only break ties, in the
order huyền, hỏi, ngã, sắc, nặng (CLDR's Vietnamese collation, which ICU
and so PostgreSQL follow).

- ``vi_key(text)``: a sort key for ``sorted(..., key=...)``;
- ``vi_sorted(items, key=...)``: the same, for objects;
- ``vi_order("name")`` / ``vi_order("-name")``: an ``order_by()`` expression
  using the database collation named ``VI``: an ICU collation created by a
  migration on PostgreSQL (core 0003), a Python collation registered on
  every SQLite connection (``register_sqlite_collation``).
"""

import unicodedata
from collections.abc import Callable, Iterable
from functools import lru_cache

from django.db.models import F
from django.db.models.functions import Collate

VI = "vi"

# Latin letters in Vietnamese order; f, j, w, z (foreign words, names) where Latin has them.
_ALPHABET = "aăâbcdđeêfghijklmnoôơpqrstuưvwxyz"
_PRIMARY = {letter: index for index, letter in enumerate(_ALPHABET)}
# Marks that make a letter of their own: breve (ă), circumflex (â ê ô), horn (ơ ư).
_SHAPES = {"\u0306", "\u0302", "\u031b"}
# Tone marks, in collation order: huyền, hỏi, ngã, sắc, nặng.
_TONES = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}

# Primary weight classes: spaces and punctuation first, then digits, letters, the rest (as ICU).
_PUNCT, _DIGIT, _LETTER, _OTHER = 0, 1, 2, 3


@lru_cache(maxsize=65536)
def vi_key(text: str | None) -> tuple:
    """Sort key of ``text`` in Vietnamese order: letters, then tones, then case.

    >>> sorted(["Hưng Đạo", "Hà Quảng", "Hạ Lang", "Hòa An"], key=vi_key)
    ['Hạ Lang', 'Hà Quảng', 'Hòa An', 'Hưng Đạo']
    """
    if not text:
        return ((), (), ())
    primary, secondary, tertiary = [], [], []
    for cluster in _clusters(unicodedata.normalize("NFD", text)):
        base, marks = cluster[0], cluster[1:]
        lower = base.lower()
        shape = "".join(m for m in marks if m in _SHAPES)
        letter = unicodedata.normalize("NFC", lower + shape) if shape else lower
        if letter in _PRIMARY:
            primary.append((_LETTER, _PRIMARY[letter]))
        elif lower.isdigit():
            primary.append((_DIGIT, unicodedata.digit(lower, 0)))
        elif lower.isspace() or unicodedata.category(lower).startswith(("P", "S", "Z")):
            primary.append((_PUNCT, ord(lower)))
        else:
            primary.append((_OTHER, ord(lower)))
        secondary.append(max((_TONES.get(m, 0) for m in marks), default=0))
        tertiary.append(0 if base == lower else 1)
    return tuple(primary), tuple(secondary), tuple(tertiary)


def _clusters(decomposed: str):
    """Each base character with the combining marks that follow it."""
    cluster = ""
    for ch in decomposed:
        if cluster and unicodedata.combining(ch):
            cluster += ch
            continue
        if cluster:
            yield cluster
        cluster = ch
    if cluster:
        yield cluster


def vi_sorted(items: Iterable, key: Callable | None = None, reverse: bool = False) -> list:
    """``sorted`` in Vietnamese order; ``key`` gives the text of an item (default: ``str``)."""
    text_of = key or str
    return sorted(items, key=lambda item: vi_key(text_of(item) or ""), reverse=reverse)


def vi_order(field: str):
    """An ``order_by()`` term sorting a text field in Vietnamese order; ``"-name"`` descends."""
    descending = field.startswith("-")
    expression = Collate(F(field.lstrip("-")), VI)
    return expression.desc() if descending else expression.asc()


def _compare(left: str, right: str) -> int:
    a, b = vi_key(left), vi_key(right)
    return (a > b) - (a < b)


def register_sqlite_collation(sender, connection, **kwargs) -> None:
    """``connection_created`` receiver: teach each SQLite connection the ``vi`` collation."""
    if connection.vendor == "sqlite":
        connection.connection.create_collation(VI, _compare)
