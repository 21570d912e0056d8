import graphene


class ResidentMeterNode(graphene.ObjectType):
    """A working meter of one of the resident's households, at one of the principals that serve it."""

    class Meta:
        name = "ResidentMeter"

    principal_id = graphene.ID(required=True)
    principal_name = graphene.String(required=True)
    meter_id = graphene.ID(required=True)
    serial = graphene.String(required=True)
    service_name = graphene.String(required=True)
    zones = graphene.Int(required=True)
    account_number = graphene.String(required=True)
