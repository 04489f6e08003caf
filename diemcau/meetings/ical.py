"""iCalendar feeds (RFC 5545, ``icalendar`` package): a user's meetings, or one site's.

A calendar app cannot sign in, so each feed has a secret address
(``CalendarFeed.key``); the feed applies the access rules of the user who
made it at every read, and stops working when it is revoked or the user is
deactivated. Each meeting is one event with a stable UID; a cancelled
meeting stays in the feed as CANCELLED so calendars remove it.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override
from icalendar import Alarm, Calendar, Event

from diemcau.meetings import access
from diemcau.meetings import checklist as cl
from diemcau.meetings.models import Meeting

PAST_DAYS = 60


def feed_meetings(feed, now=None):
    now = now or timezone.now()
    qs = access.meetings_for_user(feed.user).filter(ends_at__gte=now - dt.timedelta(days=PAST_DAYS))
    if feed.site_id:
        qs = qs.filter(participations__site_id=feed.site_id, participations__removed_at__isnull=True)
    return qs.select_related("host_site", "platform").order_by("starts_at")


def render(feed, now=None) -> bytes:
    with override(settings.LANGUAGE_CODE):
        calendar = Calendar()
        calendar.add("prodid", "-//Diem Cau//Meetings//VI")
        calendar.add("version", "2.0")
        calendar.add("x-wr-calname", _("Meetings — %(name)s") % {
            "name": feed.site.name if feed.site_id else (feed.user.get_full_name() or feed.user.username)})
        calendar.add("x-wr-timezone", settings.TIME_ZONE)
        for meeting in feed_meetings(feed, now):
            calendar.add_component(event(meeting))
        return calendar.to_ical()


def event(meeting: Meeting) -> Event:
    base = settings.SITE_URL.rstrip("/")
    item = Event()
    item.add("uid", f"meeting-{meeting.pk}@diemcau")
    item.add("dtstamp", timezone.now())
    item.add("dtstart", meeting.starts_at)
    item.add("dtend", meeting.ends_at)
    item.add("summary", meeting.title)
    item.add("location", meeting.host_site.name)
    item.add("url", base + meeting.get_absolute_url())
    lines = [_("Pre-meeting check due at %(at)s.") % {"at": cl.local(meeting.due_at)}]
    if meeting.platform_id:
        lines.append(_("Platform: %(name)s") % {"name": meeting.platform.name})
    if meeting.dial_in:
        lines.append(meeting.dial_in)
    lines.append(base + meeting.get_absolute_url())
    item.add("description", "\n".join(lines))
    item.add("status", "CANCELLED" if meeting.is_cancelled else "CONFIRMED")
    item.add("sequence", 1 if meeting.is_cancelled else 0)
    if meeting.is_important:
        item.add("priority", 1)
    if not meeting.is_cancelled:
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", _("Pre-meeting check due"))
        alarm.add("trigger", meeting.due_at - meeting.starts_at - dt.timedelta(minutes=30))
        item.add_component(alarm)
    return item
