"""The access matrix: every URL pattern and every API operation, for every role, on an own and a foreign object.

The patterns come from ``get_resolver()`` and the operations from the API's OpenAPI document, so a new
page or API call without a line in ``PAGES`` or ``API`` below fails ``test_every_*_has_a_declared_expectation``.

One small world is built once for the module (one organisation of each kind, one user per role, one
object of each type in commune A — "own" for its head and technician, served by VNPT — and one in commune
B, which VNPT does not serve). Each request runs in a savepoint that is rolled back, so a POST by one
role changes nothing the next role sees.

A line reads ``name METHOD own foreign``: the roles (letters below) that get through on the own object
and on the foreign one; ``-`` nobody, ``=`` the same object (a province-wide object has no "foreign").
Getting through is any answer but 401/403/404 (a form sent empty may answer 200, 302, 400 or 422); being
refused is 401, 403 or 404. A 500 or a 405 is always a failure. Anonymous visitors are checked too (on
one object: without a session, own and foreign are alike): every page but the public ones sends them to the sign-in page, every API call but the public ones is a 401.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import logging
import os
import re
import time
from dataclasses import dataclass

import pytest
from django.db import transaction
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from diemcau.testing import signed_in_client

# The module's world lives in one transaction, rolled back at its end; each test nests in it.
pytestmark = pytest.mark.django_db

ROLES = {"a": "admin", "s": "staff", "l": "leader", "u": "auditor", "h": "head", "t": "tech", "o": "vnpt_user"}
EVERYONE = "aslutho"

# Pages: the URL name, the method, who gets through on the own object, on the foreign one.
PAGES = """
^media/(?P<path>.*)$ GET - =
api:index GET asluhto =
api:no_such_endpoint GET - =
accounts:keepalive POST asluhto =
accounts:locks GET asu =
accounts:login GET asluhto =
accounts:logout POST asluhto =
accounts:mfa_disable POST sluhto =
accounts:mfa_recovery_codes POST asluhto =
accounts:mfa_setup GET asluhto =
accounts:mfa_verify GET asluhto =
accounts:password_change GET asluhto =
accounts:profile GET asluhto =
accounts:token_revoke POST asluhto -
accounts:unlock POST a =
accounts:user_add GET a =
accounts:user_edit GET a a
accounts:user_mfa_reset POST a a
accounts:users GET a =
api/docs GET asluhto =
api:api-root GET asluhto =
api:openapi-json GET asluhto =
api:openapi-view GET asluhto =
audit:list GET asu =
core:channels GET asluhto =
core:delivery_decide POST a =
core:favicon.ico GET asluhto =
core:healthz GET asluhto =
core:notices GET asluhto =
core:outbox GET a =
core:table_columns POST asluhto =
incidents:action POST asht as
incidents:calendar_add GET a =
incidents:calendar_delete POST a =
incidents:clocks GET asluht aslu
incidents:detail GET asluht aslu
incidents:guide_edit GET a =
incidents:guides GET asluhto =
incidents:list GET asluhto =
incidents:photo GET asluht aslu
incidents:policy_add GET a =
incidents:policy_edit GET a =
incidents:repeats GET asluhto =
incidents:report GET ashto =
incidents:settings GET asluhto =
incidents:sla_report GET asluhto =
incidents:webhook_add GET a =
incidents:webhook_edit GET a =
inventory:contact_add GET asht as
inventory:contact_edit GET asht as
inventory:contact_retire POST asht as
inventory:device GET asluhto aslu
inventory:device_add GET asht as
inventory:device_edit GET asht as
inventory:device_retire POST asht as
inventory:devices GET asluhto =
inventory:import GET asht =
inventory:import_run GET asluhto -
inventory:import_template GET asht =
inventory:link_add GET ashto as
inventory:link_edit GET ashto as
inventory:link_retire POST ashto as
inventory:links GET asluhto =
inventory:organization GET asluhto aslu
inventory:organization_add GET a =
inventory:organization_edit GET a a
inventory:organizations GET asluhto =
inventory:overview GET asluhto =
inventory:reference GET a =
inventory:site GET asluhto aslu
inventory:site_add GET asht =
inventory:site_edit GET asht as
inventory:site_retire POST asht as
inventory:sites GET asluhto =
inventory:taxonomy GET a =
inventory:term_add GET a =
inventory:term_edit GET a =
meetings:backup_site GET asluhto aslu
meetings:backups GET asluhto =
meetings:board GET asluhto aslu
meetings:board_live GET asluhto aslu
meetings:calendar GET asluhto =
meetings:cancel POST asht as
meetings:check GET asluhto aslu
meetings:check_incident POST ht -
meetings:check_throughput POST ht -
meetings:create GET asht =
meetings:detail GET asluhto aslu
meetings:drill_add POST asht as
meetings:duty GET asluhto =
meetings:duty_cancel POST ash as
meetings:duty_swap POST ash as
meetings:edit GET asht as
meetings:ical GET asluhto =
meetings:import GET asht =
meetings:list GET asluhto =
meetings:mark POST ht -
meetings:my_checks GET asluhto =
meetings:plan_retire POST asht as
meetings:report GET asluhto aslu
meetings:rollcall POST asht as
meetings:training GET asluhto =
meetings:training_flags GET asluh =
monitoring:board GET asluhto =
monitoring:call_quality GET asluhto aslu
monitoring:check_add GET asht as
monitoring:check_delete POST asht as
monitoring:check_edit GET asht as
monitoring:metrics GET - =
monitoring:series GET asluhto aslu
monitoring:site GET asluhto aslu
monitoring:throughput POST asht as
monitoring:token_issue POST asht as
monitoring:token_revoke POST asht as
monitoring:vendor_oids GET as =
reports:adopt POST a =
reports:document GET asluht aslu
reports:download GET asluht aslu
reports:guide GET asluhto =
reports:guide_confirm POST asluhto =
reports:guide_docx GET asluhto =
reports:guide_edit GET as =
reports:guide_new GET as =
reports:guide_readers GET aslu =
reports:guides GET asluhto =
reports:index GET asluhto =
reports:issue POST h -
reports:preview GET asluht aslu
reports:progress_new POST as =
reports:province_document POST as =
reports:roadmap GET aslu =
reports:roadmap_new GET as =
reports:slider GET aslu =
reports:unit_report GET ht =
reports:work GET asluht aslu
reports:works GET asluhto =
reviews:aggregate GET aslu =
reviews:assessment GET asluhto aslu
reviews:campaign GET asluhto =
reviews:campaign_close POST a =
reviews:campaign_new GET a =
reviews:campaigns GET asluhto =
reviews:compare GET aslu =
reviews:evidence_add POST ht -
reviews:evidence_delete POST ht -
reviews:evidence_photo GET asluht aslu
reviews:link_items GET asluhto =
reviews:proposal_delete POST ht -
reviews:proposal_edit GET ht -
reviews:proposal_new GET ht -
reviews:task GET asluht aslu
reviews:task_review POST as as
reviews:task_start POST ht -
reviews:task_submit POST h -
set_language GET asluhto =
standards:matrix GET asluhto =
standards:overview GET asluhto =
standards:platform_add GET a =
standards:platform_edit GET a =
standards:platforms GET asluhto =
standards:profile_add GET a =
standards:profile_edit GET a =
standards:profiles GET asluhto =
standards:requirement_add GET a =
standards:requirement_delete POST a =
standards:requirement_edit GET a =
standards:settings_import GET asht =
standards:settings_template GET asht =
standards:site_recompute POST asht as
standards:site_results GET asluhto aslu
standards:site_settings GET asht as
standards:standard GET asluhto =
standards:standard_edit GET a =
standards:standard_export GET asluhto =
standards:standard_import GET a =
standards:standard_new_draft POST a =
standards:standard_publish POST a =
standards:standards GET asluhto =
"""

API = """
DELETE /api/v1/devices/{device_id} asht as
DELETE /api/v1/links/{link_id} ashto as
DELETE /api/v1/sites/{site_id} asht as
GET /api/v1/devices asluhto =
GET /api/v1/devices/{device_id} asluhto aslu
GET /api/v1/incidents/ asluhto =
GET /api/v1/incidents/{incident_id} asluht aslu
GET /api/v1/incidents/{incident_id}/events asluht aslu
GET /api/v1/links asluhto =
GET /api/v1/links/{link_id} asluhto aslu
GET /api/v1/meetings/ asluhto =
GET /api/v1/meetings/backup-plans asluhto =
GET /api/v1/meetings/duty asluhto =
GET /api/v1/meetings/training asluhto =
GET /api/v1/meetings/{meeting_id} asluhto aslu
GET /api/v1/meetings/{meeting_id}/board asluhto aslu
GET /api/v1/meetings/{meeting_id}/report asluhto aslu
GET /api/v1/organizations asluhto =
GET /api/v1/organizations/{org_id} asluhto aslu
GET /api/v1/reports/documents asluhto =
GET /api/v1/reports/documents/{doc_id} asluht aslu
GET /api/v1/reports/guides asluhto =
GET /api/v1/reports/roadmaps asluhto =
GET /api/v1/reports/roadmaps/{roadmap_id} aslu =
GET /api/v1/reports/roadmaps/{roadmap_id}/slider aslu =
GET /api/v1/reports/tasks asluhto =
GET /api/v1/reviews/assessments/{assessment_id} asluhto aslu
GET /api/v1/reviews/campaigns asluhto =
GET /api/v1/reviews/campaigns/{campaign_id}/aggregate aslu =
GET /api/v1/reviews/campaigns/{campaign_id}/proposals asluhto =
GET /api/v1/reviews/campaigns/{campaign_id}/tasks asluhto =
GET /api/v1/sites asluhto =
GET /api/v1/sites/{site_id} asluhto aslu
GET /api/v1/standards/platforms asluhto =
GET /api/v1/standards/sites/{pk}/compatibility asluhto aslu
GET /api/v1/standards/sites/{pk}/compliance asluhto aslu
GET /api/v1/standards/sites/{pk}/settings asluhto aslu
GET /api/v1/standards/sites/{pk}/verdict asluhto aslu
GET /api/v1/standards/verdicts asluhto =
GET /api/v1/standards/versions asluhto =
GET /api/v1/standards/versions/current asluhto =
GET /api/v1/standards/versions/{pk} asluhto =
PATCH /api/v1/devices/{device_id} asht as
PATCH /api/v1/links/{link_id} ashto as
PATCH /api/v1/meetings/{meeting_id} asht as
PATCH /api/v1/sites/{site_id} asht as
POST /api/v1/agent/results - =
POST /api/v1/devices asht as {"site": "@site_code", "group": "terminal"}
POST /api/v1/incidents/ ashto as {"site": "@site_code", "symptoms": ["audio_loss"], "description": "Mất tiếng"}
POST /api/v1/incidents/{incident_id}/{step} asht as
POST /api/v1/meetings/ asht asht {"title": "Họp", "level": "unit", "host_site": "@site_code", "sites": ["@site_code"], "starts_at": "2031-03-10T09:00:00+07:00", "ends_at": "2031-03-10T10:00:00+07:00"}
POST /api/v1/meetings/backup-plans/{plan_id}/drills asht as
POST /api/v1/meetings/duty ash as {"organization": "@org_code", "name": "Trực", "phone": "0912000000", "starts_at": "2031-03-10T07:00:00+07:00", "ends_at": "2031-03-10T17:00:00+07:00"}
POST /api/v1/meetings/duty/{shift_id}/swap ash as
POST /api/v1/meetings/{meeting_id}/cancel asht as
POST /api/v1/meetings/{meeting_id}/sites/{site_code}/marks ht -
POST /api/v1/meetings/{meeting_id}/sites/{site_code}/rollcall asht as
POST /api/v1/reports/documents/{doc_id}/issue h -
POST /api/v1/reports/guides/{code}/versions/{number}/read asluhto =
POST /api/v1/reports/tasks/{work_id}/updates asht as
POST /api/v1/sites asht asht {"organization": "@org_code", "code": "X-99-01", "name": "Phòng họp mới"}
POST /api/v1/sites/{site_id}/links ashto as
PUT /api/v1/reports/documents/{doc_id}/draft ht -
PUT /api/v1/standards/sites/{pk}/settings asht as
"""

# Reached without signing in (the sign-in pages, health, the API's index and documents, a calendar feed
# by its secret key).
PUBLIC = {
    "accounts:login", "core:healthz", "core:", "set_language", "api:openapi-json", "api:openapi-view",
    "api:index", "api:api-root", "meetings:ical", "core:favicon.ico", "api:no_such_endpoint", "api/docs", "^media/(?P<path>.*)$",
    "accounts:logout",
}
PUBLIC_API = {"POST /api/v1/agent/results"}  # the agent's own token, not a user's


@dataclass
class Case:
    key: str
    method: str
    own: str
    foreign: str | None  # None: one object only
    body: dict | None = None

    def expected(self, variant: str) -> str:
        return self.own if variant == "own" or self.foreign is None else self.foreign


def parse(table: str) -> dict[str, Case]:
    """Lines ``name METHOD own [foreign]`` (pages) or ``METHOD /path own foreign [JSON body]`` (API)."""
    cases = {}
    for line in table.strip().splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        parts = line.split(None, 4)
        if parts[0] in ("GET", "POST", "PUT", "PATCH", "DELETE"):
            method, key, rest = parts[0], f"{parts[0]} {parts[1]}", parts[2:]
        else:
            key, method, rest = parts[0], parts[1], parts[2:]
        own = "" if rest[0] == "-" else rest[0]
        foreign = None
        if len(rest) > 1 and rest[1] != "=":
            foreign = "" if rest[1] == "-" else rest[1]
        body = json.loads(rest[2]) if len(rest) > 2 else None
        cases[key] = Case(key, method, own, foreign, body)
    return cases


# The world ---------------------------------------------------------------------------------------------

def _reference_data():
    """What the migrations put in a new database (a transactional test before this module may have flushed it)."""
    from diemcau.incidents.reference import load_reference
    from diemcau.inventory.models import Term
    from diemcau.inventory.reference import load_taxonomies
    from diemcau.standards.services import load_default_standard

    load_taxonomies(Term)
    load_reference()
    from diemcau.standards.models import Standard

    if not Standard.objects.exists():
        load_default_standard()


# The smallest JPEG (a 1×1 white pixel).
JPEG = bytes.fromhex(
    "ffd8ffe000104a46494600010100000100010000ffdb004300080606070605080707070909080a0c140d0c0b0b0c1912130f141d1a"
    "1f1e1d1a1c1c20242e2720222c231c1c2837292c30313434341f27393d38323c2e333432ffc0000b080001000101011100ffc4001f"
    "0000010501010101010100000000000000000102030405060708090a0bffc400b5100002010303020403050504040000017d010203"
    "00041105122131410613516107227114328191a1082342b1c11552d1f02433627282090a161718191a25262728292a3435363738"
    "393a434445464748494a535455565758595a636465666768696a737475767778797a838485868788898a92939495969798999aa2"
    "a3a4a5a6a7a8a9aab2b3b4b5b6b7b8b9bac2c3c4c5c6c7c8c9cad2d3d4d5d6d7d8d9dae1e2e3e4e5e6e7e8e9eaf1f2f3f4f5f6f7f8"
    "f9faffda0008010100003f00fbd3ffd9")


def build_world() -> dict:
    """Every type of object once in commune A (own) and once in commune B (foreign); the rest once."""
    from django.core.files.base import ContentFile

    from diemcau.accounts.models import ApiToken
    from diemcau.core.models import Delivery, WebhookEndpoint
    from diemcau.incidents.models import CalendarDay, SlaPolicy, SymptomGuide
    from diemcau.incidents.services import incident_report
    from diemcau.inventory.models import ImportRun
    from diemcau.meetings import services as meetings
    from diemcau.meetings.models import (
        BackupPlan,
        CalendarFeed,
        CheckMark,
        DutyShift,
        TrainingSession,
    )
    from diemcau.monitoring.models import DeviceCheck
    from diemcau.monitoring.services import agent_token_issue
    from diemcau.reports import services as reports
    from diemcau.reports.choices import DocKind
    from diemcau.reports.models import Work
    from diemcau.reports.tests.conftest import propose
    from diemcau.reviews import services as reviews
    from diemcau.reviews.models import Evidence
    from diemcau.reviews.tests.conftest import complete
    from diemcau.standards.models import ConfigProfile, Platform, Requirement, Standard
    from diemcau.testing import make_contact, make_province, term

    _reference_data()
    p = make_province()
    now = timezone.now()
    objects: dict[str, tuple] = {}

    def pair(name, own, foreign=None):
        objects[name] = (own, foreign)

    pair("organization", p.commune_a, p.commune_b)
    pair("site", p.site_a, p.site_b)
    pair("device", p.site_a.devices.first(), p.site_b.devices.first())
    pair("link", p.site_a.links.get(provider=p.vnpt), p.site_b.links.first())
    pair("contact", p.site_a.contacts.first(), make_contact(p.site_b, name="Trần Văn B"))
    pair("user", p.tech, p.other_tech)
    pair("term", term("device_group", "terminal"))

    # Standards: the standard in force, a requirement, a platform, a profile.
    standard = Standard.objects.order_by("-pk").first()
    pair("standard", standard)
    pair("requirement", Requirement.objects.filter(standard=standard).first())
    platform = Platform.objects.first() or Platform.objects.create(code="poly-g500", name="Poly Group 500")
    pair("platform", platform)
    profile = ConfigProfile.objects.first() or ConfigProfile.objects.create(code="chuan", name="Chuẩn")
    pair("profile", profile)

    # Incidents (reported by each commune's technician), the department's settings.
    audio = [term("symptom", "audio_loss")]
    incidents = [incident_report(site=site, user=user, symptoms=audio, description="Mất tiếng")
                 for site, user in ((p.site_a, p.tech), (p.site_b, p.other_tech))]
    for incident in incidents:
        incident.photo.save("anh.jpg", ContentFile(JPEG), save=True)
    pair("incident", *incidents)
    pair("symptom_guide", SymptomGuide.objects.first())
    pair("policy", SlaPolicy.objects.first())
    pair("calendar_day", CalendarDay.objects.create(date=dt.date(2031, 9, 2), kind="holiday", name="Quốc khánh"))
    webhook = WebhookEndpoint.objects.create(name="Zalo", url="https://example.invalid/hook", secret="s3cret",
                                             organization=p.dost)
    pair("webhook", webhook)
    pair("delivery", Delivery.objects.create(channel="webhook", recipient=webhook.url, endpoint=webhook,
                                             kind="incident.opened", status="failed"))

    # A review campaign over both communes, accepted; proposals at both communes' sites.
    campaign = reviews.campaign_open(title="Rà soát 2026", deadline=now + dt.timedelta(days=10), user=p.admin,
                                     organizations=[p.commune_a, p.commune_b])
    tasks = {org: campaign.tasks.get(organization=org) for org in (p.commune_a, p.commune_b)}
    for org, tech in ((p.commune_a, p.tech), (p.commune_b, p.other_tech)):
        complete(tasks[org], tech)
    a = tasks[p.commune_a].assessments.get(site=p.site_a)
    b = tasks[p.commune_b].assessments.get(site=p.site_b)
    proposals = [propose(x, group="microphone", action="accessory", cost=800_000, description="Thay dây micro")
                 for x in (a, b)]
    evidence = [Evidence.objects.create(assessment=x, group=term("device_group", "terminal"), note="Biên bản")
                for x in (a, b)]
    for org, head in ((p.commune_a, p.head), (p.commune_b, p.other_head)):
        reviews.task_submit(tasks[org], user=head)
        reviews.task_accept(tasks[org], user=p.admin)
    pair("accepted", campaign)

    # The review pages: a second campaign, still being filled (an accepted one may no longer be changed).
    filling = reviews.campaign_open(title="Rà soát 2027", deadline=now + dt.timedelta(days=20), user=p.admin,
                                    organizations=[p.commune_a, p.commune_b])
    open_tasks = [filling.tasks.get(organization=org) for org in (p.commune_a, p.commune_b)]
    for task, tech in zip(open_tasks, (p.tech, p.other_tech), strict=True):
        complete(task, tech)
    assessments = [t.assessments.get(site=s) for t, s in zip(open_tasks, (p.site_a, p.site_b), strict=True)]
    pair("campaign", filling)
    pair("task", *open_tasks)
    pair("assessment", *assessments)
    pair("proposal", *[propose(x, group="microphone", action="accessory", cost=800_000,
                               description="Thay dây micro") for x in assessments])
    photos = []
    for x in assessments:
        photo = Evidence(assessment=x, group=term("device_group", "terminal"), note="Ảnh")
        photo.photo.save("anh.jpg", ContentFile(JPEG), save=True)
        photos.append(photo)
    pair("evidence", *photos)
    del proposals, evidence

    # Reports: each commune's report, the province's plan, an issued report, a roadmap and its tasks, a guide.
    report_a = reports.document_for(kind=DocKind.UNIT_REPORT, organization=p.commune_a, campaign=campaign)
    report_b = reports.document_for(kind=DocKind.UNIT_REPORT, organization=p.commune_b, campaign=campaign)
    pair("document", report_a, report_b)
    pair("plan", reports.document_for(kind=DocKind.PLAN, organization=p.dost, campaign=campaign))
    issued_a = reports.document_issue(report_a, user=p.head, position="Chủ tịch")
    issued_b = reports.document_issue(report_b, user=p.other_head, position="Chủ tịch")
    pair("issued", issued_a, issued_b)
    roadmap = reports.roadmap_build(campaign=campaign, title="Lộ trình", phases=[{"budget": 200_000_000}],
                                    user=p.admin, time_limit=2)
    reports.roadmap_adopt(roadmap, user=p.admin)
    pair("roadmap", roadmap)
    pair("work", Work.objects.filter(item__site=p.site_a, owner=p.commune_a).first(),
         Work.objects.filter(item__site=p.site_b, owner=p.commune_b).first())
    guide = reports.guide_publish(code="micro", title="Micro", topic="configuration", body="Bật micro.", user=p.admin)
    pair("guide", guide)

    # Monitoring: an agent token and a device check at each site.
    pair("token", agent_token_issue(site=p.site_a, user=None)[0], agent_token_issue(site=p.site_b, user=None)[0])
    pair("check", DeviceCheck.objects.create(device=objects["device"][0], method="ping", host="10.0.0.1"),
         DeviceCheck.objects.create(device=objects["device"][1], method="ping", host="10.0.0.2"))

    # Meetings: each commune's own meeting among its own sites (in two days), a failed check item,
    # duty shifts, backup plans, a training session.
    starts = now + dt.timedelta(days=2)
    meeting_a = meetings.meeting_schedule(
        user=p.head, title="Họp xã Thông Nông", organizer=p.commune_a, host_site=p.site_a,
        sites=[p.site_a, p.site_a2], starts_at=starts, ends_at=starts + dt.timedelta(hours=1), level="unit",
        importance="normal")[0]
    meeting_b = meetings.meeting_schedule(
        user=p.other_head, title="Họp xã Hà Quảng", organizer=p.commune_b, host_site=p.site_b, sites=[p.site_b],
        starts_at=starts, ends_at=starts + dt.timedelta(hours=1), level="unit", importance="normal")[0]
    pair("meeting", meeting_a, meeting_b)
    parts = [m.participations.get(site=s) for m, s in ((meeting_a, p.site_a), (meeting_b, p.site_b))]
    pair("mark", *[CheckMark.objects.create(participation=x, item="audio", outcome="fail", source="manual",
                                            user=None) for x in parts])
    pair("shift", *[DutyShift.objects.create(organization=org, name="Trực", phone="0912000000", starts_at=starts,
                                             ends_at=starts + dt.timedelta(hours=8))
                    for org in (p.commune_a, p.commune_b)])
    pair("plan_b", *[BackupPlan.objects.create(site=s, kind="soft_client", title="Laptop", steps="Mở máy")
                     for s in (p.site_a, p.site_b)])
    TrainingSession.objects.create(topic="Vận hành micro", held_on=dt.date(2026, 3, 8), trainer="DOST",
                                   organizer=p.dost)
    pair("feed", CalendarFeed.objects.create(user=p.tech, key=CalendarFeed.new_key()))

    # Per user: an import run and an API token of their own; another user's are foreign.
    runs, tokens = {}, {}
    for user in (*[getattr(p, r) for r in ROLES.values()], p.other_head):
        runs[user.pk] = ImportRun.objects.create(key=f"run-{user.username}", file_token="x", user=user,
                                                 organization=user.organization, filename="a.xlsx")
        tokens[user.pk] = ApiToken.issue(user=user, name="matrix")[0]
    return {"province": p, "objects": objects, "runs": runs, "tokens": tokens}


# Arguments: which object each URL or API parameter names -----------------------------------------------

# ``pk`` by the URL's name (its namespace, else the name itself); other parameters by their own name.
PK = {
    "core:delivery_decide": "delivery", "accounts:token_revoke": "apitoken", "accounts:user_edit": "user",
    "accounts:user_mfa_reset": "user", "inventory:organization": "organization",
    "inventory:organization_edit": "organization", "inventory:term_edit": "term", "inventory:site": "site",
    "inventory:site_edit": "site", "inventory:site_retire": "site", "inventory:device": "device",
    "inventory:device_edit": "device", "inventory:device_retire": "device", "inventory:link_edit": "link",
    "inventory:link_retire": "link", "inventory:contact_edit": "contact", "inventory:contact_retire": "contact",
    "standards:requirement_edit": "requirement", "standards:requirement_delete": "requirement",
    "standards:platform_edit": "platform", "standards:profile_edit": "profile", "standards:site_results": "site",
    "standards:site_settings": "site", "standards:site_recompute": "site", "incidents:guide_edit": "symptom_guide",
    "incidents:policy_edit": "policy", "incidents:calendar_delete": "calendar_day",
    "incidents:webhook_edit": "webhook", "reviews:task": "task", "reviews:task_start": "task",
    "reviews:task_submit": "task", "reviews:task_review": "task", "reviews:assessment": "assessment",
    "reviews:evidence_add": "assessment", "reviews:proposal_edit": "proposal", "reviews:proposal_delete": "proposal",
    "reviews:evidence_photo": "evidence", "reviews:evidence_delete": "evidence", "meetings:duty_swap": "shift",
    "meetings:duty_cancel": "shift", "reports:download": "issued", "reports:work": "work",
    # by namespace
    "standards": "standard", "incidents": "incident", "reviews": "campaign", "monitoring": "site",
    "meetings": "meeting", "reports": "document",
}
PK.update({f"reports:{n}": "roadmap" for n in ("roadmap", "slider", "adopt")})
PARAMS = {
    "site_pk": "site", "plan_pk": "plan_b", "check_pk": "check", "token_pk": "token", "mark_pk": "mark",
    "assessment_pk": "assessment", "standard_pk": "standard", "campaign_pk": "accepted", "roadmap_pk": "roadmap",
    "key": "run", "code": "guide", "taxonomy": "=device_group", "kind": "=assessment", "action": "=acknowledge",
    "what": "=docx", "number": "=1", "path": "=nothing", "rest": "=nothing/here",
    # the API's names
    "org_id": "organization", "site_id": "site", "device_id": "device", "link_id": "link",
    "incident_id": "incident", "step": "=acknowledge", "campaign_id": "campaign", "assessment_id": "assessment",
    "meeting_id": "meeting", "site_code": "site", "shift_id": "shift", "plan_id": "plan_b", "doc_id": "document",
    "roadmap_id": "roadmap", "work_id": "work",
}
API_PK = {"/api/v1/standards/versions/": "standard", "/api/v1/standards/sites/": "site"}


def _objects(world, user, name):
    """(own, foreign) of an object name; per-user objects: the user's own, and another user's."""
    p = world["province"]
    if name == "run":
        return world["runs"][user.pk].key, world["runs"][p.other_head.pk].key
    if name == "apitoken":
        return world["tokens"][user.pk].pk, world["tokens"][p.other_head.pk].pk
    if name == "feed":
        return world["objects"]["feed"][0].key, None
    if name.startswith("="):
        return name[1:], None  # a literal (a slug, a number)
    if name in ("site_code", "org_code"):
        own, foreign = world["objects"]["site" if name == "site_code" else "organization"]
        return own.code, foreign.code
    own, foreign = world["objects"][name]
    if name == "guide":
        return own.guide.code, None
    return own.pk, (foreign.pk if foreign is not None else None)


def variants(world, user, names: dict[str, str]) -> list[tuple[str, dict]]:
    """``[("own", kwargs), ("foreign", kwargs)]`` (or only own, when no argument has a foreign object)."""
    own, foreign, two = {}, {}, False
    for param, name in names.items():
        a, b = _objects(world, user, name)
        own[param] = a
        foreign[param] = b if b is not None else a
        two = two or b is not None
    return [("own", own), ("foreign", foreign)] if two else [("own", own)]


def page_params(name: str, pattern) -> dict[str, str]:
    names = {}
    for param in pattern.pattern.regex.groupindex:
        if param == "pk":
            names[param] = PK.get(name) or PK[name.split(":")[0]]
        elif param == "key" and name == "meetings:ical":
            names[param] = "feed"
        else:
            names[param] = PARAMS[param]
    return names


def api_params(path: str) -> dict[str, str]:
    names = {}
    for param in re.findall(r"{(\w+)}", path):
        if param == "pk":
            names[param] = next(v for k, v in API_PK.items() if path.startswith(k))
        elif param == "site_code":
            names[param] = "site_code"
        else:
            names[param] = PARAMS[param]
    return names


# What exists ----------------------------------------------------------------------------------------------

def url_patterns():
    """``{name: pattern}`` of every page (the API's URL patterns are its operations, below, unless the OpenAPI
    document leaves them out: the API's index and its JSON 404 for unknown paths)."""
    found = {}
    documented = {path.split(" ", 1)[1] for path in api_operations()}

    def walk(resolver, prefix, namespace):
        for entry in resolver.url_patterns:
            if isinstance(entry, URLResolver):
                ns = ":".join(filter(None, [namespace, entry.namespace])) if entry.namespace else namespace
                walk(entry, prefix + str(entry.pattern), ns)
            elif isinstance(entry, URLPattern):
                route = prefix + str(entry.pattern)
                as_documented = "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route)
                if getattr(entry.callback, "__module__", "") == "ninja.operation" and as_documented in documented:
                    continue
                name = f"{namespace}:{entry.name or route[len(prefix):]}" if namespace else (entry.name or route)
                found[name] = (prefix, entry)

    walk(get_resolver(), "", None)
    return found


@functools.cache
def _openapi() -> dict:
    from diemcau.api import api

    return api.get_openapi_schema(path_prefix="/api/v1")


def api_components() -> dict:
    return _openapi().get("components", {}).get("schemas", {})


def api_operations():
    """``{"METHOD /api/v1/path": operation}`` from the OpenAPI document (with the internal ones)."""
    found = {}
    for path, methods in _openapi()["paths"].items():
        for method, operation in methods.items():
            found[f"{method.upper()} {path}"] = operation
    return found


def page_url(name: str, prefix: str, entry, kwargs: dict) -> str:
    if entry.name:
        return reverse(name, kwargs=kwargs)
    route = prefix + str(entry.pattern)
    if kwargs:  # the development server's media files
        return "/media/" + kwargs["path"]
    return "/" + route


TIMES: dict[str, float] = {}
ENDS_SESSION = {"accounts:logout"}

# Running ---------------------------------------------------------------------------------------------------

def _client(user) -> Client:
    """Signed in, past the second step for the roles that need it (as ``client_for``)."""
    if user is None:
        return Client(raise_request_exception=False)
    return signed_in_client(user, raise_request_exception=False)


# Answers that are a page's own way of getting through (the health check says 503 without a worker).
ALSO_THROUGH = {"core:healthz": {503}}


def outcome(response, key: str = "") -> str:
    """``ok`` (got through), ``no`` (401/403/404) or ``!<status>`` (a failure whatever the role)."""
    code = response.status_code
    if code in (401, 403, 404):
        return "no"
    if code in ALSO_THROUGH.get(key, ()):
        return "ok"
    if code == 405 or code >= 500:
        return f"!{code}"
    return "ok"


def example(schema: dict, components: dict, name: str = ""):
    """The smallest value that fits a JSON schema (so the API's input check passes and access decides)."""
    if "$ref" in schema:
        return example(components[schema["$ref"].rsplit("/", 1)[-1]], components, name)
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            options = [o for o in schema[key] if o.get("type") != "null"] or schema[key]
            return example(options[0], components, name)
    if "default" in schema:
        return schema["default"]
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object":
        return {k: example(v, components, k) for k, v in schema.get("properties", {}).items()
                if k in schema.get("required", ())}
    if kind == "array":
        return [example(schema["items"], components, name)] if schema.get("minItems") else []
    if kind in ("integer", "number"):
        return max(schema.get("minimum", 1), 1)
    if kind == "boolean":
        return False
    fmt = schema.get("format")
    if fmt == "date-time":
        return "2031-03-10T09:00:00+07:00"
    if fmt == "date":
        return "2031-03-10"
    return "x" * max(schema.get("minLength", 1), 1)


FILES: dict[str, bytes] = {}  # the world's files, put back when a request deleted them


def send(client, method: str, url: str, body=None):
    """One request in a savepoint rolled back after it: the world stays as it was built (its files too)."""
    try:
        return _send(client, method, url, body)
    finally:
        for path, data in FILES.items():
            if not os.path.exists(path):
                with open(path, "wb") as f:
                    f.write(data)


def _send(client, method: str, url: str, body=None):
    with transaction.atomic():
        if method == "GET":
            response = client.get(url)
        elif url.startswith("/api/"):
            response = client.generic(method, url, json.dumps(body or {}), content_type="application/json")
        else:
            response = getattr(client, method.lower())(url, body or {})
        transaction.set_rollback(True)
    return response


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    from huey.contrib.djhuey import HUEY

    media = tmp_path_factory.mktemp("media")
    previous = HUEY.immediate
    HUEY.immediate = True
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
                           EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend", MEDIA_ROOT=str(media),
                           LANGUAGE_CODE="vi"), django_db_blocker.unblock(), transaction.atomic():
        built = build_world()
        built["media"] = str(media)
        for path in media.rglob("*"):
            if path.is_file():
                FILES[str(path)] = path.read_bytes()
        p = built["province"]
        built["clients"] = {letter: _client(getattr(p, attr)) for letter, attr in ROLES.items()}
        built["clients"]["anonymous"] = _client(None)
        yield built
        transaction.set_rollback(True)
    HUEY.immediate = previous


