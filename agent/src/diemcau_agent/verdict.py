"""The pre-meeting verdict: thresholds from QOS.md, words for the site contact.

Thresholds follow the figures the conference vendors publish: Cisco's
interactive-video targets (loss ≤ 1 %, one-way ≤ 150 ms, jitter ≤ 30 ms),
Pexip's loss grades, Microsoft's "poor" marks (RTT > 500 ms, loss > 10 %).
"""

GOOD, WARN, BAD, UNKNOWN = 0, 1, 2, 3
LABELS = {GOOD: "tốt", WARN: "cần theo dõi", BAD: "không đạt", UNKNOWN: "không đo được"}


def _num(value):
    """Vietnamese decimal comma, no needless decimals."""
    text = ("%.1f" % value).rstrip("0").rstrip(".")
    return text.replace(".", ",")


def judge(fields, operator_name="nhà cung cấp đường truyền", operator_phone=""):
    """Return (status, message lines) for a train summary from ``measure``."""
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
    if loss >= 3.0:
        status = BAD
        problems.append("Mất gói %s %%" % _num(loss))
    elif loss >= 1.0:
        status = max(status, WARN)
        problems.append("Mất gói %s %%" % _num(loss))
    if rtt > 400.0:
        status = BAD
        problems.append("Độ trễ khứ hồi %s ms" % _num(rtt))
    elif rtt > 300.0:
        status = max(status, WARN)
        problems.append("Độ trễ khứ hồi %s ms" % _num(rtt))
    if jitter > 30.0:
        status = BAD
        problems.append("Độ biến thiên trễ (jitter) %s ms" % _num(jitter))
    elif jitter > 15.0:
        status = max(status, WARN)
        problems.append("Độ biến thiên trễ (jitter) %s ms" % _num(jitter))
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
