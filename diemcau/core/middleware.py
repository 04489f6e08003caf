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
