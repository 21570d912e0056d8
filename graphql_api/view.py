"""The /graphql endpoint on every host.

Order of work for a request: size limit → who is calling (session or API key) and
whether they belong to the host's principal → CSRF for browser sessions → parse
with a token limit → validate (depth, aliases, introspection), both kept per query
text (graphql_api.core.documents) → execute (graphql_api.core.execution); a
mutation runs in one transaction, rolled back when it reports errors, and is
written to the audit log with its outcome (and, after a rollback, the rows it
kept past it: an import's upload row, graphql_api.core.audit).
"""

import json
import logging

from django.conf import settings
from django.db import connection, transaction
from django.http import HttpResponse, JsonResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.csrf import csrf_exempt
from graphene_django.views import GraphQLView
from graphql import ExecutionResult, GraphQLError, execute, get_operation_ast
from graphql.language import OperationType

from agency.identity.access import AccessRefused, actor_for_request
from agency.identity.services import audit_record
from graphql_api.api import schema
from graphql_api.core.audit import audit_kept_write, mutation_arguments
from graphql_api.core.cost import request_cost
from graphql_api.core.documents import documents
from graphql_api.core.error_codes import ErrorCode
from graphql_api.core.execution import GatewayExecutionContext
from graphql_api.core.suggestions import without_suggestions
from graphql_api.core.validation import variables_refused
from tenants.enqueue import QueueFailure, queue_failures_collected

log = logging.getLogger(__name__)

_csrf = CsrfViewMiddleware(lambda request: None)


def error_response(code: ErrorCode, message: str, status: int) -> JsonResponse:
    return JsonResponse(
        {"errors": [{"message": str(message), "extensions": {"code": code.value}}]},
        status=status, json_dumps_params={"ensure_ascii": False},
    )


def _api_key_from(request) -> str | None:
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if header:
        scheme, _sep, value = header.partition(" ")
        if scheme.lower() in ("bearer", "api-key"):
            return value.strip()
    return request.META.get("HTTP_X_API_KEY") or None


def authenticate(request) -> JsonResponse | None:
    """Set ``request.actor`` from the session or API key, or return the refusal to send."""
    api_key = _api_key_from(request)
    try:
        request.actor = actor_for_request(
            principal=_host_principal(request),
            user=getattr(request, "user", None) if api_key is None else None,
            api_key_plain=api_key,
        )
    except AccessRefused as refused:
        return error_response(refused.code, refused.message, refused.status)
    # A browser session (or anonymous login) must prove it came from our pages.
    if api_key is None and request.method == "POST" and _csrf.process_view(request, None, (), {}) is not None:
        return error_response(ErrorCode.CSRF_FAILED, _("Ошибка проверки CSRF."), 403)
    return None


def _host_principal(request):
    tenant = getattr(request, "tenant", None)
    if tenant is None or tenant.schema_name == "public":
        return None
    return tenant


def format_error(error: GraphQLError) -> dict:
    original = error.original_error
    code = (error.extensions or {}).get("code")
    if original is not None and not isinstance(original, GraphQLError):
        # An exception we did not anticipate: log it, tell the client nothing of its internals.
        log.error("unhandled error in resolver", exc_info=original)
        return {
            "message": _("Внутренняя ошибка сервера."),
            "path": error.path,
            "extensions": {"code": ErrorCode.INTERNAL_ERROR.value},
        }
    formatted = error.formatted
    formatted.setdefault("extensions", {})
    if not settings.GRAPHQL_INTROSPECTION:
        formatted["message"] = without_suggestions(formatted["message"])
    if code is None and "exceeds maximum operation depth" in error.message:
        code = ErrorCode.QUERY_TOO_DEEP.value  # graphene's depth rule reports no code of its own
    formatted["extensions"]["code"] = code or (
        ErrorCode.GRAPHQL_VALIDATION_FAILED.value if not error.path else ErrorCode.INVALID.value
    )
    return formatted


class _Answered(Exception):
    """An answer given before anything runs: a refusal, or the errors of a query that cannot run."""

    def __init__(self, response: dict):
        super().__init__()
        self.response = response


