"""File uploads (multipart), beside /graphql and behind the same credentials: a file is stored, not imported.

`POST /uploads/<kind>` takes `file` (the kinds below) from whoever may call /graphql on that host (session with
CSRF, or an API key), checks the size cap and answers `{"key": "…"}`. The import is then started by the kind's
GraphQL mutation with that key (graphql_api.imports): it checks the permission, runs the import in its mode,
writes the audit entry and answers the typed import node and typed errors.

Kinds and their mutations: `readings` (readingsImport), `opening-balances` (openingBalancesImport),
`own-receipts` (ownReceiptsImport), on a principal's host; `payment-registry` (paymentRegistryImport),
`bank-statement` (bankStatementImport), `payout-confirmation` (payoutConfirmationImport), for agent staff on
the agent's host.

A key is random (192 bits) and stored under the caller's scope (the host's schema and the user or API key), so
it names nothing for anyone else: another principal's staff, another user of the same principal or another API
key find no file under it. It is taken once (the first mutation that reads it deletes it) and expires after
`UPLOAD_KEY_SECONDS` (one hour by default); an object left behind is only ever read by its own caller, and the
periodic purge (graphql_api.imports.tasks, every 15 minutes) deletes it once expired. A refused import keeps its
audit row (kind, file name, codes) past the mutation's rollback.

`GET /uploads/own-receipts/template` and `GET /uploads/readings/template` give an example CSV with the header
each import reads.
"""

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.csrf import csrf_exempt

from graphql_api.core.error_codes import ErrorCode
from graphql_api.imports.staged import staged_file_store
from graphql_api.view import authenticate, error_response
from tenants.receipts.own_import import own_receipts_template

MAX_UPLOAD_BYTES = getattr(settings, "UPLOAD_MAX_BYTES", 20 * 1024 * 1024)
KINDS = ("readings", "opening-balances", "own-receipts", "payment-registry", "bank-statement", "payout-confirmation")


def _refusal(actor):
    """Why the caller may not store a file here, or None (only whom an import could ever be for)."""
    if not actor.is_authenticated:
        return error_response(ErrorCode.UNAUTHENTICATED, _("Требуется вход в систему."), 401)
    if not (actor.is_agent_staff or actor.perms):
        return error_response(ErrorCode.PERMISSION_DENIED, _("Недостаточно прав для этой операции."), 403)
    return None


def _too_large():
    return error_response(ErrorCode.QUERY_TOO_LARGE, _("Файл слишком большой."), 413)


@method_decorator(csrf_exempt, name="dispatch")  # enforced in authenticate() for session requests
class UploadView(View):
    http_method_names = ["post"]

    def post(self, request, kind: str):
        if kind not in KINDS:
            return error_response(ErrorCode.NOT_FOUND, _("Неизвестный вид загрузки."), 404)
        if int(request.META.get("CONTENT_LENGTH") or 0) > MAX_UPLOAD_BYTES:
            return _too_large()
        refused = authenticate(request) or _refusal(request.actor)
        if refused is not None:
            return refused
        upload = request.FILES.get("file")
        if upload is None:
            return JsonResponse({"errors": [{"field": "file", "code": ErrorCode.REQUIRED.value,
                                             "message": _("Приложите файл.")}]}, status=400)
        if upload.size > MAX_UPLOAD_BYTES:
            return _too_large()
        key = staged_file_store(actor=request.actor, kind=kind, filename=upload.name, data=upload.read())
        return JsonResponse({"key": key})


def _readings_template() -> bytes:
    return "Заводской номер;Зона;Показание;Дата\n000000001;1;123,45;25.01.2026\n".encode("utf-8-sig")


TEMPLATES = {"own-receipts": ("own-receipts.csv", own_receipts_template),
             "readings": ("readings.csv", _readings_template)}


def upload_template(request, kind: str):
    """An example file for an upload (header and one made-up row); it holds no data, so it asks for no login."""
    if request.method != "GET" or kind not in TEMPLATES:
        return error_response(ErrorCode.NOT_FOUND, _("Нет образца для этого вида загрузки."), 404)
    filename, build = TEMPLATES[kind]
    response = HttpResponse(build(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
