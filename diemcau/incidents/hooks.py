"""Where the incidents app meets apps that are still being written.

``current_meeting_for_site`` asks the meetings app for the meeting in
progress at the site (an object with ``__str__`` and an ``is_important``
attribute) or ``None``: an incident reported during an important meeting
runs on the 24/7 clock and names the meeting.

``request_verdict`` asks the standards engine to reclassify a site after its
incident history changed.
"""

import logging

from diemcau.meetings.services import current_meeting_for_site as _current_meeting
from diemcau.standards.services import request_verdict_recompute

log = logging.getLogger(__name__)


def current_meeting_for_site(site):
    """The meeting in progress at ``site``, or ``None``."""
    return _current_meeting(site)


def request_verdict(site_id: int) -> None:
    """Tell the standards engine the site's incident history changed."""
    try:
        request_verdict_recompute([site_id])
    except Exception:  # the verdict is advisory: an incident must never fail because of it
        log.exception("Could not request a verdict recompute for site %s", site_id)
