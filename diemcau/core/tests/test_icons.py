"""Pages download only the icons they use (diemcau/core/icons.py), and every icon used is there."""

from diemcau.core import icons


def test_every_icon_the_pages_use_is_in_the_subset():
    assert icons.missing() == set(), "run `make icons` after using a new bi-… icon"


def test_the_subset_is_small():
    assert (icons.TARGET / "icons.woff2").stat().st_size < 20_000
    assert "bi-exclamation-triangle::before" in (icons.TARGET / "icons.css").read_text(encoding="utf-8")
