"""The JSON API (django-ninja). Each app's ``api.py`` ``router`` is mounted here.

Authentication: a bearer token (``Authorization: Bearer dc_…``) issued on the
user's account page, or the browser session (with CSRF) for the pages' own
htmx calls. Every endpoint applies the same access helpers as the pages.
"""

from importlib import import_module
from importlib.util import find_spec

from django.apps import apps
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from ninja import NinjaAPI, Router, Swagger
from ninja.security import HttpBearer, django_auth

from diemcau import __version__
from diemcau.accounts import throttle
from diemcau.accounts.models import ApiToken
from diemcau.core import api_support
from diemcau.core.apps import DiemcauAppConfig


class TokenAuth(HttpBearer):
    def authenticate(self, request, token):
        throttle.bearer_check(request, token)
        user = ApiToken.authenticate(token)
        if user is None:
            throttle.bearer_failed(request, token)
        else:
            request.user = user
        return user




class DiemcauAPI(NinjaAPI):
    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        """The document lists the error answers of every operation (401, 403, 404, 422) and their body."""
        return api_support.document_errors(super().get_openapi_schema(path_prefix=path_prefix,
                                                                        path_params=path_params))


api = DiemcauAPI(
    title="Điểm Cầu API",
    version=__version__,
    description=str(_("Sites, devices, links and organisations of the province's conference system.")),
    auth=[TokenAuth(), django_auth],
    urls_namespace="api",
    docs_url="/docs",
    # Swagger UI from django-ninja's own static files ("ninja" is an installed app); no
    # online validator badge, which would ask validator.swagger.io about every spec.
    docs=Swagger(settings={"validatorUrl": None}),
)



@api.get("/", auth=None, include_in_schema=False)
def index(request):
    """What a person or a monitoring script finds at /api/v1/: where the documentation is."""
    return {"name": "Điểm Cầu API", "version": __version__, "docs": "/api/v1/docs",
            "openapi": "/api/v1/openapi.json"}


# Every error is JSON with a documented status: see diemcau/core/api_support.py.
api_support.install(api)


for config in apps.get_app_configs():
    if isinstance(config, DiemcauAppConfig) and find_spec(f"{config.name}.api") is not None:
        module = import_module(f"{config.name}.api")
        router = getattr(module, "router", None)
        if router is not None:
            api.add_router(getattr(module, "prefix", f"/{config.label}/"), router)


# Last, after every app's router: any other path under /api/v1/ (or an id that is not a number) is a 404
# in the API's JSON, without going through the HTML error pages.
fallback = Router()


@fallback.api_operation(["GET", "POST", "PUT", "PATCH", "DELETE"], "/{path:rest}", auth=None,
                        include_in_schema=False)
def no_such_endpoint(request, rest: str):
    raise Http404


api.add_router("/", fallback)