@pytest.fixture
def matrix(world, settings):
    """The module's world, its files as MEDIA_ROOT, no warning logged for each refusal."""
    settings.MEDIA_ROOT = world["media"]
    # The sessions' activity is rolled back with each request: on a busy machine the module outlasts the
    # idle limits (5 minutes for the administrator), which would sign the roles out halfway.
    settings.SESSION_IDLE_MINUTES = settings.SESSION_IDLE_ADMIN_MINUTES = settings.MFA_RECENT_MINUTES = 24 * 60
    logger = logging.getLogger("django.request")
    level = logger.level
    logger.setLevel(logging.CRITICAL)  # a refusal is the expected answer here, not a warning
    yield world
    logger.setLevel(level)


def page_results(world, letter: str) -> dict[tuple[str, str], tuple[str, int]]:
    """``{(name, variant): (outcome, status)}`` of every page for one role (or "anonymous")."""
    client = world["clients"][letter]
    user = getattr(world["province"], ROLES[letter]) if letter in ROLES else world["province"].other_head
    cases = parse(PAGES)
    results = {}
    for name, (prefix, entry) in url_patterns().items():
        method = cases[name].method if name in cases else "GET"
        for variant, kwargs in variants(world, user, page_params(name, entry))[:1 if letter not in ROLES else 2]:
            started = time.perf_counter()
            # Signing out ends the session (kept outside the database): on a client of its own.
            one = _client(user if letter in ROLES else None) if name in ENDS_SESSION else client
            response = send(one, method, page_url(name, prefix, entry, kwargs))
            TIMES[name] = TIMES.get(name, 0) + time.perf_counter() - started
            results[(name, variant)] = (outcome(response, name), response.status_code, response.get("Location", ""))
    return results


