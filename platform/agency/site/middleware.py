"""Host → principal routing with at most one `SET search_path` per request."""

import logging

from django.core.exceptions import DisallowedHost, PermissionDenied, SuspiciousOperation
from django.db import connection
from django.http import Http404
from django_tenants.middleware.main import TenantMainMiddleware
from django_tenants.utils import get_tenant_domain_model

from agency.site import views

log = logging.getLogger("django.request")


class PrincipalRoutingMiddleware(TenantMainMiddleware):
    """django-tenants' middleware, minus two round trips.

    The stock middleware resets the connection to public before looking the host up,
    which costs a `SET search_path` on every request, then sets the tenant's. The
    domain and principal tables exist only in public, and public is always on the
    search path, so the lookup works from any schema; and a connection already on
    the host's schema (the common case with persistent connections) needs no SET.
    An unknown host or a deactivated principal is a 404: never the public schema. So is a host outside
    ALLOWED_HOSTS (not Django's 400 for DisallowedHost): whoever reaches the server by a name it does not serve
    gets the same Russian page as for a principal it does not know.

    An exception a view of the API (GraphQL, uploads) did not handle is answered in the API's error shape with
    INTERNAL_ERROR and logged, whatever DEBUG says: the API never returns a traceback.
    """

    def process_request(self, request):
        if request.path == "/health":
            # Liveness does not depend on which hosts are configured (a fresh database has none).
            if connection.schema_name != "public":
                connection.set_schema_to_public()
            request.tenant = None
            return None
        try:
            hostname = self.hostname_from_request(request)
        except DisallowedHost:
            raise Http404("host not allowed") from None
        domain_model = get_tenant_domain_model()
        domain = domain_model.objects.select_related("tenant").filter(domain=hostname).first()
        if domain is None or not domain.tenant.is_active:
            raise Http404(f"No principal for host {hostname!r}")
        tenant = domain.tenant
        tenant.domain_url = hostname
        request.tenant = tenant
        if connection.schema_name == tenant.schema_name and connection.search_path_set_schemas:
            connection.tenant = tenant
        else:
            connection.set_tenant(tenant)
        self.setup_url_routing(request)

    def process_exception(self, request, exception):
        if not views.is_api_request(request) or isinstance(exception, Http404 | PermissionDenied | SuspiciousOperation):
            return None  # Django's handling: the error pages of agency.site.urls (handler404, handler500, …)
        log.error("unhandled error in %s", request.path, exc_info=exception)
        return views.server_error(request)
