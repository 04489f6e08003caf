"""Can the site's terminal or PC join each platform, and why not."""

from django.utils import translation

from diemcau.standards.compatibility import PlatformSpec, check_device, check_site, version_below
from diemcau.standards.facts import DeviceFact, SiteFacts
from diemcau.standards.reasons import render

MCU = PlatformSpec(
    id=1, name="MCU tỉnh", reference=True, protocols=("H.323",), video_codecs=("H.264",),
    audio_codecs=("G.711", "G.722"), content_sharing=("H.239", "BFCP"),
    min_firmware=({"manufacturer": "Poly", "model": "Group", "version": "6.2.0"},),
)
WEBRTC = PlatformSpec(
    id=2, name="WebRTC", reference=True, protocols=("WebRTC",), video_codecs=("VP8", "H.264"),
    audio_codecs=("Opus",), content_sharing=("WebRTC",), encryption=("DTLS-SRTP",), encryption_required=True,
    soft_clients=("Google Chrome", "Microsoft Edge"),
)


def terminal(**kw):
    base = {"id": 1, "group": "terminal", "condition": "good", "manufacturer": "Poly", "model": "Group 500",
            "firmware": "6.2.2", "protocols": ("SIP", "H.323"), "video_codecs": ("H.264",), "audio_codecs": ("G.722",)}
    base.update(kw)
    return DeviceFact(**base)


def codes(result):
    return [r["code"] for r in result.reasons]


def test_sip_only_terminal_cannot_join_an_h323_only_platform():
    result = check_device(terminal(protocols=("SIP",)), MCU)
    assert result.status == "incompatible"
    assert codes(result) == ["compat_no_protocol"]
    with translation.override("vi"):
        assert render(result.reasons[0]) == "không có giao thức chung (thiết bị SIP, nền tảng H.323)"


def test_same_protocol_but_no_common_codec():
    result = check_device(terminal(video_codecs=("H.263",), audio_codecs=("G.729",)), MCU)
    assert result.status == "incompatible"
    assert codes(result) == ["compat_no_video", "compat_no_audio"]


def test_soft_client_in_a_browser_joins_webrtc_and_not_the_h323_mcu():
    pc = DeviceFact(id=2, group="computer", condition="good", manufacturer="Dell", model="OptiPlex",
                    software="Google Chrome 120", protocols=("WebRTC",))
    assert check_device(pc, WEBRTC).status == "compatible"
    assert check_device(pc, MCU).status == "incompatible"
    other = DeviceFact(id=3, group="computer", condition="good", software="Zoom Workplace")
    result = check_device(other, WEBRTC)
    assert result.status == "incompatible"
    assert codes(result) == ["compat_soft_client"]


def test_firmware_below_the_platform_minimum():
    result = check_device(terminal(model="RealPresence Group 310", firmware="6.1.8"), MCU)
    assert result.status == "incompatible"
    assert codes(result) == ["compat_firmware_old"]
    assert check_device(terminal(firmware=""), MCU).status == "unknown"
    assert check_device(terminal(firmware="6.2.0"), MCU).status == "compatible"


def test_no_content_sharing_limits_the_call():
    platform = PlatformSpec(id=3, name="SIP only", protocols=("SIP",), content_sharing=("H.239",))
    result = check_device(terminal(), platform)
    assert result.status == "limited"
    assert codes(result) == ["compat_no_content"]


def test_required_encryption_not_recorded_is_unknown():
    platform = PlatformSpec(id=4, name="Secure", protocols=("SIP",), encryption=("SRTP",), encryption_required=True)
    assert check_device(terminal(), platform).status == "unknown"


def test_version_comparison():
    assert version_below("6.1.8", "6.2.0")
    assert not version_below("6.2", "6.2.0")
    assert not version_below("RoomOS 11.9", "9.15")


def test_a_site_is_as_compatible_as_its_best_working_device():
    broken = terminal(id=5, condition="broken")
    old = terminal(id=6, protocols=("SIP",))
    good = terminal(id=7)
    site = SiteFacts(site_id=1, devices=[broken, old, good])
    result = check_site(site, MCU)
    assert result.status == "compatible"
    assert [d.device_id for d in result.devices] == [7, 6]  # the broken one is not tried
    only_broken = check_site(SiteFacts(site_id=1, devices=[broken]), MCU)
    assert only_broken.status == "incompatible"
    assert [r["code"] for r in only_broken.why] == ["compat_no_device", "compat_device_broken"]
    assert check_site(SiteFacts(site_id=1), MCU).status == "unknown"
