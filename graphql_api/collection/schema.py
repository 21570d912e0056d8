"""Debt collection over GraphQL.

- Principal staff and API keys (``principal``, ``mutations``), on the principal's host: the debtor register, an
  account's collection file, and the acts of the work (collection.view / collection.stop / collection.manage).
- Residents (``cabinet``), their own session on the agent's host: their warnings and agreements, a request for one.
"""

import graphene

from graphql_api.collection import cabinet, mutations, principal


class Queries(principal.Queries, cabinet.Queries, graphene.ObjectType):
    pass


class Mutations(mutations.Mutations, cabinet.Mutations, graphene.ObjectType):
    pass
