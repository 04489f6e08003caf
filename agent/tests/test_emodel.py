"""E-model against the reference points in QOS.md (to 0.01 of R)."""

import pytest

from diemcau_agent import emodel


@pytest.mark.parametrize("ta,ppl,ie,bpl,r,mos", [
    (0, 0, 0, 25.1, 93.206, 4.409),
    (150, 0, 0, 25.1, 89.539, 4.328),
    (250, 0, 0, 25.1, 79.177, 3.993),
    (400, 0, 0, 25.1, 62.247, 3.216),
    (0, 1, 0, 25.1, 89.566, 4.328),
    (0, 2, 0, 25.1, 86.195, 4.235),
    (0, 5, 0, 25.1, 77.425, 3.923),
    (0, 10, 0, 25.1, 66.141, 3.411),
    (0, 2, 11, 19.0, 74.206, 3.788),
])
def test_r_and_mos_match_the_reference_points(ta, ppl, ie, bpl, r, mos):
    got = emodel.r_factor(ta, ppl, ie, bpl)
    assert abs(got - r) < 0.01
    assert abs(emodel.mos_from_r(got) - mos) < 0.001


@pytest.mark.parametrize("r,mos", [(50, 2.575), (60, 3.100), (70, 3.597), (80, 4.024), (90, 4.339)])
def test_mos_from_r(r, mos):
    assert abs(emodel.mos_from_r(r) - mos) < 0.0005


def test_mos_is_clamped_outside_0_100():
    assert emodel.mos_from_r(-5) == 1.0
    assert emodel.mos_from_r(120) == 4.5


def test_idd_is_zero_up_to_100_ms_and_grows_after():
    assert emodel.idd(100) == 0.0
    assert 0 < emodel.idd(150) < emodel.idd(300)


def test_g711_without_plc_suffers_more_from_loss():
    assert emodel.r_factor(0, 2, 0, 4.3) < emodel.r_factor(0, 2, 0, 25.1) - 20


def test_opus_is_not_defined_rather_than_invented():
    out = emodel.estimate("opus", 20, 1)
    assert out["r"] is None and out["mos"] is None
    assert "không xác định" in out["note"]


def test_g722_uses_the_wideband_scale_and_refuses_loss_without_bpl():
    clean = emodel.estimate("g722", 20, 0)
    assert clean["scale"] == "G.107.1"
    assert 100 < clean["r"] <= 129
    assert abs(clean["mos"] - emodel.mos_from_r(clean["r"] / 1.29)) < 0.001
    lossy = emodel.estimate("g722", 20, 1)
    assert lossy["r"] is None and "Bpl" in lossy["note"]


def test_estimate_adds_jitter_buffer_and_frame_to_the_delay():
    out = emodel.estimate("g711", one_way_ms=100, loss_pct=0, jitter_ms=10)
    assert out["ta_ms"] == 100 + 20 + 20
    assert out["r"] == round(emodel.r_factor(140), 2)


def test_late_packets_count_as_loss():
    spread = [0.0] * 90 + [100.0] * 10
    assert emodel.late_share(spread, jitter_ms=5, received=100, sent=100) == 10.0
    assert emodel.late_share(spread, jitter_ms=60, received=100, sent=100) == 0.0


def test_the_playout_buffer_is_never_shorter_than_a_frame():
    assert emodel.buffer_ms(1.0) == 20.0
    assert emodel.buffer_ms(15.0) == 30.0
