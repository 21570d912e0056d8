"""Payment gateways' webhooks: ``POST /webhooks/stripe`` on the agent's public host.

No session, no CSRF (the gateway is not a browser; the signature is the authentication). A delivery
whose signature does not verify is answered 400 and nothing is stored. A verified event is stored
under its id and handled at once (a few statements); the answer is 200 when it is handled or was
handled before, and 500 when handling failed: the event is kept FAILED with its error, and the
gateway's own retries (Stripe retries for three days) deliver it again to be handled again.
"""

import logging

from django.http import Http404, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from agency.payments.models import EventStatus
from agency.payments.online.gateways import GatewayError, SignatureError
from agency.payments.online.services import gateway_webhook_receive

log = logging.getLogger(__name__)


def _receive(request, gateway_name: str) -> JsonResponse:
    tenant = getattr(request, "tenant", None)
    if tenant is None or tenant.schema_name != "public":
        raise Http404  # principals' hosts do not take the agent's money
    try:
        event = gateway_webhook_receive(gateway_name=gateway_name, payload=request.body, headers=request.headers)
    except SignatureError as exc:
        log.warning("%s webhook refused: %s", gateway_name, exc)
        return JsonResponse({"error": "signature"}, status=400)
    except GatewayError as exc:
        log.warning("%s webhook refused: %s", gateway_name, exc)
        return JsonResponse({"error": "malformed"}, status=400)
    if event.status == EventStatus.FAILED:
        return JsonResponse({"id": event.event_id, "status": event.status}, status=500)
    return JsonResponse({"id": event.event_id, "status": event.status})


@csrf_exempt
@require_POST
def stripe_webhook(request):
    return _receive(request, "stripe")
