"""The agents' upload endpoint: ``POST /api/v1/agent/results`` (contract in ``agent/schema/``).

The router is mounted at ``/api/v1/agent/`` (``prefix``) because the agents
already in the field post there. Agents sign with their site token, not with
a user's API token, so the router carries its own authentication. The
quality figures people read are pages (``monitoring:site``, the board) and
``/monitoring/metrics``; this router holds only what agents call.
"""

from django.core.exceptions import RequestDataTooBig
from django.http import JsonResponse
from django.utils.translation import gettext as _
from ninja import Router
from ninja.security import HttpBearer

from diemcau.accounts import throttle
from diemcau.monitoring import contract, ingest, meeting_hints
from diemcau.monitoring.models import AgentToken

prefix = "/agent/"


class AgentTokenAuth(HttpBearer):
    """``Authorization: Bearer dca_…``: the site's agent token (hashed, revocable)."""

    def authenticate(self, request, token):
        throttle.bearer_check(request, token)
        agent = AgentToken.authenticate(token)
        if agent is None:
            throttle.bearer_failed(request, token)
        return agent


router = Router(tags=["agent"], auth=AgentTokenAuth())


RESULTS_BODY = {
    "required": True,
    # The contract the agent ships (agent/schema), the one the server validates each result against.
    "content": {"application/json": {"schema": contract.openapi_body()}},
}


@router.post("/results", summary="Upload a batch of measurement results", response={200: dict, 400: dict, 413: dict},
             openapi_extra={"requestBody": RESULTS_BODY})
def results(request):
    """Store a batch. Each result is accepted or rejected with its reason; a resend is harmless."""
    try:
        body = request.body
    except RequestDataTooBig:
        return JsonResponse({"detail": _("The batch is too large: send fewer results at a time.")}, status=413)
    try:
        payload = ingest.decode(body)
    except (UnicodeDecodeError, ValueError):
        return JsonResponse({"detail": _("The body is not JSON.")}, status=400)
    token = request.auth
    try:
        answer = ingest.store_batch(token, payload)
    except ingest.TooLarge as exc:
        return JsonResponse({"detail": str(exc)}, status=413)
    except ingest.Invalid as exc:
        return JsonResponse({"detail": str(exc)}, status=400)
    answer.update(meeting_hints.hints_for_token(token))
    return answer
