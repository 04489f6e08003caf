"""Demo data of the standards app: the default standard, the province's platforms,
a configuration profile, some sites' actual settings (with drift), and every verdict.

Runs after the inventory demo, on whatever sites it created.
"""

from diemcau.standards.models import ConfigProfile, Platform, SiteSettings
from diemcau.standards.services import load_default_standard, recompute_sites

PLATFORMS = [
    {
        "code": "mcu-tinh", "name": "MCU tỉnh (Cisco Meeting Server)", "reference": True,
        "description": "Máy chủ hội nghị của tỉnh tại Trung tâm dữ liệu; các điểm cầu gọi vào bằng SIP hoặc H.323.",
        "protocols": ["SIP", "H.323"], "video_codecs": ["H.264", "H.265"], "audio_codecs": ["G.711", "G.722", "AAC-LD", "Opus"],
        "min_resolution": "720p", "max_resolution": "1080p", "content_sharing": ["BFCP", "H.239"],
        "encryption": ["SRTP", "H.235"], "encryption_required": False, "soft_clients": ["Cisco Meeting App", "Cisco Webex"],
        "min_firmware": [
            {"manufacturer": "Poly", "model": "HDX", "version": "3.1.10"},
            {"manufacturer": "Poly", "model": "Group", "version": "6.2.0"},
            {"manufacturer": "Huawei", "model": "TE30", "version": "V600R019C00"},
        ],
    },
    {
        "code": "webrtc-tinh", "name": "Phòng họp trực tuyến WebRTC của tỉnh", "reference": True,
        "description": "Cổng họp qua trình duyệt cho máy tính ở các xã chưa có thiết bị đầu cuối chuyên dụng.",
        "protocols": ["WebRTC"], "video_codecs": ["VP8", "H.264"], "audio_codecs": ["Opus", "G.711"],
        "min_resolution": "", "max_resolution": "1080p", "content_sharing": ["WebRTC"],
        "encryption": ["DTLS-SRTP"], "encryption_required": True,
        "soft_clients": ["Google Chrome", "Microsoft Edge", "Mozilla Firefox", "Cốc Cốc"], "min_firmware": [],
    },
    {
        "code": "tw-h323", "name": "Hệ thống hội nghị Trung ương (H.323)", "reference": False,
        "description": "Kết nối tới hội nghị do Trung ương chủ trì, chỉ qua H.323.",
        "protocols": ["H.323"], "video_codecs": ["H.264"], "audio_codecs": ["G.711", "G.722", "G.722.1"],
        "min_resolution": "720p", "max_resolution": "1080p", "content_sharing": ["H.239"],
        "encryption": ["H.235"], "encryption_required": False, "soft_clients": [], "min_firmware": [],
    },
]

PROFILE = {
    "code": "chuan-tinh", "name": "Cấu hình chuẩn điểm cầu cấp xã, sở ngành",
    "description": "Cấu hình thống nhất toàn tỉnh cho thiết bị đầu cuối gọi vào MCU tỉnh.",
    "settings": {
        "call_bitrate_kbps": 2048, "resolution": "1080p", "frame_rate": 30, "protocol": "SIP",
        "sip_registrar": "sip.hntt.caobang.gov.vn", "h323_gatekeeper": "gk.hntt.caobang.gov.vn",
        "dscp_audio": 46, "dscp_video": 34, "firewall_ports": "5060-5061 TCP/UDP; 1719-1720; 16384-32767 UDP",
        "echo_cancellation": True, "noise_suppression": True, "auto_gain": True,
        "device_name": "CB-{code}", "time_source": "ntp.caobang.gov.vn",
    },
}


def load(ctx):
    admin = ctx.users.get("dost_admin")
    load_default_standard(user=admin)
    for spec in PLATFORMS:
        Platform.objects.update_or_create(code=spec["code"], defaults={k: v for k, v in spec.items() if k != "code"})
    profile, _ = ConfigProfile.objects.update_or_create(
        code=PROFILE["code"], defaults={**{k: v for k, v in PROFILE.items() if k != "code"}, "is_default": True},
    )
    from diemcau.inventory.models import Site

    sites = list(Site.objects.active().order_by("pk"))
    recorded = 0
    for site in sites:
        if ctx.rng.random() > 0.45:
            continue
        values = dict(profile.settings)
        values["device_name"] = f"CB-{site.code}"
        # Drift seen in the field: a lower bitrate, no QoS marking, echo cancellation off, a wrong clock.
        for key, wrong in (("call_bitrate_kbps", 768), ("dscp_audio", 0), ("dscp_video", 0),
                           ("echo_cancellation", False), ("protocol", "H.323"), ("time_source", "pool.ntp.org")):
            if ctx.rng.random() < 0.25:
                values[key] = wrong
        for key in ("h323_gatekeeper", "firewall_ports"):
            if ctx.rng.random() < 0.3:
                values.pop(key, None)
        SiteSettings.objects.update_or_create(site=site, defaults={"values": values, "recorded_by": ctx.users.get("site_tech"), "recorded_at": ctx.now})
        recorded += 1
    report = recompute_sites(now=ctx.now)
    ctx.log(f"  standard {report.standard}, {len(PLATFORMS)} platforms, {recorded} sites' settings, "
            f"verdicts {report.by_verdict}")
