"""The demo province's inventory: Cao Bằng's real organisations, invented sites.

Sites, devices, links and people are generated from a seeded generator so
every machine gets the same demo: one to three sites per organisation, the
provincial hub at the People's Committee, about 700 devices of the brands and
ages found in Vietnamese provinces, links from VNPT and Viettel (some on
Wi-Fi, some on 4G, some too thin), some sites without a UPS or a contact.
Everything is marked as demo data in its notes.
"""

from decimal import Decimal

from django.contrib.auth.hashers import make_password

from diemcau.accounts.choices import Role
from diemcau.accounts.models import User
from diemcau.core.demo import DEMO_MARK, DEMO_PASSWORD
from diemcau.core.history import record_change
from diemcau.core.models import ChangeAction, ChangeVia
from diemcau.inventory.models import Contact, Device, Link, Organization, Site, Term
from diemcau.inventory.reference import load_organizations, read_yaml

H = ["SIP", "H.323"]
# (manufacturer, model, firmware, years, protocols, video codecs, audio codecs, resolution)
TERMINALS = [
    ("Poly", "Group 500", "6.2.2", (2017, 2021), H, ["H.264", "H.264 SVC", "H.265"], ["G.711", "G.722", "G.722.1", "G.729", "Siren14"], "1080p"),
    ("Poly", "HDX 7000", "3.1.14", (2011, 2014), H, ["H.263", "H.264"], ["G.711", "G.722", "G.722.1", "G.728", "G.729"], "720p"),
    ("Poly", "RealPresence Group 310", "6.1.8", (2014, 2017), H, ["H.263", "H.264", "H.264 SVC"], ["G.711", "G.722", "G.729", "Siren14"], "1080p"),
    ("Cisco", "Webex Room Kit", "RoomOS 11.9", (2019, 2023), H, ["H.264", "H.265"], ["G.711", "G.722", "Opus", "AAC-LD"], "1080p"),
    ("Cisco", "TelePresence SX20", "TC7.3.21", (2013, 2016), H, ["H.263", "H.264"], ["G.711", "G.722", "G.729", "AAC-LD"], "1080p"),
    ("Yealink", "VC500", "63.345.0.20", (2018, 2022), H, ["H.264", "H.265"], ["G.711", "G.722", "G.729", "Opus", "AAC-LD"], "1080p"),
    ("Yealink", "VC200", "118.32.0.10", (2019, 2023), ["SIP", "H.323", "WebRTC"], ["H.264"], ["G.711", "G.722", "Opus"], "1080p"),
    ("Huawei", "TE30", "V600R019C00", (2014, 2018), H, ["H.263", "H.264"], ["G.711", "G.722", "G.729", "AAC-LD"], "1080p"),
    ("Huawei", "Box 300", "V600R019C10", (2020, 2024), H, ["H.264", "H.265"], ["G.711", "G.722", "AAC-LD", "Opus"], "1080p"),
]
PCS = [
    ("Dell", "OptiPlex 7090", "Windows 10 22H2", "Zoom Workplace"),
    ("HP", "ProDesk 400 G7", "Windows 11 23H2", "Microsoft Teams"),
    ("Lenovo", "ThinkCentre M70t", "Windows 10 21H2", "Cisco Webex"),
    ("Dell", "Vostro 3020", "Windows 11 23H2", "Huawei CloudLink"),
    ("Asus", "ExpertCenter D5", "Windows 10 1909", "Zoom Workplace"),
]
CAMERAS = [
    ("Logitech", "Rally Camera", "1080p"), ("Logitech", "ConferenceCam CC3000e", "1080p"),
    ("Poly", "EagleEye IV", "1080p"), ("Yealink", "UVC40", "1080p"), ("Sony", "SRG-300H", "1080p"),
    ("Logitech", "C920", "1080p"), ("Logitech", "C270", "720p"), ("Genius", "FaceCam 320", "480p"),
]
MICS = [("Bosch", "CCS 1000 D (cổ ngỗng)"), ("Shure", "MX418 (cổ ngỗng)"), ("Yealink", "VCM34 (đa hướng)"),
        ("Poly", "Ceiling Microphone Array"), ("Takstar", "MS-400 (cổ ngỗng)")]
