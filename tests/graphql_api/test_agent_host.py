"""The agent's own work (intake, allocation, payouts, runs, principals) is done on the agent's host only: agent
staff on a principal's host are that principal's staff there, and nothing of the agent's books is written into the
principal's schema."""

from django_tenants.utils import schema_context

from agency.payments.models import Payment, RegistryImport
from tenants.ledger.models import LedgerLeg, LedgerTransaction
from tests import factories
from tests.conftest import error_codes
from tests.graphql_api import test_payments_api
from tests.graphql_api.test_payments_api import ROWS, registry, upload

world = test_payments_api.world  # the fixture: households, ЕПД and contracts at A and B


def _principal_books(schema: str) -> tuple[int, int]:
    with schema_context(schema):
        return LedgerTransaction.objects.count(), LedgerLeg.objects.count()


def test_agent_uploads_on_a_principal_host_are_refused_and_write_nothing(world, tenants):
    operator = world["operator"]
    before = _principal_books("principal_a")
    for kind, fields in (("payment-registry", {"layout": "sber_standard"}), ("bank-statement", {}),
                         ("payout-confirmation", {})):
        response = upload(operator, kind, registry(ROWS), "registry.txt", host=tenants.a_host, **fields)
        assert response.status_code == 400, kind
        assert error_codes(response.json()) == ["AGENT_HOST_REQUIRED"], kind
    assert _principal_books("principal_a") == before
    assert (Payment.objects.count(), RegistryImport.objects.count()) == (0, 0)
    # the same file on the agent's host is taken
    assert upload(operator, "payment-registry", registry(ROWS), "registry.txt",
                  layout="sber_standard").json()["status"] == "posted"


def test_agent_mutations_on_a_principal_host_are_refused(world, tenants, gql):
    before = _principal_books("principal_a")
    for role in ("operator", "admin"):
        staff = gql(tenants.a_host, user=factories.user(agent_role=role))
        for query in ("mutation { paymentsAllocate(day: \"2026-11-26\") { errors { code } paymentsCount } }",
                      "mutation { payoutsBuild(businessDay: \"2026-11-27\") { errors { code } } }",
                      "{ paymentImports { totalCount } }"):
            assert error_codes(staff(query)) == ["AGENT_HOST_REQUIRED"], (role, query)
    assert _principal_books("principal_a") == before
