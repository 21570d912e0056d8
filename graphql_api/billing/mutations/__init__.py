from graphql_api.billing.mutations.periods import ChargeRun, PeriodPost
from graphql_api.billing.mutations.tariffs import TariffCreate

__all__ = ["ChargeRun", "PeriodPost", "TariffCreate"]
