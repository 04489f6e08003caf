"""Root URLs. Each app's ``urls.py`` is mounted at its ``url_prefix`` (see core.apps)."""

from importlib import import_module
from importlib.util import find_spec

from django.apps import apps
from django.conf import settings
from django.conf.urls.static import static
from django.urls import include, path
from django.views.generic import RedirectView

from diemcau.api import api
from diemcau.core.apps import DiemcauAppConfig

urlpatterns = [
    path("", include("diemcau.core.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", api.urls),
    path("api/docs", RedirectView.as_view(url="/api/v1/docs", permanent=False)),
]

for config in apps.get_app_configs():
    mounted = isinstance(config, DiemcauAppConfig) and config.url_prefix is not None
    if mounted and find_spec(f"{config.name}.urls") is not None:
        module = import_module(f"{config.name}.urls")
        prefix = f"{config.url_prefix}/" if config.url_prefix else ""
        urlpatterns.append(path(prefix, include((module, config.label), namespace=config.label)))

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

# Errors: the application's pages (templates/400.html …), JSON under /api/ without touching a template.
handler400 = "diemcau.core.error_views.bad_request"
handler403 = "diemcau.core.error_views.permission_denied"
handler404 = "diemcau.core.error_views.page_not_found"
handler500 = "diemcau.core.error_views.server_error"
