"""Command line: ``diemcau-agent reflect | run | check | throughput | config``.

Exit status of ``check`` (for scripts): 0 link good, 1 usable but watch it,
2 not fit for a meeting, 3 could not measure. Other commands return 0 on
success and 2 on a configuration error.
"""

import argparse
import json
import logging
import logging.handlers
import os
import signal
import sys

from diemcau_agent import __version__, config, measure, thresholds, verdict

log = logging.getLogger("diemcau_agent")


def setup_logging(cfg=None, to_file=True, level=None):
    """Console logging, plus a rotating file when ``cfg`` allows one."""
    root = logging.getLogger("diemcau_agent")
    root.setLevel(level or (cfg.log_level if cfg else "INFO"))
    fmt = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    if sys.stderr is not None:  # None under pythonw.exe (Windows task)
        console = logging.StreamHandler()
        console.setFormatter(fmt)
        root.addHandler(console)
    if cfg and to_file:
        try:
            os.makedirs(os.path.dirname(os.path.abspath(cfg.log_file)), exist_ok=True)
            handler = logging.handlers.RotatingFileHandler(
                cfg.log_file, maxBytes=cfg.log_max_bytes, backupCount=cfg.log_backups, encoding="utf-8")
        except OSError as exc:
            root.warning("cannot write log file %s: %s", cfg.log_file, exc)
        else:
            handler.setFormatter(fmt)
            root.addHandler(handler)


def cmd_reflect(args):
    from diemcau_agent import reflector, throughput
    setup_logging(level="INFO")
    refl = reflector.Reflector(host=args.host, port=args.port, rate_pps=args.rate, burst=args.burst)
    if args.throughput:
        import threading
        sink = throughput.ThroughputSink(args.host, refl.port, max_kbps=args.throughput_max_kbps)
        threading.Thread(target=sink.serve_forever, name="throughput", daemon=True).start()
    _on_term(refl.stop)
    try:
        refl.serve_forever(stats_every=args.stats_every)
    except KeyboardInterrupt:
        pass
    log.info("reflector stopped: %s", refl.counters)
    return 0


def cmd_run(args):
    from diemcau_agent.service import Agent
    cfg = config.load(args.config)
    cfg.require_server()
    setup_logging(cfg)
    agent = Agent(cfg)
    _on_term(agent.stop_event.set)
    try:
        agent.run_forever()
    except KeyboardInterrupt:
        pass
    return 0


def cmd_check(args):
    cfg = config.load(args.config)
    reflector = config.parse_hostport(args.reflector) if args.reflector else cfg.reflector
    if not reflector:
        print("Chưa cấu hình máy đo (reflector): dùng --reflector HOST:PORT hoặc mục [probe] trong tệp cấu hình.",
              file=sys.stderr)
        return verdict.UNKNOWN
    setup_logging(cfg, to_file=False, level="WARNING")
    spacing = 0.02
    count = max(10, int(args.seconds / spacing))
    rec = measure.probe_record(cfg, count=count, spacing_s=spacing, reflector=reflector)
    rec["kind"] = "check"
    fields = rec["fields"]
    limits = thresholds.load_file(cfg.buffer_path)
    status, lines = verdict.judge(fields, cfg.operator_name, cfg.operator_phone, limits)
    fields["status"] = status
    fields["verdict"] = " ".join(lines)
    fields["judged_by"] = {"source": limits.source, "version": limits.version}
    sent, send_error = _send_now(cfg, rec) if cfg.server and cfg.token and not args.no_send else (None, None)
    if args.json:
        voice = fields.get("voice") or {}
        out = {key: fields.get(key) for key in ("rtt_median_ms", "rtt_p95_ms", "jitter_ms", "jitter_back_ms",
                                                 "loss_pct", "loss_fwd_pct", "loss_back_pct", "reordered_pct",
                                                 "reordered_fwd", "duplicates", "sent", "received",
                                                 "rtt_min_ms", "rtt_max_ms", "late_pct")}
        out.update({"mos": voice.get("mos"), "r": voice.get("r"), "codec": voice.get("codec"),
                    "voice_note": voice.get("note"), "status": status, "verdict": fields["verdict"],
                    "reflector": "%s:%s" % reflector, "id": rec["id"], "sent_to_server": sent,
                    "thresholds": limits.source, "thresholds_version": limits.version,
                    "send_error": send_error})
        print(json.dumps(out, ensure_ascii=False, indent=2))
    else:
        for line in lines:
            print(line)
        if sent is False and send_error:
            print("(Máy chủ không nhận kết quả: %s)" % send_error)
        elif sent is False:
            print("(Chưa gửi được kết quả lên máy chủ; sẽ gửi lại sau.)")
    return status


