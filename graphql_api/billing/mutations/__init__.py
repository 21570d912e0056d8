from graphql_api.billing.mutations.fanout import ChargeRunAll
from graphql_api.billing.mutations.periods import ChargeRun, PeriodPost
from graphql_api.billing.mutations.readings import ReadingSubmit
from graphql_api.billing.mutations.recalculations import RecalculationCreate
from graphql_api.billing.mutations.tariffs import TariffCreate

__all__ = ["ChargeRun", "ChargeRunAll", "PeriodPost", "ReadingSubmit", "RecalculationCreate", "TariffCreate"]
