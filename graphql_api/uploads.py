"""File uploads (multipart), beside /graphql and behind the same credentials.

On a principal's host (its staff and API keys, with the permission):
`POST /uploads/readings`, `POST /uploads/opening-balances` and `POST /uploads/own-receipts` take `file`
and `mode` (validate, all_or_nothing, good_rows; opening balances also `month`, YYYY-MM-01; own receipts
optionally `encoding`: auto, utf-8 or cp1251) and answer with the batch: its status and every error by
line and field. The batch can then be read through GraphQL (`importBatches`). The same file twice
changes nothing.
Own receipts (payments.manage, like `ownReceiptRecord`) are the money a principal collected itself: one row
per receipt with the account number, date paid (ДД.ММ.ГГГГ), amount, document number and optionally the
service code and a comment (tenants.receipts.own_import). A document already recorded (by its number and
date) is not posted again.
`GET /uploads/own-receipts/template` and `GET /uploads/readings/template` give an example CSV with the
header each import reads.

For agent staff (their session, on any host; the public one is theirs):
`POST /uploads/payment-registry` (`file`, `layout`: a preset of billing_core.registry_formats such as
sber_standard; `mode`: validate, all_or_nothing — the default — or good_rows, as payments.registry_import
says) and `POST /uploads/bank-statement` (`file`: a 1C client-bank statement, posted whole or refused whole)
answer with the import (`paymentImports` in GraphQL): its status, mode, counts and every error by line and
field. The same file twice posts nothing. A large registry may be sent
with `background=1`: it is stored and posted by a worker, and the answer is the queued import, whose
`phase` and outcome `paymentImports` shows.
`POST /uploads/payout-confirmation` (`file`: the bank's 1C statement of the agent's account) confirms the
exported payouts it shows and answers with what it confirmed and what did not match.
"""

from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.http import HttpResponse, JsonResponse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.csrf import csrf_exempt

from agency.identity.permissions import Perm
from agency.identity.services import audit_record
from graphql_api.core.error_codes import ErrorCode
from graphql_api.core.errors import errors_from_validation
from graphql_api.core.permissions import agent_staff_refusal
from graphql_api.view import authenticate, error_response
from tenants.billing.imports import opening_balances_import
from tenants.billing.readings import readings_import
from tenants.receipts.own_import import own_receipts_import, own_receipts_template

MAX_UPLOAD_BYTES = getattr(settings, "UPLOAD_MAX_BYTES", 20 * 1024 * 1024)
AGENT = "agent"  # the kind is for agent staff, not for a principal's permission
KINDS = {"readings": Perm.READINGS_MANAGE, "opening-balances": Perm.ACCOUNTS_MANAGE,
         "own-receipts": Perm.PAYMENTS_MANAGE,
         "payment-registry": AGENT, "bank-statement": AGENT, "payout-confirmation": AGENT}


def _batch_json(batch) -> dict:
    return {
        "id": batch.pk, "kind": batch.kind, "status": batch.status, "mode": batch.mode, "encoding": batch.encoding,
        "rowsTotal": batch.rows_total, "rowsLoaded": batch.rows_loaded, "errors": batch.errors,
    }


def _invalid(exc: ValidationError) -> JsonResponse:
    errors = [{**e, "code": e["code"].value} for e in errors_from_validation(exc)]
    return JsonResponse({"errors": errors}, status=400, json_dumps_params={"ensure_ascii": False})


def _audit(request, kind: str, filename: str, codes: list[str]) -> None:
    """Money-moving uploads are written to the audit log like mutations, with their outcome."""
    audit_record(actor=request.actor, schema_name=connection.schema_name, operation=f"upload:{kind}",
                 fields=[kind], variables={"filename": filename, "layout": request.POST.get("layout", "")},
                 succeeded=not codes, error_codes=[str(c) for c in codes], client_ip=request.META.get("REMOTE_ADDR"))


def _payment_import_json(imp) -> dict:
    summary = imp.summary or {}
    return {
        "id": imp.pk, "kind": imp.kind, "layout": imp.layout, "filename": imp.filename, "status": imp.status,
        "phase": imp.phase, "mode": imp.mode, "rowsRejected": summary.get("rejected", 0),
        "rowsTotal": imp.rows_total, "rowsPosted": imp.rows_posted, "amountTotal": str(imp.amount_total),
        "amountPosted": str(imp.amount_posted), "matched": summary.get("matched", 0),
        "ambiguous": summary.get("ambiguous", 0), "unmatched": summary.get("unmatched", 0),
        "duplicates": summary.get("duplicates", 0), "errors": imp.errors,
    }


