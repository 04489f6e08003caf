"""ITU-T G.107 E-model (narrowband) and G.107.1 (wideband) voice quality.

Only the parts a network probe can feed are variable: one-way delay
(T = Ta, Tr = 2·Ta, as for a VoIP path with no echo beyond the terminals),
packet loss and the codec. Every other parameter keeps its G.107 default, so
with no delay and no loss R = 93.2.
"""

import math

# G.113 appendix I planning values. Bpl None: ITU gives no value, so a lossy
# path has no defined R for that codec and we say so instead of guessing.
CODECS = {
    "g711": {"name": "G.711 (có PLC)", "ie": 0.0, "bpl": 25.1, "wideband": False, "frame_ms": 20.0},
    "g711-noplc": {"name": "G.711 (không PLC)", "ie": 0.0, "bpl": 4.3, "wideband": False, "frame_ms": 20.0},
    "g729a": {"name": "G.729A + VAD", "ie": 11.0, "bpl": 19.0, "wideband": False, "frame_ms": 20.0},
    # G.113 appendix IV, G.722 at 64 kbit/s; no Bpl,wb is given for it.
    "g722": {"name": "G.722 64 kbit/s", "ie": 13.0, "bpl": None, "wideband": True, "frame_ms": 20.0},
    "opus": None,
}

DEFAULTS = {
    "SLR": 8.0, "RLR": 2.0, "STMR": 15.0, "LSTR": 18.0, "Ds": 3.0, "Dr": 3.0, "TELR": 65.0, "WEPL": 110.0,
    "qdu": 1.0, "Nc": -70.0, "Nfor": -64.0, "Ps": 35.0, "Pr": 35.0, "A": 0.0, "mT": 100.0, "sT": 1.0,
}

RO_WIDEBAND = 129.0
WIDEBAND_SCALE = 1.29


def _log10_sum(*levels):
    return 10.0 * math.log10(sum(10.0 ** (x / 10.0) for x in levels))


def _base(p):
    """Ro and Is from the loudness, noise and sidetone defaults (§7.2–7.3)."""
    olr = p["SLR"] + p["RLR"]
    nfo = p["Nfor"] + p["RLR"]
    pre = p["Pr"] + 10.0 * math.log10(1.0 + 10.0 ** ((10.0 - p["LSTR"]) / 10.0))
    nor = p["RLR"] - 121.0 + pre + 0.008 * (pre - 35.0) ** 2
    nos = p["Ps"] - p["SLR"] - p["Ds"] - 100.0 + 0.004 * (p["Ps"] - olr - p["Ds"] - 14.0) ** 2
    no = _log10_sum(p["Nc"], nos, nor, nfo)
    ro = 15.0 - 1.5 * (p["SLR"] + no)
    xolr = olr + 0.2 * (64.0 + no - p["RLR"])
    iolr = 20.0 * ((1.0 + (xolr / 8.0) ** 8) ** (1.0 / 8.0) - xolr / 8.0)
    return ro, no, iolr


def _stmro(p, t):
    return -10.0 * math.log10(10.0 ** (-p["STMR"] / 10.0) + math.exp(-t / 4.0) * 10.0 ** (-p["TELR"] / 10.0))


def _ist(stmro):
    return (12.0 * (1.0 + ((stmro - 13.0) / 6.0) ** 8) ** (1.0 / 8.0)
            - 28.0 * (1.0 + ((stmro + 1.0) / 19.4) ** 35) ** (1.0 / 35.0)
            - 13.0 * (1.0 + ((stmro - 3.0) / 33.0) ** 13) ** (1.0 / 13.0) + 29.0)


def _iq(p, ro):
    q = 37.0 - 15.0 * math.log10(p["qdu"])
    g = 1.07 + 0.258 * q + 0.0602 * q * q
    y = (ro - 100.0) / 15.0 + 46.0 / 8.4 - g / 9.0
    z = 46.0 / 30.0 - g / 40.0
    return 15.0 * math.log10(1.0 + 10.0 ** y + 10.0 ** z)


def _idte(p, no, ist, t):
    roe = -1.5 * (no - p["RLR"])
    terv = p["TELR"] - 40.0 * math.log10((1.0 + t / 10.0) / (1.0 + t / 150.0)) + 6.0 * math.exp(-0.3 * t * t)
    if p["STMR"] < 9.0:
        terv += ist / 2.0
    re = 80.0 + 2.5 * (terv - 14.0)
    idte = ((roe - re) / 2.0 + math.sqrt((roe - re) ** 2 / 4.0 + 100.0) - 1.0) * (1.0 - math.exp(-t))
    if p["STMR"] > 20.0:
        idte = math.sqrt(idte ** 2 + ist ** 2)
    return idte


def _idle(ro, p, tr):
    rle = 10.5 * (p["WEPL"] + 7.0) * (tr + 1.0) ** -0.25
    return (ro - rle) / 2.0 + math.sqrt((ro - rle) ** 2 / 4.0 + 169.0)


