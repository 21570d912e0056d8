"""Small views of the site itself, and the error pages.

The error pages are Russian and say nothing of the server: no settings, no traceback, no host name or path
beyond what the visitor typed. API paths (GraphQL, uploads) answer errors as JSON in the GraphQL error shape.
"""

from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.template import loader
from django.utils.translation import gettext as _
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_GET

from agency.site.http_errors import HttpErrorCode
from billing_core.error_codes import ErrorCode

# paths whose clients read JSON, not pages
API_PREFIXES = ("/graphql", "/uploads/")


@require_GET
@ensure_csrf_cookie
def csrf(request):
    """Sets the CSRF cookie for a browser client before its first mutation."""
    return JsonResponse({"ok": True})


@require_GET
def health(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def is_api_request(request) -> bool:
    return request.path.startswith(API_PREFIXES)


def api_error(code: ErrorCode | HttpErrorCode, message: str, status: int) -> JsonResponse:
    return JsonResponse({"errors": [{"message": str(message), "extensions": {"code": code.value}}]}, status=status,
                        json_dumps_params={"ensure_ascii": False})


def _page(status: int, title: str, text: str) -> HttpResponse:
    # rendered without the request's context processors: an error page must not depend on the database or session
    html = loader.get_template("agentsite/error.html").render({"status": status, "title": title, "text": text})
    return HttpResponse(html, status=status, content_type="text/html; charset=utf-8")


def bad_request(request, exception=None):
    if is_api_request(request):
        return api_error(ErrorCode.INVALID, _("Неверный запрос."), 400)
    return _page(400, _("Неверный запрос"), _("Сервер не может обработать этот запрос. Проверьте адрес страницы."))


def permission_denied(request, exception=None):
    if is_api_request(request):
        return api_error(ErrorCode.PERMISSION_DENIED, _("Доступ запрещён."), 403)
    return _page(403, _("Доступ запрещён"), _("У вас нет доступа к этой странице."))


def page_not_found(request, exception=None):
    if is_api_request(request):
        return api_error(ErrorCode.NOT_FOUND, _("Не найдено."), 404)
    return _page(404, _("Страница не найдена"),
                 _("По этому адресу ничего нет. Проверьте адрес или начните с главной страницы."))


def server_error(request):
    if is_api_request(request):
        return api_error(HttpErrorCode.INTERNAL_ERROR, _("Внутренняя ошибка сервера."), 500)
    return _page(500, _("Ошибка на сервере"),
                 _("Не удалось выполнить запрос. Мы уже знаем об ошибке; попробуйте повторить позже."))


def csrf_failure(request, reason=""):
    """CSRF_FAILURE_VIEW: the reason goes to the log (Django logs it), not to the visitor."""
    if is_api_request(request):
        return api_error(HttpErrorCode.CSRF_FAILED, _("Ошибка проверки CSRF."), 403)
    return _page(403, _("Доступ запрещён"),
                 _("Не удалось проверить, что запрос отправлен с нашей страницы. Обновите страницу и повторите."))
