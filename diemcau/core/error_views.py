"""Django's error handlers: the application's own pages, or JSON under ``/api/``.

An API client never gets the HTML page, and the answer does not depend on
the page's templates or static files: a path the URL patterns cannot even
match (``/api/v1/incidents/1/%0A``, a newline) is a JSON 404 on a server
whose static files are not collected yet as much as on any other.
"""

from django.views import defaults


def _api(request) -> bool:
    return request.path.startswith("/api/")


def _json(status: int):
    from django.http import JsonResponse

    from diemcau.core.api_support import error_body, status_detail

    return JsonResponse(error_body(status_detail(status)), status=status)


def bad_request(request, exception):
    return _json(400) if _api(request) else defaults.bad_request(request, exception)


def permission_denied(request, exception):
    return _json(403) if _api(request) else defaults.permission_denied(request, exception)


def page_not_found(request, exception):
    return _json(404) if _api(request) else defaults.page_not_found(request, exception)


def server_error(request):
    return _json(500) if _api(request) else defaults.server_error(request)