SPEAKERS = [("JBL", "Control 25-1"), ("Bose", "FreeSpace DS 40SE"), ("TOA", "BS-1030W"), ("Yamaha", "VXS8")]
PROCESSORS = [("Yamaha", "MG10XU (bàn trộn)"), ("Biamp", "Tesira FORTÉ"), ("Behringer", "Xenyx 1204USB")]
DISPLAYS = [("Samsung", "QM65R 65\""), ("LG", "75UR640S 75\""), ("Sony", "KD-55X80K 55\""), ("Epson", "EB-2250U (máy chiếu)")]
CONTROLLERS = [("Poly", "TC8"), ("Cisco", "Touch 10"), ("Yealink", "CTP18")]
NETWORK = [("Cisco", "Catalyst 2960-X"), ("TP-Link", "TL-SG1016D"), ("DrayTek", "Vigor 2927"), ("Huawei", "AR161")]
UPS = [("APC", "Smart-UPS SMT1500I", 35), ("Santak", "Blazer 1000 Pro", 15), ("APC", "Back-UPS BX1100", 10), ("Eaton", "9SX 2000i", 45)]

SURNAMES = ["Nguyễn", "Hoàng", "Nông", "Lương", "Bế", "Đàm", "Lục", "Triệu", "Hà", "Lâm", "Vi", "Mã"]
MIDDLE = ["Văn", "Thị", "Đức", "Minh", "Thu", "Quang", "Hải", "Ngọc"]
GIVEN = ["Hùng", "Lan", "Tuấn", "Hoa", "Dũng", "Mai", "Long", "Thảo", "Cường", "Hương", "Sơn", "Yến"]

DEMO_USERS = [
    # username, role, organisation code, full name
    ("lanhdao", Role.LEADER, "VP-UBND", "Lãnh đạo", "UBND tỉnh"),
    ("quantri", Role.DOST_ADMIN, "SKHCN", "Quản trị", "Sở KH&CN"),
    ("chuyenvien", Role.DOST_STAFF, "SKHCN", "Chuyên viên", "Sở KH&CN"),
    ("truongxa", Role.UNIT_HEAD, "X-14", "Chủ tịch", "UBND xã Thông Nông"),
    ("kythuat", Role.SITE_TECH, "X-14", "Kỹ thuật", "xã Thông Nông"),
    ("vnpt", Role.OPERATOR, "VNPT-CB", "Kỹ sư", "VNPT Cao Bằng"),
    ("thanhtra", Role.AUDITOR, "TTRA", "Thanh tra", "tỉnh"),
]
EXTRA_USERS = [
    ("viettel", Role.OPERATOR, "VIETTEL-CB", "Kỹ sư", "Viettel Cao Bằng"),
    ("kythuat_syt", Role.SITE_TECH, "SYT", "Kỹ thuật", "Sở Y tế"),
    ("giamdoc_syt", Role.UNIT_HEAD, "SYT", "Giám đốc", "Sở Y tế"),
]


def _terms(taxonomy: str) -> dict[str, Term]:
    return {t.code: t for t in Term.objects.filter(taxonomy=taxonomy)}


def _phone(rng) -> str:
    return "0" + rng.choice(["91", "94", "98", "97", "86", "88", "83"]) + "".join(str(rng.randrange(10)) for _ in range(7))


def _person(rng) -> str:
    return f"{rng.choice(SURNAMES)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"


def _condition(rng, year: int | None, now_year: int) -> str:
    age = now_year - (year or now_year - 5)
    roll = rng.random()
    if roll < 0.06:
        return "unknown"
    broken = 0.02 + 0.012 * age
    degraded = 0.08 + 0.035 * age
    if roll < 0.06 + broken:
        return "broken"
    if roll < 0.06 + broken + degraded:
        return "degraded"
    return "good"


