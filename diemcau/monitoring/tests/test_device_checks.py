import socket

import pytest

from diemcau.monitoring import aio, flips, poll, services, sip, snmp, tcpcheck
from diemcau.monitoring.choices import AlertState, CheckMethod, CheckStatus, Problem
from diemcau.monitoring.models import Alert, CheckResult, DeviceCheck, VendorStatusOid
from diemcau.monitoring.tests import peers
from diemcau.testing import make_device

needs_sipp = pytest.mark.skipif(not peers.have("sipp"), reason="sipp (Debian sip-tester) is not installed")
needs_snmpd = pytest.mark.skipif(not (peers.have("snmpd") and peers.have("snmpget")),
                                 reason="snmpd and snmp (Debian) are not installed")


@needs_sipp
def test_sip_options_gets_200_from_sipp():
    with peers.sipp_responder() as port:
        result = aio.run(sip.options_ping("127.0.0.1", port, timeout=4))
    assert result.ok and result.code == 200
    assert result.server == "sipp-test"
    assert result.rtt_ms is not None and result.rtt_ms < 1000


def test_sip_options_to_a_closed_port_fails_at_once_on_the_icmp_error():
    port = peers.free_udp_port()
    result = aio.run(sip.options_ping("127.0.0.1", port, timeout=8))
    assert not result.ok
    assert "unreachable" in result.error
    assert result.transmissions == 1


def test_sip_options_to_a_silent_host_retransmits_with_timer_a_then_gives_up():
    with peers.silent_udp() as sock:
        port = sock.getsockname()[1]
        sock.settimeout(0.1)
        result = aio.run(sip.options_ping("127.0.0.1", port, timeout=3.9))
        received = []
        while True:
            try:
                received.append(sock.recv(4096).decode())
            except TimeoutError:
                break
    assert not result.ok and result.error == "timeout"
    # Sent at 0, 0.5, 1.5 and 3.5 s (T1 = 500 ms, doubling); the next one would be at 7.5 s.
    assert result.transmissions == 4
    assert len(received) == 4
    assert len({r.split("branch=")[1].split(";")[0] for r in received}) == 1  # a retransmission, not a new request


def test_every_request_has_a_fresh_branch_and_call_id():
    one = sip.build_options("10.0.0.1", 5060, "127.0.0.1", 5000, "z9hG4bKa", "c1@x", "t").decode()
    assert "branch=z9hG4bKa" in one and "Call-ID: c1@x" in one and one.endswith("\r\n\r\n")
    assert sip.parse_response(b"SIP/2.0 404 Not Found\r\ni: abc\r\nCSeq: 1 OPTIONS\r\n\r\n")[2]["call-id"] == "abc"
    assert sip.parse_response(b"garbage") is None


def test_tcp_reachability_open_and_closed():
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    try:
        assert aio.run(tcpcheck.tcp_ping("127.0.0.1", server.getsockname()[1]))["ok"]
    finally:
        server.close()
    closed = aio.run(tcpcheck.tcp_ping("127.0.0.1", peers.free_tcp_port()))
    assert not closed["ok"] and closed["error"] == "connection refused"


@needs_snmpd
def test_snmp_v2c_and_v3_against_snmpd(tmp_path):
    with peers.snmpd(tmp_path) as port:
        v2 = aio.run(snmp.poll("127.0.0.1", port, snmp.Credentials("2c", community=peers.COMMUNITY),
                                   vendor_oid="1.3.6.1.2.1.1.7.0"))
        v3 = aio.run(snmp.poll("127.0.0.1", port, snmp.Credentials(
            "3", user=peers.V3_USER, auth_key=peers.V3_AUTH, priv_key=peers.V3_PRIV)))
        wrong = aio.run(snmp.poll("127.0.0.1", port, snmp.Credentials("2c", community="nope"), timeout=0.5,
                                      retries=0))
        bad_key = aio.run(snmp.poll("127.0.0.1", port, snmp.Credentials(
            "3", user=peers.V3_USER, auth_key="wrongwrongwrong", priv_key=peers.V3_PRIV), timeout=0.5, retries=0))
    assert v2.ok, v2.error
    assert v2.descr == "Test codec" and v2.uptime_s is not None
    assert v2.vendor_value == "72"
    assert v2.in_errors is not None and v2.in_errors >= 0
    assert v3.ok, v3.error
    assert v3.uptime_s is not None
    assert not wrong.ok and wrong.error
    assert not bad_key.ok