def _refused(code: ErrorCode, message: str) -> _Answered:
    return _Answered({"errors": [{"message": str(message), "extensions": {"code": code.value}}]})


def _request_refusal(payload) -> JsonResponse | None:
    """A batch out of bounds, or a request (the whole batch together) estimated too costly."""
    if isinstance(payload, list) and (not payload or len(payload) > settings.GRAPHQL_MAX_BATCH):
        return error_response(
            ErrorCode.TOO_MANY_OPERATIONS,
            _("В пакете от 1 до %(max)s операций.") % {"max": settings.GRAPHQL_MAX_BATCH},
            400,
        )
    # the whole batch together: limits per operation multiply with the batch size
    cost = request_cost(schema.graphql_schema, payload if isinstance(payload, list) else [payload])
    if cost > settings.GRAPHQL_MAX_COST:
        return error_response(
            ErrorCode.QUERY_TOO_COSTLY,
            _("Запрос слишком дорогой: оценка %(cost)s при пределе %(max)s (GRAPHQL_MAX_COST). Запросите меньше "
              "строк (first), меньше псевдонимов или операций в пакете.")
            % {"cost": cost, "max": settings.GRAPHQL_MAX_COST},
            400,
        )
    return None


def _too_large(request) -> bool:
    length = int(request.META.get("CONTENT_LENGTH") or 0)
    return length > settings.GRAPHQL_MAX_BODY_BYTES or len(request.body) > settings.GRAPHQL_MAX_BODY_BYTES


