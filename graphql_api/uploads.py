"""File uploads (multipart), beside /graphql and behind the same credentials.

`POST /uploads/readings` and `POST /uploads/opening-balances` take `file` and `mode`
(validate, all_or_nothing, good_rows; opening balances also `month`, YYYY-MM-01) and
answer with the batch: its status and every error by line and field. The batch can then
be read through GraphQL (`importBatches`). The same file twice changes nothing.
"""

from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.csrf import csrf_exempt

from billing_core.error_codes import ErrorCode
from graphql_api.core.errors import errors_from_validation
from graphql_api.view import authenticate, error_response
from identity.permissions import Perm
from tenants.billing.imports import opening_balances_import
from tenants.billing.readings import readings_import

MAX_UPLOAD_BYTES = getattr(settings, "UPLOAD_MAX_BYTES", 20 * 1024 * 1024)
KINDS = {"readings": Perm.READINGS_MANAGE, "opening-balances": Perm.ACCOUNTS_MANAGE}


def _batch_json(batch) -> dict:
    return {
        "id": batch.pk, "kind": batch.kind, "status": batch.status, "mode": batch.mode, "encoding": batch.encoding,
        "rowsTotal": batch.rows_total, "rowsLoaded": batch.rows_loaded, "errors": batch.errors,
    }


@method_decorator(csrf_exempt, name="dispatch")  # enforced in authenticate() for session requests
class UploadView(View):
    http_method_names = ["post"]

    def post(self, request, kind: str):
        if kind not in KINDS:
            return error_response(ErrorCode.NOT_FOUND, _("Неизвестный вид загрузки."), 404)
        if int(request.META.get("CONTENT_LENGTH") or 0) > MAX_UPLOAD_BYTES:
            return error_response(ErrorCode.QUERY_TOO_LARGE, _("Файл слишком большой."), 413)
        refused = authenticate(request)
        if refused is not None:
            return refused
        actor = request.actor
        if not actor.is_authenticated:
            return error_response(ErrorCode.UNAUTHENTICATED, _("Требуется вход в систему."), 401)
        if actor.principal is None:
            return error_response(
                ErrorCode.PRINCIPAL_HOST_REQUIRED, _("Загрузка выполняется на адресе принципала."), 400
            )
        if not actor.has_perm(KINDS[kind]):
            return error_response(ErrorCode.PERMISSION_DENIED, _("Недостаточно прав для этой операции."), 403)
        upload = request.FILES.get("file")
        if upload is None:
            return JsonResponse({"errors": [{"field": "file", "code": ErrorCode.REQUIRED.value,
                                             "message": _("Приложите файл.")}]}, status=400)
        mode = request.POST.get("mode", "validate")
        data = upload.read()
        try:
            if kind == "readings":
                batch = readings_import(data=data, filename=upload.name, mode=mode, user=actor.user)
            else:
                month = date.fromisoformat(request.POST.get("month", ""))
                batch = opening_balances_import(data=data, filename=upload.name, month=month, mode=mode,
                                                user=actor.user)
        except ValueError:
            return JsonResponse({"errors": [{"field": "month", "code": ErrorCode.INVALID.value,
                                             "message": _("Месяц — дата вида ГГГГ-ММ-01.")}]}, status=400)
        except ValidationError as exc:
            errors = [{**e, "code": e["code"].value} for e in errors_from_validation(exc)]
            return JsonResponse({"errors": errors}, status=400, json_dumps_params={"ensure_ascii": False})
        return JsonResponse(_batch_json(batch), json_dumps_params={"ensure_ascii": False})
