"""The web front end's page: Vite's built index.html with the host's settings injected.

Every path that is not an API path returns this page, and the single-page application routes in the
browser. Principal hosts get the principal portal, the agent's host the residents' cabinet and the back
office; the page says which, so the script bundle is the same everywhere and cacheable.
"""

import json
from pathlib import Path

from django.conf import settings
from django.http import HttpResponse
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_GET
from django_tenants.utils import get_public_schema_name

_cache: dict[Path, tuple[float, str]] = {}


def _index_html() -> str | None:
    path = Path(settings.FRONTEND_DIST) / "index.html"
    try:
        mtime = path.stat().st_mtime
    except FileNotFoundError:
        return None
    cached = _cache.get(path)
    if cached is None or cached[0] != mtime:
        cached = (mtime, path.read_text(encoding="utf-8"))
        _cache[path] = cached
    return cached[1]


def app_config(request) -> dict:
    tenant = getattr(request, "tenant", None)
    if tenant is not None and tenant.schema_name == get_public_schema_name():
        tenant = None  # the agent's own host
    return {
        "surface": "portal" if tenant is not None else "public",
        "principal": None if tenant is None else {"name": tenant.short_name},
        "stripe": {"publishableKey": settings.STRIPE_PUBLISHABLE_KEY, "jsUrl": settings.STRIPE_JS_URL},
    }


@require_GET
@ensure_csrf_cookie
def spa(request, path: str = ""):
    html = _index_html()
    if html is None:
        message = _("Веб-интерфейс не собран: выполните npm ci && npm run build в portal_frontend.")
        return HttpResponse(f"<!doctype html><html lang=\"ru\"><meta charset=\"utf-8\"><p>{escape(message)}</p></html>",
                            status=503)
    # JSON inside <script>: escape the characters that could end the element or start markup
    payload = json.dumps(app_config(request), ensure_ascii=False)
    payload = payload.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    script = f"<script>window.__APP_CONFIG__ = {payload};</script>"
    response = HttpResponse(html.replace("</head>", f"{script}</head>", 1), content_type="text/html; charset=utf-8")
    response["Cache-Control"] = "no-store"
    return response
