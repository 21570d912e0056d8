"""Debt collection over GraphQL.

- Principal staff and API keys (``principal``, ``mutations``), on the principal's host: the debtor register, an
  account's collection file, and the acts of the work (collection.view / collection.stop / collection.manage).
- Agent staff (``office``), on the agent's host: campaigns and their runs, the overview across principals, the
  ЕПД delivery of the month's warnings, the collection rate per principal; and a principal's own collection rates.
- Residents (``cabinet``), their own session on the agent's host: their warnings and agreements, a request for one.
"""

import graphene

from graphql_api.collection import cabinet, mutations, office, principal


class Queries(principal.Queries, office.Queries, cabinet.Queries, graphene.ObjectType):
    pass


class Mutations(mutations.Mutations, office.Mutations, cabinet.Mutations, graphene.ObjectType):
    pass
