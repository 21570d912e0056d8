"""Imports of uploaded files (graphql_api.uploads stores the file; these mutations take its key)."""

import graphene

from graphql_api.imports.mutations import (
    BankStatementImport,
    OpeningBalancesImport,
    OwnReceiptsImport,
    PaymentRegistryImport,
    PayoutConfirmationImport,
    ReadingsImport,
)


class Mutations(graphene.ObjectType):
    readings_import = ReadingsImport.Field()
    opening_balances_import = OpeningBalancesImport.Field()
    own_receipts_import = OwnReceiptsImport.Field()
    payment_registry_import = PaymentRegistryImport.Field()
    bank_statement_import = BankStatementImport.Field()
    payout_confirmation_import = PayoutConfirmationImport.Field()
