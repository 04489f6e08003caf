"""The client's address as the server can trust it.

Behind the documented nginx (``PROXY_COUNT=1``), ``REMOTE_ADDR`` is the
proxy; the client is the entry that proxy appended to ``X-Forwarded-For``
(the right-most one, counted from the end by the number of trusted proxies).
Entries further left were written by the client and are never trusted.
"""

import ipaddress

from django.conf import settings


def client_ip(request) -> str | None:
    remote = request.META.get("REMOTE_ADDR") or None
    hops = settings.PROXY_COUNT
    if hops > 0:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= hops:
            remote = forwarded[-hops]
    try:
        return str(ipaddress.ip_address(remote)) if remote else None
    except ValueError:
        return None
