"""The root schema: each domain's Queries and Mutations combined."""

import graphene

from graphql_api.appeals import schema as appeals
from graphql_api.billing import schema as billing
from graphql_api.cabinet import schema as cabinet
from graphql_api.collection import schema as collection
from graphql_api.core.validation import scalars_bounded
from graphql_api.documents import schema as documents
from graphql_api.identity import schema as identity
from graphql_api.imports import schema as imports
from graphql_api.payments import schema as payments
from graphql_api.principals import schema as principals
from graphql_api.reports import schema as reports


class Query(identity.Queries, principals.Queries, billing.Queries, cabinet.Queries, documents.Queries,
            payments.Queries, appeals.Queries, reports.Queries, collection.Queries, graphene.ObjectType):
    pass


class Mutation(identity.Mutations, principals.Mutations, billing.Mutations, cabinet.Mutations,
               documents.Mutations, payments.Mutations, appeals.Mutations, reports.Mutations, imports.Mutations,
               collection.Mutations, graphene.ObjectType):
    pass


schema = graphene.Schema(query=Query, mutation=Mutation)
scalars_bounded(schema.graphql_schema)
