"""Names sort by the Vietnamese alphabet, in Python and in the database alike."""

from pathlib import Path

import pytest
import yaml
from django.db import connection

from diemcau.inventory.models import Organization
from diemcau.lib.collation import VI, vi_key, vi_order, vi_sorted
from diemcau.testing import make_org

DATA = Path(__file__).resolve().parents[2] / "data" / "cao_bang.yaml"


def test_it_sorts_the_communes_of_the_issue_by_letter_before_tone():
    names = ["Hà Quảng", "Hòa An", "Hưng Đạo", "Hạ Lang"]
    assert sorted(names, key=vi_key) == ["Hạ Lang", "Hà Quảng", "Hòa An", "Hưng Đạo"]


def test_it_puts_the_letters_with_marks_after_their_base_letter():
    # "Nội" and "Nông" share the letter ô; "ộ" differs only by its tone, so "i" < "n" decides.
    assert vi_sorted(["Sở Nông nghiệp", "Sở Nội vụ"]) == ["Sở Nội vụ", "Sở Nông nghiệp"]
    assert vi_sorted(["đá", "dù", "da", "ăn", "ân", "an", "ư", "u", "ơ", "ô", "o"]) == [
        "an", "ăn", "ân", "da", "dù", "đá", "o", "ô", "ơ", "u", "ư"]


def test_it_orders_the_tones_huyen_hoi_nga_sac_nang():
    assert vi_sorted(["má", "mạ", "mã", "mả", "mà", "ma"]) == ["ma", "mà", "mả", "mã", "má", "mạ"]


def test_it_puts_shorter_words_and_lower_case_first():
    # "Lạc" before "Lâm": a before â decides before the tones are looked at.
    assert vi_sorted(["Xã Bảo Lâm", "xã Bảo Lâm", "Xã Bảo", "Xã Bảo Lạc"]) == [
        "Xã Bảo", "Xã Bảo Lạc", "xã Bảo Lâm", "Xã Bảo Lâm"]
    assert vi_key("") == vi_key(None)


@pytest.mark.django_db
def test_it_sorts_organisations_in_the_database_by_the_vietnamese_alphabet():
    kind = "department"
    for code, name in [("A", "Sở Nông nghiệp"), ("B", "Sở Nội vụ"), ("C", "Sở Ý tế"), ("D", "Sở Đào tạo")]:
        make_org(code, name, kind)
    names = [n for n in Organization.objects.values_list("name", flat=True) if n.startswith("Sở ")]
    assert names == ["Sở Đào tạo", "Sở Nội vụ", "Sở Nông nghiệp", "Sở Ý tế"]
    descending = Organization.objects.filter(code__in=["A", "B", "C", "D"]).order_by(vi_order("-name"))
    assert [o.name for o in descending] == ["Sở Ý tế", "Sở Nông nghiệp", "Sở Nội vụ", "Sở Đào tạo"]


@pytest.mark.django_db
def test_the_python_key_agrees_with_the_database_collation_on_the_provinces_names():
    """On PostgreSQL this compares with ICU's Vietnamese collation; on SQLite with our own registration."""
    data = yaml.safe_load(DATA.read_text(encoding="utf-8"))
    names = [entry["name"] for key in ("leadership", "departments", "operators", "wards") for entry in data[key]]
    names += data["communes"] + [f"UBND xã {commune}" for commune in data["communes"]]
    names += ["Hà Quảng", "Hòa An", "Hưng Đạo", "Hạ Lang", "Nông nghiệp", "Nội vụ", "ma", "mà", "mả", "mã", "má", "mạ"]
    assert len(names) > 60
    placeholders = " UNION ALL ".join(["SELECT %s AS name"] * len(names))
    collation = connection.ops.quote_name(VI)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT name FROM ({placeholders}) AS t ORDER BY name COLLATE {collation}", names)
        in_database = [row[0] for row in cursor.fetchall()]
    assert in_database == vi_sorted(names)
