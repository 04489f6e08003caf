"""The API's error conventions: every error is JSON with a documented status.

Every error answer has one shape, ``{"detail": "...", "errors": {field: [messages]}}``
(``errors`` only for 422), and every operation of the OpenAPI document lists
400, 401, 403, 404 and 422 with it:

- **400** the body is not JSON at all;
- **401** no valid bearer token (or session);
- **403** the object is visible to the user but not theirs to change: raise
  ``PermissionDenied`` (the access helpers do) or ``HttpError(403, _("…"))``;
- **404** the object does not exist or is not visible: raise ``Http404`` (the
  access helpers do), or let a path that does not match answer it;
- **429** too many invalid tokens from one address (``accounts.throttle``);
- **422** the input is wrong: a body, query or path that does not fit the
  schema (ninja), a model's ``ValidationError`` (the same ``clean()`` the
  forms use), or ``HttpError(422, _("field: why"))``.

Anything answered by Django itself under ``/api/`` (an unknown path, a
method the path does not have, a body above the upload limit) is turned
into the same JSON by ``core.middleware.ApiErrorsAsJson``. Lists page with
``Pagination`` (``limit`` 1–1000, ``offset`` up to a billion): values
beyond those answer 422, never a database overflow.
"""

import datetime as dt
import re
from http import HTTPStatus
from typing import Annotated

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as ModelValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Field, Schema
from ninja.errors import ValidationError as InputValidationError
from ninja.pagination import LimitOffsetPagination
from pydantic import AfterValidator, BeforeValidator
from pydantic_core import PydanticCustomError

MAX_LIMIT = 1000
MAX_OFFSET = 10**9

ERROR_STATUSES = {
    400: "The body cannot be read (not JSON, or not UTF-8).",
    401: "Not authenticated: no valid bearer token (Authorization: Bearer dc_…) or session.",
    403: "Forbidden: the object is visible to you but not yours to change.",
    404: "Not found, or not visible to you.",
    422: "The input is invalid; `errors` lists the reasons by field.",
    429: "Too many invalid tokens from this address: wait, then try again.",
}


class ErrorOut(Schema):
    """The body of every error answer."""

    detail: str
    errors: dict[str, list[str]] | None = None


class Pagination(LimitOffsetPagination):
    """``limit``/``offset`` paging with bounds, so a huge number answers 422 instead of overflowing."""

    class Input(Schema):
        limit: int = Field(100, ge=1, le=MAX_LIMIT)
        offset: int = Field(0, ge=0, le=MAX_OFFSET)


_ISO_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}")


def _iso_datetime(value):
    """Only an ISO 8601 date and time (a number is not one: pydantic would read it as seconds since 1970)."""
    if isinstance(value, dt.datetime) or (isinstance(value, str) and _ISO_DATETIME.match(value.strip())):
        return value
    raise PydanticCustomError(
        "datetime_iso", str(_("a date and time in ISO 8601 is expected, such as 2026-03-16T07:30:00+07:00")))


def _iso_date(value):
    if isinstance(value, dt.date) or (isinstance(value, str) and _ISO_DATE.fullmatch(value.strip())):
        return value
    raise PydanticCustomError("date_iso", str(_("a date in ISO 8601 is expected, such as 2026-03-16")))


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")

def _in_utc(value: dt.datetime) -> dt.datetime:
    """The same instant in UTC (a naive time is the province's): PostgreSQL refuses offsets beyond
    ±15:59 that ISO 8601 allows (``+16:42``), and a time near year 1 or 9999 may not exist in UTC."""
    from django.utils import timezone

    try:
        if timezone.is_naive(value):
            value = timezone.make_aware(value)
        return value.astimezone(dt.UTC)
    except (OverflowError, ValueError):
        raise PydanticCustomError("datetime_range", str(_("this date and time is out of range"))) from None


# A date and time (or a date) in a query or a body: ISO 8601 text only, a clear 422 for anything else.
IsoDatetime = Annotated[dt.datetime, BeforeValidator(_iso_datetime), AfterValidator(_in_utc)]
IsoDate = Annotated[dt.date, BeforeValidator(_iso_date)]


def error_body(detail, errors: dict | None = None) -> dict:
    body = {"detail": str(detail)}
    if errors:
        body["errors"] = {str(k): [str(m) for m in v] for k, v in errors.items()}
    return body


def status_detail(status: int) -> str:
    """The plain reason of a status (for answers that carry no message of their own)."""
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def install(api) -> None:
    """Register the error handlers on the NinjaAPI ``api``."""

    @api.exception_handler(PermissionDenied)
    def forbidden(request, exc):
        return api.create_response(request, error_body(str(exc) or _("You may see this, but not change it.")),
                                   status=403)

    @api.exception_handler(Http404)
    def not_found(request, exc):
        return api.create_response(request, error_body(_("Not found.")), status=404)

    @api.exception_handler(ModelValidationError)
    def invalid_object(request, exc):
        errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
        detail = "; ".join(f"{field}: {' '.join(messages)}" for field, messages in errors.items())
        return api.create_response(request, error_body(detail, errors), status=422)

    @api.exception_handler(InputValidationError)
    def invalid_input(request, exc):
        errors = {}
        for error in exc.errors:
            location = [str(part) for part in error.get("loc", ())]
            field = ".".join(location[1:]) or (location[0] if location else "__all__")
            errors.setdefault(field, []).append(str(error.get("msg", "")))
        detail = "; ".join(f"{field}: {' '.join(messages)}" for field, messages in errors.items())
        return api.create_response(request, error_body(detail, errors), status=422)


def document_errors(schema: dict) -> dict:
    """Add the error statuses and their body to every operation of an OpenAPI document.

    Also: a query parameter is a string or absent, never JSON ``null``; ``x: str | None = None`` is
    documented as an optional string, which is what a client can send.
    """
    for path in schema.get("paths", {}).values():
        for operation in path.values():
            for parameter in operation.get("parameters", []) if isinstance(operation, dict) else []:
                if parameter.get("in") == "query":
                    parameter["schema"] = _not_null(parameter.get("schema", {}))
    schemas = schema.setdefault("components", {}).setdefault("schemas", {})
    schemas["Error"] = ErrorOut.model_json_schema(ref_template="#/components/schemas/{model}")
    for path in schema.get("paths", {}).values():
        for operation in path.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            for status, description in ERROR_STATUSES.items():
                operation["responses"].setdefault(str(status), {"description": description})
                answer = operation["responses"][str(status)]
                answer.setdefault("content", {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}})
    return schema


def _not_null(spec: dict) -> dict:
    options = spec.get("anyOf")
    if not options or not any(o.get("type") == "null" for o in options):
        return spec
    rest = [o for o in options if o.get("type") != "null"]
    kept = {k: v for k, v in spec.items() if k not in ("anyOf", "default")}
    kept.update(rest[0] if len(rest) == 1 else {"anyOf": rest})
    if spec.get("default") is not None:
        kept["default"] = spec["default"]
    return kept
