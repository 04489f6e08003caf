"""Vietnamese first: the browser's Accept-Language is not asked.

Django's LocaleMiddleware would show English to anyone whose browser is set
to English; the province wants Vietnamese unless the user chose otherwise
with the language switch (which sets the language cookie).
"""

from django.conf import settings
from django.utils import translation


class LanguageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.supported = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in self.supported else settings.LANGUAGE_CODE
        request.LANGUAGE_CODE = language
        # override() restores the thread's previous language afterwards, so
        # nothing leaks into whatever this thread runs next.
        with translation.override(language):
            response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response


class ApiErrorsAsJson:
    """Under ``/api/``, an error Django answers itself (an unknown path, a method the path does not have,
    a body above the upload limit, a server error) is JSON in the API's shape too.

    The API's own errors already are (``core.api_support``); this catches
    what never reaches it, so a client never has to parse an HTML page.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (request.path.startswith("/api/") and response.status_code >= 400
                and not response.get("Content-Type", "").startswith("application/json")
                and not getattr(response, "streaming", False)):
            return self._as_json(response)
        return response

    @staticmethod
    def _as_json(response):
        from django.http import JsonResponse

        from diemcau.core.api_support import error_body, status_detail

        answer = JsonResponse(error_body(status_detail(response.status_code)), status=response.status_code)
        for header in ("Allow", "Retry-After", "WWW-Authenticate"):
            if header in response:
                answer[header] = response[header]
        return answer


class ApiRefusesNul:
    """Under ``/api/``, a NUL character in a query parameter or anywhere in a JSON body is a 422
    naming the field, before any view runs: PostgreSQL cannot hold it in text, and a filter or a
    save with it would otherwise fail in the database as a server error."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith("/api/"):
            fields = [key for key, values in request.GET.lists() if "\x00" in key or any("\x00" in v for v in values)]
            if request.content_type == "application/json" and b"\\u0000" in _body(request):
                fields += _nul_fields(request.body)
            if fields:
                return self._refuse(fields)
        return self.get_response(request)

    @staticmethod
    def _refuse(fields):
        from django.http import JsonResponse
        from django.utils.translation import gettext as _

        from diemcau.core.api_support import error_body

        message = _("a NUL character (\\u0000) is not allowed")
        errors = {field.replace("\x00", "\\u0000"): [message] for field in fields}
        detail = "; ".join(f"{field}: {message}" for field in errors)
        return JsonResponse(error_body(detail, errors), status=422)


def _body(request) -> bytes:
    """The body, or nothing when it is over the size Django reads: the view refuses it with its own 413."""
    from django.core.exceptions import RequestDataTooBig

    try:
        return request.body
    except RequestDataTooBig:
        return b""


def _nul_fields(body: bytes) -> list[str]:
    import json

    try:
        data = json.loads(body)
    except ValueError:
        return []  # not JSON: the API answers 400 itself
    found = []

    def walk(value, path):
        if isinstance(value, str):
            if "\x00" in value:
                found.append(path)
        elif isinstance(value, dict):
            for key, item in value.items():
                walk(key, path)
                walk(item, f"{path}.{key}")
        elif isinstance(value, list):
            for index, item in enumerate(value):
                walk(item, f"{path}.{index}")

    walk(data, "payload")
    return list(dict.fromkeys(found))
