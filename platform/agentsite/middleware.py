"""Host → principal routing with at most one `SET search_path` per request."""

from django.db import connection
from django.http import Http404
from django_tenants.middleware.main import TenantMainMiddleware
from django_tenants.utils import get_tenant_domain_model


class PrincipalRoutingMiddleware(TenantMainMiddleware):
    """django-tenants' middleware, minus two round trips.

    The stock middleware resets the connection to public before looking the host up,
    which costs a `SET search_path` on every request, then sets the tenant's. The
    domain and principal tables exist only in public, and public is always on the
    search path, so the lookup works from any schema; and a connection already on
    the host's schema (the common case with persistent connections) needs no SET.
    An unknown host or a deactivated principal is a 404: never the public schema.
    """

    def process_request(self, request):
        if request.path == "/health":
            # Liveness does not depend on which hosts are configured (a fresh database has none).
            if connection.schema_name != "public":
                connection.set_schema_to_public()
            request.tenant = None
            return None
        hostname = self.hostname_from_request(request)
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
