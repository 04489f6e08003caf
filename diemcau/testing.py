"""Builders for tests: a small province with one named user per role.

Like healthchecks' alice/bob/charlie, the users are named so a test reads
as a story: ``tech`` of commune A, ``head`` of commune A, ``other_tech`` of
commune B, ``vnpt`` engineer, ``admin`` of DOST, and so on.
"""

from dataclasses import dataclass
from decimal import Decimal

from diemcau.accounts.choices import Role
from diemcau.accounts.models import User
from diemcau.inventory.models import Contact, Device, Link, Organization, Site, Term

PASSWORD = "correct-horse-battery-staple"


def term(taxonomy: str, code: str) -> Term:
    return Term.objects.get(taxonomy=taxonomy, code=code)


def make_org(code: str, name: str, kind: str) -> Organization:
    return Organization.objects.create(code=code, name=name, kind=term("organization_kind", kind))


def make_user(username: str, role: str, org: Organization, **extra) -> User:
    user = User(username=username, role=role, organization=org, first_name=username.title(), **extra)
    user.set_password(PASSWORD)
    user.save()
    return user


def make_site(org: Organization, code: str, name: str | None = None, **fields) -> Site:
    return Site.objects.create(organization=org, code=code, name=name or f"Phòng họp {code}", **fields)


def make_device(site: Site, group: str = "terminal", condition: str = "good", **fields) -> Device:
    return Device.objects.create(
        site=site, group=term("device_group", group), condition=term("device_condition", condition), **fields
    )


def make_link(site: Site, provider: Organization | None, kind: str = "tslcd", role: str = "primary",
              medium: str = "fibre", down: str = "10", up: str = "10", **fields) -> Link:
    return Link.objects.create(
        site=site, provider=provider, kind=term("link_kind", kind), role=role, medium=medium,
        down_mbps=Decimal(down), up_mbps=Decimal(up), **fields,
    )


def make_contact(site: Site, name: str = "Nguyễn Văn A", phone: str = "0912345678", role: str = "primary") -> Contact:
    return Contact.objects.create(site=site, full_name=name, phone=phone, role=role)


@dataclass
class Province:
    """A tiny province: two communes, one department, DOST, two operators, the leadership."""

    dost: Organization
    leadership: Organization
    department: Organization
    commune_a: Organization
    commune_b: Organization
    vnpt: Organization
    viettel: Organization
    site_a: Site
    site_a2: Site
    site_b: Site
    site_dept: Site
    admin: User
    staff: User
    leader: User
    auditor: User
    head: User
    tech: User
    other_tech: User
    other_head: User
    vnpt_user: User
    viettel_user: User

    def users_by_role(self) -> dict[str, User]:
        return {
            Role.DOST_ADMIN: self.admin, Role.DOST_STAFF: self.staff, Role.LEADER: self.leader,
            Role.AUDITOR: self.auditor, Role.UNIT_HEAD: self.head, Role.SITE_TECH: self.tech,
            Role.OPERATOR: self.vnpt_user,
        }


def make_province() -> Province:
    # Transactional tests flush the tables that the data migration filled.
    from diemcau.inventory.reference import load_taxonomies

    load_taxonomies(Term)
    dost = make_org("SKHCN", "Sở Khoa học và Công nghệ", "dost")
    leadership = make_org("VP-UBND", "Văn phòng UBND tỉnh", "leadership")
    department = make_org("SYT", "Sở Y tế", "department")
    commune_a = make_org("X-14", "UBND xã Thông Nông", "commune")
    commune_b = make_org("X-20", "UBND xã Hà Quảng", "commune")
    vnpt = make_org("VNPT-CB", "VNPT Cao Bằng", "operator")
    viettel = make_org("VIETTEL-CB", "Viettel Cao Bằng", "operator")
    site_a = make_site(commune_a, "X-14-01", "Hội trường UBND xã Thông Nông", has_ups=True, ups_runtime_min=30)
    site_a2 = make_site(commune_a, "X-14-02", "Phòng họp nhỏ Thông Nông")
    site_b = make_site(commune_b, "X-20-01", "Hội trường UBND xã Hà Quảng")
    site_dept = make_site(department, "SYT-01", "Phòng họp Sở Y tế")
    make_link(site_a, vnpt)
    make_link(site_a, viettel, kind="mobile", role="backup", medium="mobile")
    make_link(site_b, viettel, kind="internet_ftth")
    make_link(site_dept, vnpt)
    make_device(site_a, "terminal", serial="SN-A-1", manufacturer="Poly", model="Group 500",
                protocols=["SIP", "H.323"], video_codecs=["H.264"], audio_codecs=["G.711", "G.722"])
    make_device(site_a, "microphone", serial="SN-A-2")
    make_device(site_b, "terminal", serial="SN-B-1", condition="degraded")
    make_contact(site_a)
    return Province(
        dost=dost, leadership=leadership, department=department, commune_a=commune_a, commune_b=commune_b,
        vnpt=vnpt, viettel=viettel, site_a=site_a, site_a2=site_a2, site_b=site_b, site_dept=site_dept,
        admin=make_user("admin", Role.DOST_ADMIN, dost),
        staff=make_user("staff", Role.DOST_STAFF, dost),
        leader=make_user("leader", Role.LEADER, leadership),
        auditor=make_user("auditor", Role.AUDITOR, dost),
        head=make_user("head", Role.UNIT_HEAD, commune_a),
        tech=make_user("tech", Role.SITE_TECH, commune_a),
        other_tech=make_user("other_tech", Role.SITE_TECH, commune_b),
        other_head=make_user("other_head", Role.UNIT_HEAD, commune_b),
        vnpt_user=make_user("vnpt", Role.OPERATOR, vnpt),
        viettel_user=make_user("viettel", Role.OPERATOR, viettel),
    )


def shot_path(app: str, name: str) -> str:
    """Where a browser test saves a screenshot: under $DIEMCAU_SHOTS (to look at them), else a temporary folder."""
    import os
    import tempfile
    from pathlib import Path

    folder = Path(os.environ.get("DIEMCAU_SHOTS") or Path(tempfile.gettempdir()) / "diemcau-shots") / app
    folder.mkdir(parents=True, exist_ok=True)
    return str(folder / name)


def signed_in_client(user, **client_options):
    """A test client signed in as ``user`` — past the second step too, as after typing a code,
    for roles that require it (a confirmed authenticator is created when the user has none)."""
    import time

    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY

    from diemcau.accounts import mfa

    client = Client(**client_options)
    client.force_login(user)
    device = verified_device(user)
    if device is not None:
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session[mfa.RECENT_KEY] = time.time()
        session.save()
    return client


def verified_device(user):
    """A confirmed authenticator for a user who needs (or has) two-step verification, else None."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from diemcau.accounts import mfa

    device = mfa.totp_device(user)
    if device is None and mfa.mfa_required(user):
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
    return device
