"""Host → principal routing overhead: `SET search_path` per request and time per request.

500 GraphQL requests through django.test.Client to a.localhost and b.localhost in a seeded mix of
host switches and repeats, each with the host principal's API key. Every request is checked for
its answer and for at most one `SET search_path`. The baseline is the same query on the same host
with the routing middleware replaced by one that sets a fixed, preloaded principal (no domain
lookup, no schema switch): the difference is what routing costs.
"""

import random
import time

import pytest
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext

from tests import factories
from tests.bench._util import bench, summary

pytestmark = [pytest.mark.bench, pytest.mark.django_db]

REQUESTS = 500
WARMUP = 20
QUERY = "{ currentPrincipal { schemaName } workspaceSettings { paymentDueDay } }"
ROUTING = "agency.site.middleware.PrincipalRoutingMiddleware"


class FixedTenantMiddleware:
    """Baseline stand-in for the routing middleware: one preloaded principal, no lookup."""

    tenant = None

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        tenant = FixedTenantMiddleware.tenant
        request.tenant = tenant
        if connection.schema_name != tenant.schema_name or not connection.search_path_set_schemas:
            connection.set_tenant(tenant)
        return self.get_response(request)


def is_set_search_path(query: dict) -> bool:
    return query["sql"].lstrip().upper().startswith("SET SEARCH_PATH")


@pytest.fixture
def hosts(tenants, principal_a, principal_b):
    return {
        tenants.a_host: (principal_a, factories.api_key(principal_a, ["settings.view"])),
        tenants.b_host: (principal_b, factories.api_key(principal_b, ["settings.view"])),
    }


def post(client: Client, host: str, key: str):
    return client.post(
        "/graphql", data={"query": QUERY}, content_type="application/json",
        HTTP_HOST=host, HTTP_AUTHORIZATION=f"Bearer {key}",
    )


def check(response, principal) -> None:
    assert response.status_code == 200, response.content
    payload = response.json()
    assert "errors" not in payload, payload
    assert payload["data"]["currentPrincipal"]["schemaName"] == principal.schema_name
    assert payload["data"]["workspaceSettings"]["paymentDueDay"] == 15


def timed(client: Client, sequence: list[str], hosts: dict) -> list[float]:
    samples = []
    for host in sequence:
        principal, key = hosts[host]
        start = time.perf_counter()
        response = post(client, host, key)
        samples.append(time.perf_counter() - start)
        check(response, principal)
    return samples


def test_routing_overhead(tenants, hosts):
    rng = random.Random(2026)
    mixed = [rng.choice([tenants.a_host, tenants.b_host]) for _ in range(REQUESTS)]
    same = [tenants.a_host] * REQUESTS
    client = Client()
    timed(client, mixed[:WARMUP], hosts)

    # Count statements per request over the mixed sequence.
    sets = {"switch": [], "repeat": []}
    queries_per_request = []
    previous = connection.tenant.schema_name if connection.tenant else None
    for host in mixed:
        principal, key = hosts[host]
        with CaptureQueriesContext(connection) as captured:
            response = post(client, host, key)
        check(response, principal)
        kind = "repeat" if principal.schema_name == previous else "switch"
        sets[kind].append(sum(1 for q in captured.captured_queries if is_set_search_path(q)))
        queries_per_request.append(len(captured.captured_queries))
        previous = principal.schema_name
    all_sets = sets["switch"] + sets["repeat"]
    bench(
        f"routing SET search_path over {REQUESTS} requests ({len(sets['switch'])} host switches, "
        f"{len(sets['repeat'])} repeats): max {max(all_sets)}/request, total {sum(all_sets)}; "
        f"on switches {sum(sets['switch'])}, on repeats {sum(sets['repeat'])}"
    )
    bench(f"routing queries per request: mean {sum(queries_per_request) / REQUESTS:.1f}, "
          f"max {max(queries_per_request)}")
    assert max(all_sets) <= 1, "a request issued more than one SET search_path"
    assert sets["switch"] and sets["repeat"]
    assert all(n == 1 for n in sets["switch"]), "a host switch did not set the new schema"
    assert sum(sets["repeat"]) == 0, "a request repeating the previous host re-issued SET search_path"

    # Time: mixed hosts, one host, and the same host without routing.
    mixed_times = timed(client, mixed, hosts)
    same_times = timed(client, same, hosts)
    FixedTenantMiddleware.tenant = hosts[tenants.a_host][0]
    middleware = [m if m != ROUTING else f"{__name__}.FixedTenantMiddleware" for m in settings_middleware()]
    assert middleware != settings_middleware()
    with override_settings(MIDDLEWARE=middleware):
        baseline_client = Client()
        timed(baseline_client, same[:WARMUP], hosts)
        baseline_times = timed(baseline_client, same, hosts)

    mean = lambda samples: sum(samples) / len(samples)  # noqa: E731
    bench(f"routing request a/b mixed (routing middleware): {summary(mixed_times)}")
    bench(f"routing request a.localhost only (routing middleware): {summary(same_times)}")
    bench(f"routing request a.localhost only, baseline without routing (fixed tenant): {summary(baseline_times)}")
    bench(
        f"routing overhead: mixed/baseline = {mean(mixed_times) / mean(baseline_times):.3f}x "
        f"(+{(mean(mixed_times) - mean(baseline_times)) * 1000:.2f}ms), "
        f"same-host/baseline = {mean(same_times) / mean(baseline_times):.3f}x "
        f"(+{(mean(same_times) - mean(baseline_times)) * 1000:.2f}ms)"
    )


def settings_middleware() -> list[str]:
    from django.conf import settings

    return list(settings.MIDDLEWARE)