@needs_sipp
@needs_snmpd
@pytest.mark.django_db
def test_a_poll_cycle_records_results_and_feeds_the_device_alert(province, tmp_path):
    site = province.site_a
    codec = make_device(site, "terminal", serial="SN-SIP", manufacturer="Poly", model="Group 500",
                        ip_address="127.0.0.1")
    router = make_device(site, "network", serial="SN-R", manufacturer="Cisco", model="ISR", ip_address="127.0.0.1")
    dead = make_device(site, "terminal", serial="SN-DEAD", ip_address="127.0.0.1")
    VendorStatusOid.objects.create(manufacturer="Cisco", oid="1.3.6.1.2.1.1.7.0", healthy_values="1,2",
                                   label="status")
    with peers.sipp_responder() as sip_port, peers.snmpd(tmp_path) as snmp_port:
        services.device_check_save(DeviceCheck(device=codec, method=CheckMethod.SIP, port=sip_port))
        services.device_check_save(DeviceCheck(device=router, method=CheckMethod.SNMP, port=snmp_port,
                                               snmp_version="2c", snmp_community=peers.COMMUNITY))
        services.device_check_save(DeviceCheck(device=dead, method=CheckMethod.SIP, port=peers.free_udp_port()))
        for _ in range(2):
            counts = poll.run_cycle()
    assert counts[CheckStatus.UP] == 1 and counts[CheckStatus.DOWN] == 1 and counts[CheckStatus.FAULT] == 1
    assert DeviceCheck.objects.get(device=codec).status == CheckStatus.UP
    snmp_check = DeviceCheck.objects.get(device=router)
    assert snmp_check.status == CheckStatus.FAULT and "72" in snmp_check.detail["error"]
    assert CheckResult.objects.count() == 5  # the healthy codec's second answer changed nothing
    flips.process_flips()
    raised = Alert.objects.filter(problem=Problem.DEVICE, state=AlertState.RAISED)
    assert {a.device_id for a in raised} == {router.pk, dead.pk}
    assert not Alert.objects.filter(device=codec).exists()
    assert all(a.incident is not None and a.incident.holder == site.organization for a in raised)


def test_a_tcp_check_needs_a_port(province):
    device = make_device(province.site_a, "terminal", serial="SN-X", ip_address="127.0.0.1")
    with pytest.raises(Exception) as info:
        services.device_check_save(DeviceCheck(device=device, method=CheckMethod.TCP))
    assert "port" in str(info.value)


@pytest.mark.django_db
def test_a_device_behind_nat_is_checked_at_the_address_given(province):
    from diemcau.monitoring import terminals

    port = peers.free_udp_port()
    terminals.run_in_thread([("127.0.0.1", port)])
    device = make_device(province.site_a, "terminal", serial="SN-NAT")  # no management IP
    with pytest.raises(Exception) as info:
        services.device_check_save(DeviceCheck(device=device, method=CheckMethod.SIP))
    assert "host" in str(info.value)
    services.device_check_save(DeviceCheck(device=device, method=CheckMethod.SIP, host="127.0.0.1", port=port))
    counts = poll.run_cycle()
    assert counts[CheckStatus.UP] == 1
    assert DeviceCheck.objects.get().detail["server"] == "Demo-Codec/1.0"


def test_snmp_interface_errors_growing_fast_and_a_reboot_are_reported(province, monkeypatch, settings):
    settings.MONITORING_IF_ERRORS_FAULT = 100
    device = make_device(province.site_a, "network", serial="SN-SW", ip_address="127.0.0.1")
    check = DeviceCheck(device=device, method=CheckMethod.SNMP, snmp_version="2c", snmp_community="c",
                        detail={"in_errors": 50, "out_errors": 0, "uptime_s": 90000.0})

    async def fake_poll(host, port, creds, vendor_oid=None, **kwargs):
        return snmp.SnmpResult(host, port, True, rtt_ms=3.0, uptime_s=120.0, in_errors=400, out_errors=0)

    monkeypatch.setattr(snmp, "poll", fake_poll)
    status, _rtt, detail = aio.run(poll.check_one(check, None))
    assert status == CheckStatus.FAULT and detail["in_errors_delta"] == 350
    assert detail["rebooted"] is True