def _send_now(cfg, rec):
    """Buffer the check result and try to send it at once.

    Returns (accepted, reason the server gave if it refused the result).
    """
    from diemcau_agent.buffer import Buffer
    from diemcau_agent.uploader import Uploader
    try:
        buf = Buffer(cfg.buffer_path, cfg.max_rows)
    except Exception:
        # The service's buffer may be readable only by the service account;
        # a user running check still gets a direct, unbuffered attempt.
        buf = Buffer(":memory:", cfg.max_rows)
    try:
        buf.add(rec)
        uploader = Uploader(buf, cfg.server, cfg.token, cfg.ca_file, timeout=10.0)
        uploader.flush(force=True)
        if rec["id"] in uploader.rejected:
            return False, uploader.rejected[rec["id"]]
        gone = buf.db.execute("SELECT 1 FROM result WHERE id = ?", (rec["id"],)).fetchone() is None
        return gone, None
    finally:
        buf.close()


def cmd_throughput(args):
    from diemcau_agent import throughput
    cfg = config.load(args.config)
    host, port = config.parse_hostport(args.reflector) if args.reflector else cfg.reflector
    kbps = min(args.kbps, cfg.throughput_max_kbps)
    result = throughput.measure(host, port, args.direction, min(args.seconds, 30.0), kbps)
    print(json.dumps(result, ensure_ascii=False, indent=2))
    return 0 if result["ok"] else 3


def cmd_config(args):
    sys.stdout.write(config.EXAMPLE)
    return 0


def _on_term(callback):
    def handler(_signum, _frame):
        callback()
    for name in ("SIGTERM", "SIGBREAK"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), handler)


def build_parser():
    parser = argparse.ArgumentParser(prog="diemcau-agent", description="Điểm Cầu — đo chất lượng đường truyền")
    parser.add_argument("--version", action="version", version="diemcau-agent " + __version__)
    parser.add_argument("--config", default=config.default_config_path(), help="tệp cấu hình INI")
    sub = parser.add_subparsers(dest="command")

    p = sub.add_parser("reflect", help="chạy máy phản hồi gói đo (reflector) STAMP/TWAMP-Light")
    p.add_argument("--host", default="0.0.0.0")
    p.add_argument("--port", type=int, default=862, help="cổng UDP (mặc định 862; dùng ví dụ 8862 nếu không chạy bằng root)")
    p.add_argument("--rate", type=float, default=500.0, help="số gói/giây tối đa cho mỗi địa chỉ nguồn")
    p.add_argument("--burst", type=float, default=1000.0)
    p.add_argument("--throughput", action="store_true", help="mở thêm cổng TCP cùng số cho đo băng thông")
    p.add_argument("--throughput-max-kbps", type=float, default=20000.0)
    p.add_argument("--stats-every", type=float, default=300.0)
    p.set_defaults(func=cmd_reflect)

    p = sub.add_parser("run", help="chạy dịch vụ đo định kỳ và gửi kết quả lên máy chủ")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("check", help="kiểm tra đường truyền trước cuộc họp",
                       epilog="Mã thoát: 0 tốt; 1 dùng được, cần theo dõi; 2 không đạt (báo nhà cung cấp); "
                              "3 không đo được.")
    p.add_argument("--reflector", help="HOST:PORT (mặc định lấy từ tệp cấu hình)")
    p.add_argument("--seconds", type=float, default=20.0)
    p.add_argument("--json", action="store_true", help="in kết quả dạng JSON")
    p.add_argument("--no-send", action="store_true", help="không gửi kết quả lên máy chủ")
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("throughput", help="đo băng thông (giới hạn tốc độ) tới reflector có --throughput")
    p.add_argument("--reflector")
    p.add_argument("--direction", choices=("up", "down"), default="up")
    p.add_argument("--seconds", type=float, default=5.0)
    p.add_argument("--kbps", type=float, default=5000.0)
    p.set_defaults(func=cmd_throughput)

    p = sub.add_parser("config", help="in tệp cấu hình mẫu")
    p.set_defaults(func=cmd_config)
    return parser


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return args.func(args)
    except config.ConfigError as exc:
        print("Lỗi cấu hình: %s" % exc, file=sys.stderr)
        return 3 if args.command == "check" else 2
