"""What a payout confirmation (the bank's statement of the agent's account) found."""

import graphene


class PayoutDifferenceNode(graphene.ObjectType):
    class Meta:
        name = "PayoutDifference"
        description = "A datum of an exported payout that the statement's document shows otherwise."

    field = graphene.String(required=True, description="date, amount, payee_account or status.")
    expected = graphene.String(required=True, description="As the payout has it.")
    actual = graphene.String(required=True, description="As the statement has it.")


class PayoutMismatchNode(graphene.ObjectType):
    class Meta:
        name = "PayoutMismatch"
        description = "An outgoing document found by its number whose data differ from the payout's: not confirmed."

    payout_id = graphene.ID(required=True)
    number = graphene.String(required=True)
    line = graphene.Int(required=True, description="Line of the statement.")
    fields = graphene.List(graphene.NonNull(PayoutDifferenceNode), required=True)


class UnknownPaymentOrderNode(graphene.ObjectType):
    class Meta:
        name = "UnknownPaymentOrder"
        description = "An outgoing document of the statement that is none of the agent's payouts."

    number = graphene.String(required=True)
    date = graphene.Date()
    amount = graphene.Decimal(required=True)
    payee_account = graphene.String(required=True)
    line = graphene.Int(required=True, description="Line of the statement.")


class PayoutConfirmationNode(graphene.ObjectType):
    class Meta:
        name = "PayoutConfirmation"
        description = "Exported payouts the bank's statement confirms, and what it shows that does not match."

    confirmed = graphene.List(graphene.NonNull(graphene.ID), required=True, description="Payouts confirmed now.")
    already = graphene.List(graphene.NonNull(graphene.ID), required=True,
                            description="Payouts an earlier statement confirmed.")
    not_in_statement = graphene.List(graphene.NonNull(graphene.ID), required=True,
                                     description="Exported within the statement's dates, yet not in it.")
    mismatches = graphene.List(graphene.NonNull(PayoutMismatchNode), required=True)
    unknown = graphene.List(graphene.NonNull(UnknownPaymentOrderNode), required=True)