def api_results(world, letter: str):
    client = world["clients"][letter]
    user = getattr(world["province"], ROLES[letter]) if letter in ROLES else world["province"].other_head
    cases = parse(API)
    results = {}
    operations, components = api_operations(), api_components()
    for key, operation in operations.items():
        method, path = key.split(" ", 1)
        body = cases[key].body if key in cases and cases[key].body is not None else None
        if body is None and "requestBody" in operation:
            content = operation["requestBody"]["content"]
            if "application/json" in content:
                body = example(content["application/json"]["schema"], components)
        names = api_params(path) | {n: n for n in re.findall(r'"@(\w+)"', json.dumps(body or {}))}
        for variant, kwargs in variants(world, user, names)[:1 if letter not in ROLES else 2]:
            url = path.format(**{k: v for k, v in kwargs.items() if k in path})
            filled = json.loads(re.sub(r'"@(\w+)"', lambda m, values=kwargs: json.dumps(values[m.group(1)]),
                                       json.dumps(body)))
            started = time.perf_counter()
            response = send(client, method, url, filled)
            TIMES[key] = TIMES.get(key, 0) + time.perf_counter() - started
            detail = response.content[:160].decode(errors="replace") if response.status_code == 422 else ""
            results[(key, variant)] = (outcome(response, key), response.status_code, detail)
    return results