def _confirm_json(report) -> dict:
    def document(d: dict) -> dict:
        return {"number": d["number"], "date": d["date"].isoformat() if d["date"] else None,
                "amount": str(d["amount"]), "payeeAccount": d["payee_account"], "line": d["line"]}

    return {
        "confirmed": report.confirmed, "already": report.already, "notInStatement": report.not_in_statement,
        "mismatches": [{"payoutId": m["payout_id"], "number": m["number"], "line": m["line"], "fields": m["fields"]}
                       for m in report.mismatches],
        "unknown": [document(d) for d in report.unknown],
    }


def _agent_upload(kind: str, data: bytes, filename: str, request) -> dict:
    """Run one of the agent's intake services on the file; a ValidationError propagates."""
    from agency.payments.intake.registry_import import registry_import
    from agency.payments.intake.statements import statement_import
    from agency.payments.payouts import payouts_confirm

    user = request.actor.user
    if kind == "payment-registry":
        layout = request.POST.get("layout", "").strip()
        mode = request.POST.get("mode", "").strip() or "all_or_nothing"
        if not layout:
            raise ValidationError({"layout": ValidationError(_("Укажите формат реестра."), code=ErrorCode.REQUIRED)})
        if request.POST.get("background", "") in ("1", "true"):
            from agency.payments.intake.tasks import registry_import_enqueue

            imp = registry_import_enqueue(data=data, filename=filename, layout_name=layout, user=user, mode=mode)
        else:
            imp = registry_import(data=data, filename=filename, layout_name=layout, user=user, mode=mode)
        return _payment_import_json(imp)
    if kind == "bank-statement":
        return _payment_import_json(statement_import(data=data, filename=filename, user=user))
    with transaction.atomic():
        return _confirm_json(payouts_confirm(statement=data, user=user))


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
        if KINDS[kind] == AGENT:
            refusal = agent_staff_refusal(actor)
            if refusal is not None:
                return error_response(*refusal, 403 if refusal[0] == ErrorCode.PERMISSION_DENIED else 400)
        elif actor.principal is None:
            return error_response(
                ErrorCode.PRINCIPAL_HOST_REQUIRED, _("Загрузка выполняется на адресе принципала."), 400
            )
        elif not actor.has_perm(KINDS[kind]):
            return error_response(ErrorCode.PERMISSION_DENIED, _("Недостаточно прав для этой операции."), 403)
        upload = request.FILES.get("file")
        if upload is None:
            return JsonResponse({"errors": [{"field": "file", "code": ErrorCode.REQUIRED.value,
                                             "message": _("Приложите файл.")}]}, status=400)
        mode = request.POST.get("mode", "validate")
        data = upload.read()
        if KINDS[kind] == AGENT:
            try:
                body = _agent_upload(kind, data, upload.name, request)
            except ValidationError as exc:
                response = _invalid(exc)
                _audit(request, kind, upload.name, [e["code"].value for e in errors_from_validation(exc)])
                return response
            _audit(request, kind, upload.name, [e["code"] for e in body.get("errors") or []])
            return JsonResponse(body, json_dumps_params={"ensure_ascii": False})
        try:
            if kind == "readings":
                batch = readings_import(data=data, filename=upload.name, mode=mode, user=actor.user)
            elif kind == "own-receipts":
                batch = own_receipts_import(data=data, filename=upload.name, mode=mode, user=actor.user,
                                            encoding=request.POST.get("encoding", "auto").strip().lower() or "auto")
            else:
                month = date.fromisoformat(request.POST.get("month", ""))
                batch = opening_balances_import(data=data, filename=upload.name, month=month, mode=mode,
                                                user=actor.user)
        except ValueError:
            return JsonResponse({"errors": [{"field": "month", "code": ErrorCode.INVALID.value,
                                             "message": _("Месяц — дата вида ГГГГ-ММ-01.")}]}, status=400)
        except ValidationError as exc:
            return _invalid(exc)
        return JsonResponse(_batch_json(batch), json_dumps_params={"ensure_ascii": False})


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