@method_decorator(csrf_exempt, name="dispatch")  # enforced below for session requests only
class GatewayView(View):
    http_method_names = ["get", "post", "options"]

    def dispatch(self, request, *args, **kwargs):
        if request.method == "GET" and settings.GRAPHQL_GRAPHIQL and "text/html" in request.headers.get("Accept", ""):
            return GraphQLView.as_view(graphiql=True, schema=schema)(request)
        if request.method not in ("GET", "POST"):
            return super().dispatch(request, *args, **kwargs)
        if _too_large(request):
            return error_response(ErrorCode.QUERY_TOO_LARGE, _("Слишком большой запрос."), 413)

        refused = authenticate(request)
        if refused is not None:
            return refused
        try:
            payload = self._payload(request)
        except ValueError as exc:
            return error_response(ErrorCode.INVALID, str(exc), 400)
        refused = _request_refusal(payload)
        if refused is not None:
            return refused

        if isinstance(payload, list):
            answer = [self._run(request, item) for item in payload]
        else:
            answer = self._run(request, payload)
        return HttpResponse(json.dumps(answer, default=str, ensure_ascii=False), content_type="application/json")

    @staticmethod
    def _payload(request):
        if request.method == "GET":
            data = {"query": request.GET.get("query"), "operationName": request.GET.get("operationName")}
            variables = request.GET.get("variables")
            data["variables"] = json.loads(variables) if variables else None
            return data
        try:
            data = json.loads(request.body or b"null")
        except json.JSONDecodeError as exc:
            raise ValueError(_("Тело запроса — не JSON.")) from exc
        if not isinstance(data, dict | list) or (isinstance(data, list) and not all(isinstance(d, dict) for d in data)):
            raise ValueError(_("Ожидается объект запроса GraphQL или их список."))
        return data

    def _run(self, request, data: dict) -> dict:
        try:
            document, operation = self._checked(request, data)
        except _Answered as answered:
            return answered.response
        variables = data.get("variables")
        request.mutation_error_codes = []
        request.audit_parties = []
        request.audits_kept = []  # rows written even when the mutation is rolled back (graphql_api.core.audit)
        options = {
            "context_value": request,
            "variable_values": variables,
            "operation_name": data.get("operationName"),
            "execution_context_class": GatewayExecutionContext,
        }
        refused: list[QueueFailure] = []
        if operation.operation == OperationType.MUTATION:
            result, refused = self._mutate(request, document, operation, variables, options)
        else:
            result = execute(schema.graphql_schema, document, **options)

        response: dict = {"data": result.data}
        if result.errors:
            response["errors"] = [format_error(e) for e in result.errors]
        if refused:
            self._queue_refused(response, refused)
        return response

    @staticmethod
    def _checked(request, data: dict):
        """The operation's document and definition, parsed and validated; ``_Answered`` when it cannot run."""
        query = data.get("query")
        variables = data.get("variables")
        if not isinstance(query, str) or not query.strip():
            raise _refused(ErrorCode.INVALID, _("Не передан текст запроса."))
        if variables is not None and not isinstance(variables, dict):
            raise _refused(ErrorCode.INVALID, _("Переменные запроса — объект JSON."))

        try:
            checked = documents.get(schema.graphql_schema, query)  # parsed and validated once per text and limits
        except GraphQLError as exc:
            code = ErrorCode.QUERY_TOO_LARGE if "tokens" in exc.message else ErrorCode.GRAPHQL_VALIDATION_FAILED
            raise _refused(code, exc.message) from exc

        operation = get_operation_ast(checked.document, data.get("operationName"))
        if operation is None:
            raise _refused(ErrorCode.INVALID, _("Не удалось определить операцию."))
        if operation.operation == OperationType.MUTATION and request.method != "POST":
            raise _refused(ErrorCode.INVALID, _("Изменения выполняются только методом POST."))

        if checked.errors:
            raise _Answered({"errors": [format_error(e) for e in checked.errors]})
        refused_input = variables_refused(operation, variables)  # NUL, lone surrogates: never reach the database
        if refused_input:
            raise _Answered({"errors": [format_error(e) for e in refused_input]})
        return checked.document, operation

    def _mutate(self, request, document, operation, variables, options: dict) -> tuple[ExecutionResult, list]:
        """Run a mutation in one transaction, rolled back when it reports errors, and write its audit row.

        Background work is sent when the mutation commits, after its answer was computed; what the broker
        refused, and the user should hear of, is returned with the result."""
        with queue_failures_collected() as refused, transaction.atomic():
            result: ExecutionResult = execute(schema.graphql_schema, document, **options)
            failed = bool(result.errors or request.mutation_error_codes)
            if failed:
                transaction.set_rollback(True)
        refused = [f for f in refused if f.tell_user]
        if refused:
            request.mutation_error_codes.append(ErrorCode.QUEUE_UNAVAILABLE.value)
        if failed:
            audit_kept_write(request, self._error_codes(request, result))
        self._audit(request, document, operation, variables, result, failed)
        return result, refused

    @staticmethod
    def _queue_refused(response: dict, refused: list) -> None:
        """Work the broker refused after the commit: its job rows are failed already (``tenants.enqueue``); the
        user is told in the mutation's typed errors, so the page shows the message and refreshes its lists,
        or at the top level when the payload's errors were not asked for."""
        messages = list(dict.fromkeys(f.message for f in refused))
        typed = [{"field": None, "message": m, "code": ErrorCode.QUEUE_UNAVAILABLE.value} for m in messages]
        payloads = [v for v in (response.get("data") or {}).values()
                    if isinstance(v, dict) and isinstance(v.get("errors"), list)]
        for payload in payloads:
            payload["errors"].extend(dict(e) for e in typed)
        if not payloads:
            response.setdefault("errors", []).extend(
                {"message": m, "extensions": {"code": ErrorCode.QUEUE_UNAVAILABLE.value}} for m in messages)

    @staticmethod
    def _error_codes(request, result: ExecutionResult) -> list[str]:
        codes = list(request.mutation_error_codes)
        for err in result.errors or []:
            codes.append((err.extensions or {}).get("code") or ErrorCode.INTERNAL_ERROR.value)
        return codes

    def _audit(self, request, document, operation, variables, result: ExecutionResult, failed: bool) -> None:
        codes = self._error_codes(request, result)
        fields, arguments = mutation_arguments(schema.graphql_schema, document, operation, variables)
        audit_record(
            actor=request.actor,
            schema_name=connection.schema_name,
            operation=operation.name.value if operation.name else "",
            fields=fields,
            variables=arguments,
            succeeded=not failed,
            error_codes=codes,
            client_ip=request.META.get("REMOTE_ADDR"),
            parties=list(getattr(request, "audit_parties", ())) if not failed else [],
        )