# The tests ---------------------------------------------------------------------------------------------------

# Patterns that exist only with DEBUG (the development server's media files).
ONLY_WITH_DEBUG = {"^media/(?P<path>.*)$"}


def test_every_page_has_a_declared_expectation():
    declared, found = set(parse(PAGES)), set(url_patterns()) | ONLY_WITH_DEBUG
    assert not found - declared, f"pages without an expectation in PAGES: {sorted(found - declared)}"
    assert not declared - found, f"PAGES names pages that do not exist: {sorted(declared - found)}"


def test_every_api_operation_has_a_declared_expectation():
    declared, found = set(parse(API)), set(api_operations())
    assert not found - declared, f"API operations without an expectation in API: {sorted(found - declared)}"
    assert not declared - found, f"API names operations that do not exist: {sorted(declared - found)}"


def _mismatches(results, cases, letter):
    wrong = []
    for (key, variant), (got, status, location) in sorted(results.items()):
        case = cases.get(key)
        if case is None:
            continue  # reported by the declaration tests
        want = "ok" if letter in case.expected(variant) else "no"
        if got != want:
            wrong.append(f"{key} ({variant}): {status} {location}, expected {'through' if want == 'ok' else 'refused'}")
    return wrong


@pytest.mark.parametrize("letter", list(ROLES))
def test_each_role_gets_through_exactly_the_declared_pages(matrix, letter):
    wrong = _mismatches(page_results(matrix, letter), parse(PAGES), letter)
    assert not wrong, f"{ROLES[letter]}:\n" + "\n".join(wrong)


