"""The pre-meeting verdict: the standard's WARN and FAIL levels, words for the site contact.

The levels are the province's published standard (NET-LOSS, NET-JITTER,
NET-RTT), as the server sends them (``thresholds``): the same numbers the
server's alerts use. Before the agent has heard from the server it judges by
its built-in copy of the shipped standard.
"""

from diemcau_agent.thresholds import Thresholds

GOOD, WARN, BAD, UNKNOWN = 0, 1, 2, 3
LABELS = {GOOD: "tốt", WARN: "cần theo dõi", BAD: "không đạt", UNKNOWN: "không đo được"}


def _num(value):
    """Vietnamese decimal comma, no needless decimals."""
    text = ("%.1f" % value).rstrip("0").rstrip(".")
    return text.replace(".", ",")


def judge(fields, operator_name="nhà cung cấp đường truyền", operator_phone="", limits=None):
    """Return (status, message lines) for a train summary from ``measure``, judged by ``limits``
    (a :class:`~diemcau_agent.thresholds.Thresholds`; the built-in standard when None)."""
    limits = limits or Thresholds()
    if fields.get("error") or not fields.get("received"):
        why = fields.get("error") or "không nhận được phản hồi nào từ máy đo (reflector)"
        return UNKNOWN, ["Không đo được đường truyền: %s." % why,
                         "Kiểm tra cáp mạng, modem và tường lửa; nếu vẫn lỗi, báo %s%s." % (
                             operator_name, (", số " + operator_phone) if operator_phone else "")]
    loss = fields.get("loss_pct") or 0.0
    rtt = fields.get("rtt_median_ms") or 0.0
    jitter = max(fields.get("jitter_ms") or 0.0, fields.get("jitter_back_ms") or 0.0)
    problems = []
    status = GOOD
    for measure, value, words, unit in (("loss_pct", loss, "Mất gói", "%"), ("rtt_ms", rtt, "Độ trễ khứ hồi", "ms"),
                                        ("jitter_ms", jitter, "Độ biến thiên trễ (jitter)", "ms")):
        if limits.fails(measure, value):
            status = BAD
        elif limits.warns(measure, value):
            status = max(status, WARN)
        else:
            continue
        problems.append("%s %s %s" % (words, _num(value), unit))
    contact = operator_name + ((", số " + operator_phone) if operator_phone else "")
    summary = "Trễ %s ms, jitter %s ms, mất gói %s %%" % (_num(rtt), _num(jitter), _num(loss))
    voice = fields.get("voice") or {}
    if voice.get("mos") is not None:
        summary += ", MOS %s" % ("%.1f" % voice["mos"]).replace(".", ",")
    if status == GOOD:
        return GOOD, ["Đường truyền tốt.", summary + "."]
    if status == WARN:
        return WARN, ["%s: đường truyền tạm dùng được, theo dõi trong cuộc họp; nếu nặng hơn, báo %s." % (
            "; ".join(problems), contact), summary + "."]
    return BAD, ["%s: báo ngay cho %s." % ("; ".join(problems), contact), summary + "."]