class _Builder:
    def __init__(self, ctx):
        self.ctx = ctx
        self.rng = ctx.rng
        self.year = ctx.now.year
        self.groups = _terms("device_group")
        self.conditions = _terms("device_condition")
        self.link_kinds = _terms("link_kind")
        self.serial_counter = 0
        self.counts = {"sites": 0, "devices": 0, "links": 0, "contacts": 0}

    def _record(self, obj, site):
        record_change(obj, user=None, action=ChangeAction.CREATE, via=ChangeVia.SYSTEM, site=site)

    def device(self, site, group, manufacturer, model, *, year=None, firmware="", software="", quantity=1,
               protocols=(), video=(), audio=(), resolution="", serial=True):
        rng = self.rng
        self.serial_counter += 1
        prefix = "".join(ch for ch in manufacturer.upper() if ch.isalpha())[:3]
        device = Device.objects.create(
            site=site, group=self.groups[group], manufacturer=manufacturer, model=model,
            serial=f"{prefix}{year or 2020}{self.serial_counter:05d}" if serial else "",
            firmware=firmware, software=software, year=year, quantity=quantity,
            condition=self.conditions[_condition(rng, year, self.year)],
            protocols=list(protocols), video_codecs=list(video), audio_codecs=list(audio), max_resolution=resolution,
            notes=DEMO_MARK,
        )
        self._record(device, site)
        self.counts["devices"] += 1
        return device

    def equip(self, site, *, size: str, hardware_codec: bool):
        rng = self.rng
        if hardware_codec:
            maker, model, fw, years, protos, video, audio, res = rng.choice(TERMINALS)
            self.device(site, "terminal", maker, model, year=rng.randint(*years), firmware=fw,
                        protocols=protos, video=video, audio=audio, resolution=res)
        if not hardware_codec or rng.random() < 0.3:
            maker, model, os_version, client = rng.choice(PCS)
            self.device(site, "computer", maker, model, year=rng.randint(2016, 2024), firmware=os_version,
                        software=client, protocols=["WebRTC"] if client != "Cisco Webex" else ["SIP", "WebRTC"],
                        video=["H.264", "VP8"], audio=["Opus", "G.711"], resolution="1080p")
        cam_maker, cam_model, cam_res = rng.choice(CAMERAS[:5] if hardware_codec else CAMERAS[3:])
        self.device(site, "camera", cam_maker, cam_model, year=rng.randint(2013, 2024), resolution=cam_res)
        mic_maker, mic_model = rng.choice(MICS)
        seats = {"hub": 40, "large": 16, "small": 6}[size]
        self.device(site, "microphone", mic_maker, mic_model, year=rng.randint(2012, 2024),
                    quantity=max(1, seats // rng.choice([2, 3, 4])) if "cổ ngỗng" in mic_model else rng.randint(1, 2),
                    serial=False)
        if rng.random() < 0.9:
            self.device(site, "speaker", *rng.choice(SPEAKERS), year=rng.randint(2012, 2024), quantity=2, serial=False)
        if size != "small" or rng.random() < 0.2:
            self.device(site, "audio_processor", *rng.choice(PROCESSORS), year=rng.randint(2014, 2024))
        self.device(site, "display", *rng.choice(DISPLAYS), year=rng.randint(2014, 2024),
                    quantity=2 if size == "hub" else 1)
        if hardware_codec and rng.random() < 0.5:
            self.device(site, "controller", *rng.choice(CONTROLLERS), year=rng.randint(2015, 2024))
        if rng.random() < 0.45:
            self.device(site, "network", *rng.choice(NETWORK), year=rng.randint(2014, 2023))
        has_ups = size == "hub" or rng.random() < 0.7
        if has_ups:
            maker, model, runtime = UPS[3] if size == "hub" else rng.choice(UPS)
            self.device(site, "power", maker, model, year=rng.randint(2015, 2024))
            site.has_ups, site.ups_model, site.ups_runtime_min = True, f"{maker} {model}", runtime
        else:
            site.has_ups = False if rng.random() < 0.7 else None
        if rng.random() < 0.25:
            self.device(site, "accessory", "—", "Cáp HDMI 15 m, bộ kéo dài HDMI qua LAN", quantity=2, serial=False)
        site.save(update_fields=["has_ups", "ups_model", "ups_runtime_min"])

    def link(self, site, *, role, provider, kind, medium, down, up, circuit=""):
        link = Link.objects.create(
            site=site, role=role, provider=provider, kind=self.link_kinds[kind], medium=medium,
            down_mbps=Decimal(str(down)), up_mbps=Decimal(str(up)), circuit_id=circuit, notes=DEMO_MARK,
        )
        self._record(link, site)
        self.counts["links"] += 1

    def connect(self, site, *, operators, remote: bool, hub: bool = False):
        rng = self.rng
        vnpt, viettel = operators
        provider = vnpt if rng.random() < 0.62 else viettel
        roll = rng.random()
        circuit = f"{'TSL' if provider is vnpt else 'VTL'}-{rng.randrange(10000, 99999)}"
        if roll < 0.62:
            kind, medium, down = "tslcd", "fibre", rng.choice([4, 6, 8, 10, 20])
        elif roll < 0.80:
            kind, medium, down = "internet_ftth", "fibre", rng.choice([30, 50, 100])
        elif roll < 0.88:
            kind, medium, down = "tslcd", "wifi", rng.choice([2, 4, 6])  # the codec hangs on the office Wi-Fi
        else:
            kind, medium, down = "mobile", "mobile", rng.choice([1, 1.5, 3])
        if hub:
            provider, kind, medium, down = vnpt, "tslcd", "fibre", 50
        if remote and kind == "tslcd" and rng.random() < 0.35:
            down = rng.choice([1, 1.5, 2])  # under-provisioned mountain commune
        up = down if kind in {"tslcd", "leased_line"} else round(down / 2, 1)
        self.link(site, role="primary", provider=provider, kind=kind, medium=medium, down=down, up=up, circuit=circuit)
        if hub or rng.random() < 0.42:
            other = viettel if provider is vnpt else vnpt
            backup_kind = rng.choice(["mobile", "internet_ftth"])
            self.link(site, role="backup", provider=other, kind=backup_kind,
                      medium="mobile" if backup_kind == "mobile" else rng.choice(["fibre", "wifi"]),
                      down=rng.choice([5, 10, 30]), up=rng.choice([2, 5, 10]))

    def staff(self, site):
        rng = self.rng
        if rng.random() < 0.87:
            contact = Contact.objects.create(site=site, role="primary", full_name=_person(rng), phone=_phone(rng),
                                             position=rng.choice(["Công chức Văn phòng - Thống kê", "Chuyên viên CNTT", "Văn thư"]))
            self._record(contact, site)
            self.counts["contacts"] += 1
        if rng.random() < 0.45:
            contact = Contact.objects.create(site=site, role="deputy", full_name=_person(rng), phone=_phone(rng))
            self._record(contact, site)
            self.counts["contacts"] += 1

    def site(self, org, number, *, name, room, size, hub=False, meetings, remote):
        rng = self.rng
        site = Site.objects.create(
            organization=org, code=f"{org.code}-{number:02d}", name=name, room=room, is_hub=hub,
            address=org.address or f"{org.name}, tỉnh Cao Bằng",
            seats={"hub": 120, "large": rng.choice([30, 40, 60]), "small": rng.choice([8, 12, 15])}[size],
            meetings_per_month=meetings,
            backup_plan=(
                "Khi mất đường truyền chính: chuyển sang 4G dự phòng; nếu thiết bị đầu cuối lỗi: dùng máy tính "
                "xách tay với phần mềm họp, gọi cán bộ đầu mối Sở KH&CN." if rng.random() < 0.6 else ""
            ),
            notes=f"{DEMO_MARK} Dữ liệu mẫu để trình diễn, không phải số liệu thật.",
        )
        self._record(site, site)
        self.counts["sites"] += 1
        hardware = hub or size == "large" or rng.random() < (0.35 if remote else 0.7)
        self.equip(site, size=size, hardware_codec=hardware)
        self.connect(site, operators=self.ctx.shared["operators"], remote=remote, hub=hub)
        self.staff(site)
        return site


def load(ctx):
    load_organizations(Organization, Term)
    orgs = {o.code: o for o in Organization.objects.select_related("kind")}
    vnpt, viettel = orgs["VNPT-CB"], orgs["VIETTEL-CB"]
    vnpt.escalation_contact, vnpt.escalation_phone, vnpt.escalation_email = "Trưởng ca NOC VNPT Cao Bằng", "02063800126", "noc@vnpt-cb.example"
    viettel.escalation_contact, viettel.escalation_phone, viettel.escalation_email = "Trực ca Viettel Cao Bằng", "02063999888", "truc-ca@viettel-cb.example"
    vnpt.save(update_fields=["escalation_contact", "escalation_phone", "escalation_email"])
    viettel.save(update_fields=["escalation_contact", "escalation_phone", "escalation_email"])
    ctx.shared["operators"] = (vnpt, viettel)
    province = read_yaml("cao_bang.yaml")["province"]
    ctx.log(f"  {province['name']}: {len(orgs)} organisations")

    b = _Builder(ctx)
    rng = ctx.rng
    b.site(orgs["VP-UBND"], 1, name="Phòng họp trực tuyến UBND tỉnh", room="Phòng họp tầng 3, trụ sở UBND tỉnh",
           size="hub", hub=True, meetings=22, remote=False)
    b.site(orgs["VP-UBND"], 2, name="Phòng họp giao ban UBND tỉnh", room="Phòng họp số 2", size="large", meetings=10, remote=False)
    b.site(orgs["VP-TU"], 1, name="Hội trường Tỉnh ủy", room="Hội trường lớn", size="large", meetings=12, remote=False)
    for org in sorted(orgs.values(), key=lambda o: o.code):
        kind = org.kind.code
        if kind in {"department", "dost"}:
            b.site(org, 1, name=f"Phòng họp {org.name}", room="Phòng họp trực tuyến", size="large",
                   meetings=rng.randint(4, 10), remote=False)
            if rng.random() < 0.4:
                b.site(org, 2, name=f"Phòng họp nhỏ {org.name}", room="Phòng họp tầng 2", size="small",
                       meetings=rng.randint(1, 4), remote=False)
        elif kind in {"commune", "ward"}:
            remote = kind == "commune"
            b.site(org, 1, name=f"Hội trường {org.name}", room="Hội trường UBND", size="large",
                   meetings=rng.randint(3, 9), remote=remote)
            extra = rng.random()
            if extra < 0.45:
                b.site(org, 2, name=f"Phòng họp {org.name}", room="Phòng họp nhỏ", size="small",
                       meetings=rng.randint(1, 4), remote=remote)
            if extra < 0.08:
                b.site(org, 3, name=f"Điểm cầu thôn bản ({org.name})", room="Nhà văn hóa", size="small",
                       meetings=rng.randint(0, 2), remote=remote)
    ctx.log("  " + ", ".join(f"{v} {k}" for k, v in b.counts.items()))

    # One hash for the one published password: hashing it ten times costs seconds of CPU.
    password = make_password(DEMO_PASSWORD)
    for username, role, org_code, first, last in DEMO_USERS + EXTRA_USERS:
        user = User(username=username, role=role, organization=orgs[org_code], first_name=first,
                    last_name=f"{last} (demo)", email=f"{username}@demo.invalid", password=password)
        user.save()
        if (username, role, org_code, first, last) in DEMO_USERS:
            ctx.users[str(role)] = user
    # The demo site technician is the named contact of their commune's main site.
    tech = ctx.users[str(Role.SITE_TECH)]
    Contact.objects.filter(site__organization=tech.organization, role="primary").update(user=tech)