@pytest.mark.parametrize("letter", list(ROLES))
def test_each_role_gets_through_exactly_the_declared_api_operations(matrix, letter):
    wrong = _mismatches(api_results(matrix, letter), parse(API), letter)
    assert not wrong, f"{ROLES[letter]}:\n" + "\n".join(wrong)


def test_anonymous_visitors_are_sent_to_sign_in_or_refused(matrix):
    pages, api = page_results(matrix, "anonymous"), api_results(matrix, "anonymous")
    wrong = []
    for (name, variant), (got, status, location) in sorted(pages.items()):
        public = name in PUBLIC
        refused = got == "no" or (status == 302 and "/accounts/login/" in location)
        if not public and not refused:
            wrong.append(f"{name} ({variant}): {status} {location}, expected the sign-in page or a refusal")
        if public and got.startswith("!"):
            wrong.append(f"{name} ({variant}): {status}")
    for (key, variant), (got, status, _) in sorted(api.items()):
        public = key in PUBLIC_API
        if not public and status != 401:
            wrong.append(f"{key} ({variant}): {status}, expected 401")
        if public and got.startswith("!"):
            wrong.append(f"{key} ({variant}): {status}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.skipif(not os.environ.get("ACCESS_MATRIX_DISCOVER"), reason="prints the observed table")
def test_print_the_observed_table(matrix):
    """ACCESS_MATRIX_DISCOVER=1 pytest -s -k observed: the table as the code answers today (to review, not copy)."""
    world = matrix
    for results_of, table in ((page_results, PAGES), (api_results, API)):
        by_role = {letter: results_of(world, letter) for letter in ROLES}
        cases = parse(table)
        keys = sorted({k for r in by_role.values() for k in r})
        lines = {}
        for key, variant in sorted(keys, key=lambda kv: (kv[0], kv[1] != "own")):
            through = "".join(c for c in ROLES if by_role[c][(key, variant)][0] == "ok") or "-"
            odd = " ".join(f"{c}{by_role[c][(key, variant)][1]}{by_role[c][(key, variant)][2][:90]}" for c in ROLES
                           if by_role[c][(key, variant)][0].startswith("!")
                           or by_role[c][(key, variant)][1] in (400, 422))
            lines.setdefault(key, []).append((variant, through, odd))
        for key, rows in lines.items():
            method = cases[key].method if key in cases else "GET"
            own = rows[0][1]
            foreign = rows[1][1] if len(rows) > 1 else "="
            odd = " ".join(r[2] for r in rows if r[2])
            head = key if key.split()[0] in ("GET", "POST", "PUT", "PATCH", "DELETE") else f"{key} {method}"
            print(f"{head} {own} {foreign}" + (f"  # {odd}" if odd else ""))
    for key, seconds in sorted(TIMES.items(), key=lambda kv: -kv[1])[:25]:
        print(f"TIME {seconds:6.2f} {key}")