def idd(ta, mt=100.0, st=1.0):
    """Absolute-delay impairment Idd for one-way delay ``ta`` ms."""
    if ta <= mt:
        return 0.0
    x = math.log(ta / mt) / math.log(2.0)
    e = 6.0 * st
    return 25.0 * ((1.0 + x ** e) ** (1.0 / e) - 3.0 * (1.0 + (x / 3.0) ** e) ** (1.0 / e) + 2.0)


def ie_eff(ie, bpl, ppl, burst_r=1.0):
    """Effective equipment impairment with packet loss ``ppl`` percent."""
    if ppl <= 0.0:
        return ie
    return ie + (95.0 - ie) * ppl / (ppl / burst_r + bpl)


def r_factor(ta=0.0, ppl=0.0, ie=0.0, bpl=25.1, burst_r=1.0, t=None, tr=None, **overrides):
    """Narrowband transmission rating R (G.107 §7).

    ``ta`` is the absolute one-way delay in ms; ``t`` (talker echo path) and
    ``tr`` (listener echo round trip) default to ``ta`` and ``2·ta``.
    """
    p = dict(DEFAULTS)
    p.update(overrides)
    t = ta if t is None else t
    tr = 2.0 * ta if tr is None else tr
    ro, no, iolr = _base(p)
    ist = _ist(_stmro(p, t))
    is_ = iolr + ist + _iq(p, ro)
    id_ = _idte(p, no, ist, t) + _idle(ro, p, tr) + idd(ta, p["mT"], p["sT"])
    return ro - is_ - id_ - ie_eff(ie, bpl, ppl, burst_r) + p["A"]


def mos_from_r(r):
    """G.107 Annex B: estimated MOS (CQE) from a narrowband R."""
    if r <= 0.0:
        return 1.0
    if r >= 100.0:
        return 4.5
    return 1.0 + 0.035 * r + r * (r - 60.0) * (100.0 - r) * 7e-6


def r_factor_wideband(ta=0.0, ppl=0.0, ie_wb=0.0, bpl=None, burst_r=1.0):
    """Wideband R (G.107.1): Ro,wb = 129, Is,wb = 0, delay impairment on the
    wideband scale (the G.107 delay terms × 1.29), Ie,eff,wb as in G.107."""
    nb_ideal = r_factor(0.0)
    delay_nb = nb_ideal - r_factor(ta)
    return RO_WIDEBAND - WIDEBAND_SCALE * delay_nb - ie_eff(ie_wb, bpl if bpl else 1.0, ppl, burst_r)


def estimate(codec, one_way_ms, loss_pct, jitter_ms=0.0, late_pct=0.0):
    """R and MOS for ``codec`` on a measured path, or why they are undefined.

    The mouth-to-ear delay adds a playout buffer of 2·jitter (never less
    than one frame, as real buffers are) and one codec frame to the
    network's one-way delay; packets too late for that buffer count as lost
    (``late_pct``), as QOS.md describes.
    """
    spec = CODECS.get(codec)
    if codec not in CODECS:
        return {"codec": codec, "r": None, "mos": None, "note": "codec không có trong bảng G.113"}
    if spec is None:
        return {"codec": codec, "r": None, "mos": None,
                "note": "ITU-T không công bố Ie/Bpl cho %s: không xác định" % codec}
    ta = one_way_ms + buffer_ms(jitter_ms) + spec["frame_ms"]
    ppl = max(0.0, loss_pct) + max(0.0, late_pct)
    result = {"codec": codec, "ta_ms": round(ta, 1), "ppl_pct": round(ppl, 3)}
    if spec["wideband"]:
        if ppl > 0.0 and spec["bpl"] is None:
            result.update({"r": None, "mos": None,
                           "note": "ITU-T không công bố Bpl cho %s khi mất gói: không xác định" % spec["name"]})
            return result
        r = r_factor_wideband(ta, ppl, spec["ie"], spec["bpl"])
        result.update({"r": round(r, 2), "mos": round(mos_from_r(r / WIDEBAND_SCALE), 3), "scale": "G.107.1"})
        return result
    r = r_factor(ta, ppl, spec["ie"], spec["bpl"])
    result.update({"r": round(r, 2), "mos": round(mos_from_r(r), 3), "scale": "G.107"})
    return result


def buffer_ms(jitter_ms, frame_ms=20.0):
    """Playout-buffer depth for a measured jitter: 2·J, at least one frame."""
    return max(2.0 * jitter_ms, frame_ms)


def late_share(spread_ms, jitter_ms, received, sent):
    """Percent of sent packets that arrive too late for a 2·jitter buffer."""
    if not spread_ms or not sent:
        return 0.0
    # The buffer's start is set by typical packets, so measure lateness
    # from the median delay, not the fastest one.
    median = spread_ms[len(spread_ms) // 2]
    limit = median + buffer_ms(jitter_ms)
    late = sum(1 for x in spread_ms if x > limit)
    return 100.0 * late / sent
